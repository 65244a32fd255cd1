import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { driver as sohDriver } from '@switchboard/adapter-soh/testing';
import { silentLogger } from '@switchboard/core';
import type { ContractClient } from '@switchboard/core/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { type RunningGateway, startGateway } from '../src/gateway.ts';
import { BIN, tempDir } from './gateway-process.ts';

/**
 * The web chat on a phone-width page in headless Chromium, while its gateway is stopped and
 * started again on the same port: the page reconnects by itself with the name it had, and
 * messages flow again with a SOH user on the new gateway.
 */
const CHROMIUM = '/usr/bin/chromium';
const ROOT = new URL('../../../', import.meta.url);
const SCREENSHOT = fileURLToPath(new URL('test-output/web-chat-phone.png', ROOT));
const RECONNECTING_SCREENSHOT = fileURLToPath(new URL('test-output/web-chat-phone-reconnecting.png', ROOT));
const PHONE = { width: 390, height: 844 };
const NAME = 'Dana';
/** The page's backoff (index.html): doubling from 250 ms, capped at 8 s, each wait jittered into its upper half. */
const RETRY_FIRST_MS = 250;
const RETRY_CAP_MS = 8_000;

const dataDir = tempDir();
let ports: { 'json-ws': number; soh: number } = { 'json-ws': 0, soh: 0 };
let gateway: RunningGateway | null = null;
let browser: Browser;
let page: Page;
const clients: ContractClient[] = [];
/** Console errors and uncaught exceptions of the page (a CSP violation shows up here). */
const pageErrors: string[] = [];

/** A gateway on the ports of the first one (port 0 the first time), over the same data directory. */
async function startOnSamePorts(): Promise<RunningGateway> {
  const config = loadConfig({
    env: {},
    flags: {
      host: '127.0.0.1',
      dataDir,
      scryptCost: 1024,
      only: ['json-ws', 'soh'],
      admin: { port: 0 },
      adapters: { 'json-ws': { port: ports['json-ws'] }, soh: { port: ports.soh } },
    },
  });
  const started = await startGateway(config, silentLogger);
  ports = { 'json-ws': started.ports['json-ws']!, soh: started.ports.soh! };
  return started;
}

async function stopGateway(): Promise<void> {
  const running = gateway;
  gateway = null;
  for (const client of clients.splice(0)) client.destroy();
  await running?.stop();
}

/** How many log entries show `text` so far: the next one is `nth(count)`. */
const logged = (text: string) => page.locator('#log li', { hasText: text }).count();

/** Milliseconds from `since` until the page logs `text` once more than `earlier` times. */
async function msUntilLogged(
  text: string,
  earlier: number,
  since: number,
  timeout = 15_000,
): Promise<number> {
  await page.locator('#log li', { hasText: text }).nth(earlier).waitFor({ timeout });
  return performance.now() - since;
}

function userAdd(name: string, adminPort: number): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, 'user', 'add', name, '--data-dir', dataDir, '--admin-url', `http://127.0.0.1:${adminPort}`],
      { timeout: 15_000, env: { ...process.env, SWITCHBOARD_SCRYPT_COST: '1024' } },
      (error, _stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
    );
    child.stdin!.end('a password of hers\n');
  });
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the web chat test needs Debian's chromium ` +
        '(apt-get install -y --no-install-recommends chromium; .ci/run installs it)',
    );
  }
  gateway = await startOnSamePorts();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
    ],
  });
  page = await browser.newPage({ viewport: PHONE, locale: 'en-GB', isMobile: true, hasTouch: true });
  page.setDefaultTimeout(5_000);
  page.on('console', (message) => {
    if (message.type() === 'error' && !/WebSocket connection to .* failed/.test(message.text()))
      pageErrors.push(message.text());
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
});

afterAll(async () => {
  await browser?.close();
  await stopGateway();
});

describe('web chat across gateway restarts, at phone width', () => {
  it('fits 390 px: nothing scrolls sideways, the message box and Send are on screen', async () => {
    await page.goto(`http://127.0.0.1:${ports['json-ws']}/`);
    await page.getByRole('textbox', { name: 'Nickname' }).fill(NAME);
    await page.getByRole('button', { name: 'Join' }).click();
    await page.getByText(`You are ${NAME}`).waitFor();
    // Page scripts as text: this project type-checks without the DOM library.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      PHONE.width,
    );
    for (const control of [
      page.getByRole('textbox', { name: 'Message' }),
      page.getByRole('button', { name: 'Send to everyone' }),
      page.getByRole('button', { name: 'Refresh' }),
    ]) {
      const box = (await control.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
      expect(box.y + box.height).toBeLessThanOrEqual(PHONE.height);
    }
  });

  it('reconnects by itself when the gateway restarts on the same port, and chats again', async () => {
    const sam = await sohDriver.connect({ hub: gateway!.hub, port: ports.soh }, 'sam');
    clients.push(sam);
    await sam.sendDirect(NAME, 'before the restart');
    await page.locator('#log li', { hasText: 'before the restart' }).waitFor();

    const rejoinsBefore = await logged(`reconnected as ${NAME}`);
    const stopped = performance.now();
    await stopGateway();
    await page
      .locator('#log li', { hasText: 'connection lost (1001 server shutting down); reconnecting' })
      .waitFor();
    await page.getByRole('status').getByText(`Reconnecting as ${NAME}`).waitFor();
    expect(await page.getByRole('textbox', { name: 'Message' }).isDisabled()).toBe(true);
    mkdirSync(fileURLToPath(new URL('test-output/', ROOT)), { recursive: true });
    await page.screenshot({ path: RECONNECTING_SCREENSHOT });

    gateway = await startOnSamePorts();
    const restarted = performance.now();
    const rejoinMs = await msUntilLogged(`reconnected as ${NAME}`, rejoinsBefore, restarted);
    await page.getByText(`You are ${NAME}`).waitFor();
    expect(await page.getByRole('status').isHidden()).toBe(true);

    // Messages flow both ways again, with a SOH user of the new gateway.
    const sol = await sohDriver.connect({ hub: gateway!.hub, port: ports.soh }, 'sol');
    clients.push(sol);
    await page.getByRole('textbox', { name: 'Message' }).fill('back again');
    await page.getByRole('button', { name: 'Send to everyone' }).click();
    const atSol = await sol.next(5_000);
    const chattingMs = performance.now() - restarted;
    expect(atSol.raw).toBe(`${NAME}\x01back again\x01`);
    await sol.sendDirect(NAME, 'welcome back');
    await page.locator('#log li', { hasText: 'welcome back' }).waitFor();

    console.log(
      `web chat restart: gateway stop→up ${(restarted - stopped).toFixed(0)} ms; ` +
        `up→rejoined ${rejoinMs.toFixed(0)} ms; up→first message delivered ${chattingMs.toFixed(0)} ms`,
    );
    expect(rejoinMs).toBeLessThan(3_000);
    await page.screenshot({ path: SCREENSHOT });
    console.log(`web chat at ${PHONE.width} px: ${SCREENSHOT} (reconnecting: ${RECONNECTING_SCREENSHOT})`);
    expect(pageErrors).toEqual([]);
  }, 30_000);

  it('backs off while the gateway stays down (doubling, capped, jittered) and is back within seconds of its return', async () => {
    // Every announced wait, as the page shows it: "… in 1.3 s (attempt 3)…".
    await page.evaluate(`{
      const status = document.getElementById('status-text');
      window.announced = [];
      new MutationObserver(() => window.announced.push(status.textContent)).observe(status, {
        childList: true, characterData: true, subtree: true,
      });
    }`);
    const rejoinsBefore = await logged(`reconnected as ${NAME}`);
    await stopGateway();
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    gateway = await startOnSamePorts();
    const restarted = performance.now();
    const rejoinMs = await msUntilLogged(`reconnected as ${NAME}`, rejoinsBefore, restarted);
    const announced = await page.evaluate<string[]>('window.announced');
    const waits = announced
      .map((text) => /in ([\d.]+) s \(attempt (\d+)\)/.exec(text))
      .filter((match) => match !== null)
      .map((match) => ({ seconds: Number(match[1]), attempt: Number(match[2]) }));
    expect(waits.length).toBeGreaterThanOrEqual(3);
    expect(waits.map((wait) => wait.attempt)).toEqual(waits.map((_, i) => i + 1));
    for (const { seconds, attempt } of waits) {
      const ceiling = Math.min(RETRY_CAP_MS, RETRY_FIRST_MS * 2 ** (attempt - 1)) / 1000;
      expect(seconds).toBeGreaterThanOrEqual(ceiling / 2 - 0.05);
      expect(seconds).toBeLessThanOrEqual(ceiling + 0.05);
    }
    console.log(
      `web chat after a 3.5 s outage: up→rejoined ${rejoinMs.toFixed(0)} ms; waits ${waits.map((wait) => wait.seconds).join(', ')} s`,
    );
    // The longest wait that can be pending when the gateway returns after 3.5 s is 4 s.
    expect(rejoinMs).toBeLessThan(4_000 + 1_000);
  }, 30_000);

  it('keeps its name, and says so when the name was taken while it was away', async () => {
    const adminPort = gateway!.ports.admin!;
    await stopGateway();
    // While the gateway is down, an operator registers the name (the CLI opens the store itself).
    expect(await userAdd(NAME, adminPort)).toEqual({ code: 0, stderr: '' });
    gateway = await startOnSamePorts();
    await page
      .locator('#log li.error', { hasText: `The name ${NAME} was taken while you were away` })
      .waitFor({
        timeout: 12_000,
      });
    const nickname = page.getByRole('textbox', { name: 'Nickname' });
    expect(await nickname.isVisible()).toBe(true);
    expect(await nickname.inputValue()).toBe(NAME);
    expect(await page.getByRole('status').isHidden()).toBe(true);
    await nickname.fill(`${NAME}-2`);
    await page.getByRole('button', { name: 'Join' }).click();
    await page.getByText(`You are ${NAME}-2`).waitFor();
  }, 30_000);

  it('does not fight another tab over the name: a takeover (4001) is final', async () => {
    const other = await browser.newPage({ viewport: PHONE });
    try {
      await other.goto(`http://127.0.0.1:${ports['json-ws']}/`);
      await other.getByRole('textbox', { name: 'Nickname' }).fill(`${NAME}-2`);
      await other.getByRole('button', { name: 'Join' }).click();
      await other.getByText(`You are ${NAME}-2`).waitFor();
      await page
        .locator('#log li', { hasText: 'a newer connection (another tab or device) took over this name' })
        .waitFor();
      expect(await page.getByRole('textbox', { name: 'Nickname' }).isVisible()).toBe(true);
      // No reconnect follows: the other tab keeps the name.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(await page.getByRole('status').isHidden()).toBe(true);
      expect(await other.getByText(`You are ${NAME}-2`).isVisible()).toBe(true);
      await other.getByRole('button', { name: 'Refresh' }).click();
      await other.getByRole('checkbox', { name: `${NAME}-2 (you)` }).waitFor();
    } finally {
      await other.close();
    }
  });
  it('does not come back after a kick from the server API (4003 is final too)', async () => {
    const name = `${NAME}-3`;
    await page.getByRole('textbox', { name: 'Nickname' }).fill(name);
    await page.getByRole('button', { name: 'Join' }).click();
    await page.getByText(`You are ${name}`).waitFor();
    const response = await fetch(`http://127.0.0.1:${gateway!.ports.admin}/admin/users/${name}/disconnect`, {
      method: 'POST',
    });
    expect(response.status).toBe(200);
    await page
      .locator('#log li.notice', {
        hasText: 'disconnected (4003 disconnected by an administrator); join again',
      })
      .waitFor();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await page.getByRole('status').isHidden()).toBe(true);
    expect(await page.getByRole('textbox', { name: 'Nickname' }).isVisible()).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
