import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { driver as sohDriver } from '@switchboard/adapter-soh/testing';
import { driver as tcpRoomsDriver } from '@switchboard/adapter-tcp-rooms/testing';
import { silentLogger } from '@switchboard/core';
import type { ContractClient } from '@switchboard/core/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { type RunningGateway, startGateway } from '../src/gateway.ts';
import { tempDir } from './gateway-process.ts';

/**
 * The json-ws port's browser chat in a real headless Chromium, against a gateway started in
 * process: a browser user chats with a SOH user and a tcp-rooms user over raw sockets.
 */
const CHROMIUM = '/usr/bin/chromium';
const ROOT = new URL('../../../', import.meta.url);
const SCREENSHOT = fileURLToPath(new URL('test-output/web-chat.png', ROOT));
const DOCS_SCREENSHOT = fileURLToPath(new URL('docs/web-chat.png', ROOT));

const BROWSER_NAME = 'Béa';
const SOH_NAME = 'søren';
const TCP_NAME = 'tcp-tomás';

let gateway: RunningGateway;
let browser: Browser;
let page: Page;
let soh: ContractClient;
let tcp: ContractClient;
/** Console errors and uncaught exceptions of the page (a CSP violation shows up here). */
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the web chat test needs Debian's chromium ` +
        '(apt-get install -y --no-install-recommends chromium; .ci/run installs it)',
    );
  }
  const config = loadConfig({
    env: {},
    flags: {
      host: '127.0.0.1',
      dataDir: tempDir(),
      scryptCost: 1024,
      only: ['json-ws', 'soh', 'tcp-rooms'],
      admin: { port: 0 },
      adapters: { 'json-ws': { port: 0 }, soh: { port: 0 }, 'tcp-rooms': { port: 0 } },
    },
  });
  gateway = await startGateway(config, silentLogger);
  tcp = await tcpRoomsDriver.connect({ hub: gateway.hub, port: gateway.ports['tcp-rooms']! }, TCP_NAME);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage({ viewport: { width: 960, height: 540 }, locale: 'en-GB' });
  // Fail fast: the steps build on each other, and a stuck one should not cost 20 s per step.
  page.setDefaultTimeout(4_000);
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
});

afterAll(async () => {
  await browser?.close();
  soh?.destroy();
  tcp?.destroy();
  await gateway?.stop();
});

const messageInput = () => page.getByRole('textbox', { name: 'Message' });
/** The log entry whose text includes `text`, once it is there. */
const logEntry = (text: string) => page.locator('#log li', { hasText: text });

describe('web chat in headless Chromium', () => {
  it('serves the page on / of the json-ws port', async () => {
    const response = await page.goto(`http://127.0.0.1:${gateway.ports['json-ws']}/`);
    expect(response?.status()).toBe(200);
    expect(await page.title()).toBe('switchboard chat');
  });

  it('joins under a nickname and lists who is online on every protocol', async () => {
    await page.getByRole('textbox', { name: 'Nickname' }).fill(BROWSER_NAME);
    await page.getByRole('button', { name: 'Join' }).click();
    await page.getByText(`You are ${BROWSER_NAME}`).waitFor();
    expect(await page.getByRole('textbox', { name: 'Nickname' }).isHidden()).toBe(true);
    await page.getByRole('checkbox', { name: TCP_NAME }).waitFor();
    // The SOH user arrives after the browser joined: Refresh asks the server again.
    soh = await sohDriver.connect({ hub: gateway.hub, port: gateway.ports.soh! }, SOH_NAME);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('checkbox', { name: SOH_NAME }).waitFor();
    const online = await page.locator('#online label').allTextContents();
    expect(online).toEqual([`${BROWSER_NAME} (you)`, SOH_NAME, TCP_NAME]); // sorted by UTF-8 bytes
    expect(await page.getByRole('checkbox', { name: `${BROWSER_NAME} (you)` }).isDisabled()).toBe(true);
  });

  it('sends to everyone when no name is ticked', async () => {
    const text = 'hello everyone ✓';
    await messageInput().fill(text);
    await page.getByRole('button', { name: 'Send to everyone' }).click();
    const atSoh = await soh.next();
    expect(atSoh.raw).toBe(Buffer.from(`${BROWSER_NAME}\x01${text}\x01`).toString('latin1'));
    const atTcp = await tcp.next();
    expect([atTcp.sender, atTcp.text, atTcp.direct]).toEqual([BROWSER_NAME, text, false]);
    await logEntry(text).waitFor();
    expect(await messageInput().inputValue()).toBe('');
  });

  it('sends privately to the ticked SOH user only, who gets NAME\\x01TEXT\\x01 byte-exact', async () => {
    const text = 'just for you, søren ♪ Привет';
    await page.getByRole('checkbox', { name: SOH_NAME }).check();
    await messageInput().fill(text);
    await page.getByRole('button', { name: 'Send privately (1)' }).click();
    const atSoh = await soh.next();
    expect(atSoh.raw).toBe(Buffer.from(`${BROWSER_NAME}\x01${text}\x01`).toString('latin1'));
    await logEntry(`${BROWSER_NAME} → ${SOH_NAME}: ${text}`).waitFor();
    await tcp.expectNothing(200);
  });

  it("shows the SOH user's message with its sender and time", async () => {
    const text = 'hej from the raw socket';
    const sentAt = new Date();
    await soh.sendDirect(BROWSER_NAME, text);
    const entry = logEntry(text);
    await entry.waitFor();
    expect(await entry.locator('.sender').textContent()).toBe(SOH_NAME);
    expect(await entry.textContent()).toContain(`${SOH_NAME}: ${text}`);
    const stamped = Date.parse((await entry.locator('time').getAttribute('datetime')) ?? '');
    expect(Math.abs(stamped - sentAt.getTime())).toBeLessThan(2_000); // whole seconds on the wire
    const shown = await entry.locator('time').textContent();
    expect(shown).toMatch(/^\d\d:\d\d$/);
  });

  it('writes a screenshot, ran with no console error (the CSP allowed everything the page does)', async () => {
    await page.getByRole('checkbox', { name: SOH_NAME }).uncheck();
    await tcp.broadcast!('hi all, from a tcp-rooms terminal');
    await logEntry('from a tcp-rooms terminal').waitFor();
    mkdirSync(fileURLToPath(new URL('test-output/', ROOT)), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    expect(existsSync(SCREENSHOT)).toBe(true);
    // The README's picture is refreshed on request only, so a test run leaves the tree clean.
    if (process.env.SWITCHBOARD_UPDATE_DOCS === '1') {
      mkdirSync(fileURLToPath(new URL('docs/', ROOT)), { recursive: true });
      copyFileSync(SCREENSHOT, DOCS_SCREENSHOT);
    }
    expect(pageErrors).toEqual([]);
  });

  it('shows a refused nickname as an error and joins with another one on the same page', async () => {
    const second = await browser.newPage({ viewport: { width: 800, height: 400 } });
    try {
      await second.goto(`http://127.0.0.1:${gateway.ports['json-ws']}/`);
      const nickname = second.getByRole('textbox', { name: 'Nickname' });
      await nickname.fill(TCP_NAME); // a registered tcp-rooms account
      await second.getByRole('button', { name: 'Join' }).click();
      await second.locator('#log li.error').waitFor({ timeout: 4_000 });
      expect(await nickname.isVisible()).toBe(true);
      await nickname.fill('Cleo');
      await second.getByRole('button', { name: 'Join' }).click();
      await second.getByText('You are Cleo').waitFor({ timeout: 4_000 });
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.getByRole('checkbox', { name: 'Cleo' }).waitFor();
    } finally {
      await second.close();
    }
  });
});
