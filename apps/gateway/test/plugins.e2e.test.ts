import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { driver as ircDriver } from '@switchboard/adapter-irc/testing';
import { driver as jsonWsDriver } from '@switchboard/adapter-json-ws/testing';
import type { ContractClient, ContractServer } from '@switchboard/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driver as lineChatDriver } from '../../../examples/line-chat-adapter/src/testing.ts';
import {
  BIN,
  FREE_PORTS,
  type GatewayProcess,
  startGatewayProcess,
  stopGatewayProcess,
  tempDir,
} from './gateway-process.ts';

/**
 * `serve --plugin`: an adapter that lives outside the repository, in a directory of its own with
 * only `@switchboard/core` and zod beside it (as an operator's installation would have), loaded
 * by path and by package name, chatting with built-in protocols; and every way a plug-in can be
 * unusable stopping the start with exit 2 and its name.
 */
const here = dirname(fileURLToPath(import.meta.url));
const exampleSources = join(here, '../../../examples/line-chat-adapter/src');

let home: string;

/** A directory holding the example adapter's sources, its dependencies, and a package wrapping it. */
function buildPluginHome(): string {
  const dir = tempDir('switchboard-plugin-');
  mkdirSync(join(dir, 'line-chat'));
  for (const file of readdirSync(exampleSources))
    copyFileSync(join(exampleSources, file), join(dir, 'line-chat', file));
  mkdirSync(join(dir, 'node_modules', '@switchboard'), { recursive: true });
  symlinkSync(join(here, '../../../packages/core'), join(dir, 'node_modules', '@switchboard', 'core'));
  symlinkSync(
    realpathSync(join(here, '../../../packages/core/node_modules/zod')),
    join(dir, 'node_modules', 'zod'),
  );
  // An installed package (plain JavaScript, as Node runs no TypeScript under node_modules).
  const wrapper = join(dir, 'node_modules', 'switchboard-adapter-line-chat');
  mkdirSync(wrapper);
  writeFileSync(
    join(wrapper, 'package.json'),
    JSON.stringify({ name: 'switchboard-adapter-line-chat', type: 'module', exports: './index.js' }),
  );
  writeFileSync(join(wrapper, 'index.js'), "export { default } from '../../line-chat/index.ts';\n");
  // Modules that are not usable adapters.
  writeFileSync(join(dir, 'no-adapter.mjs'), 'export const answer = 42;\n');
  writeFileSync(
    join(dir, 'bad-name.mjs'),
    "export default { name: 'Line Chat', defaultPort: 7474, optionsSchema: { safeParse() {} }, start() {} };\n",
  );
  writeFileSync(
    join(dir, 'irc-again.mjs'),
    "import lineChat from './line-chat/index.ts';\nexport default { ...lineChat, name: 'irc' };\n",
  );
  writeFileSync(
    join(dir, 'bad-options.json'),
    JSON.stringify({ plugins: ['./line-chat/index.ts'], adapters: { 'line-chat': { maxLineBytes: 1 } } }),
  );
  return dir;
}

/** Runs `switchboard serve ARGS` in the plug-in directory until it exits by itself. */
function serveUntilExit(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'serve', ...FREE_PORTS, `--data-dir=${tempDir()}`, ...args], {
      cwd: home,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

beforeAll(() => {
  home = buildPluginHome();
});

describe('serve --plugin: a plug-in chats with the built-in protocols', () => {
  let gateway: GatewayProcess;
  const clients: ContractClient[] = [];
  // Guest drivers identify by port alone; the hub is only for drivers that make accounts.
  const server = (port: number): ContractServer => ({ hub: undefined as never, port });
  const connect = async (connecting: Promise<ContractClient>) => {
    const client = await connecting;
    clients.push(client);
    return client;
  };

  afterAll(async () => {
    for (const client of clients) client.destroy();
    if (gateway) await stopGatewayProcess(gateway);
  });

  it('loads it by path: its own port flag, its settings from the environment, chat both ways', async () => {
    gateway = await startGatewayProcess(
      ['serve', ...FREE_PORTS, `--data-dir=${tempDir()}`, '--plugin', './line-chat/index.ts'],
      { SWITCHBOARD_LINE_CHAT_MAX_LINE_BYTES: '128' },
      home,
    );
    const port = gateway.ports['line-chat']!;
    expect(port).toBeGreaterThan(0);
    const line = await connect(lineChatDriver.connect(server(port), 'lïne-ușer'));
    const web = await connect(jsonWsDriver.connect(server(gateway.ports['json-ws']!), 'wéb'));
    const irc = await connect(ircDriver.connect(server(gateway.ports.irc!), 'ïrc'));

    line.sendDirect('wéb', 'from a plug-in ✓');
    expect(await web.next(3_000)).toMatchObject({ sender: 'lïne-ușer', text: 'from a plug-in ✓' });
    web.sendDirect('lïne-ușer', 'back to the plug-in 🎉');
    expect(await line.next(3_000)).toMatchObject({
      sender: 'wéb',
      text: 'back to the plug-in 🎉',
      direct: true,
    });
    irc.broadcast!('hello #main');
    expect(await line.next(3_000)).toMatchObject({ sender: 'ïrc', text: 'hello #main', direct: false });
    expect(await web.next(3_000)).toMatchObject({ sender: 'ïrc', text: 'hello #main' });
    line.broadcast!('the plug-in in the main chat');
    expect(await irc.next(3_000)).toMatchObject({
      sender: 'lïne-ușer',
      text: 'the plug-in in the main chat',
    });
    expect(await web.next(3_000)).toMatchObject({
      sender: 'lïne-ușer',
      text: 'the plug-in in the main chat',
    });

    // The environment's maxLineBytes (128) reached the plug-in: a longer line ends the connection.
    line.broadcast!('x'.repeat(200));
    await line.closed();
    await web.expectNothing(200);
  });

  it('loads it by package name, found from the working directory, and counts it in /metrics', async () => {
    await stopGatewayProcess(gateway);
    gateway = await startGatewayProcess(
      [
        'serve',
        ...FREE_PORTS,
        `--data-dir=${tempDir()}`,
        '--plugin=switchboard-adapter-line-chat',
        '--only=line-chat,json-ws',
      ],
      {},
      home,
    );
    expect(Object.keys(gateway.ports).sort()).toEqual(['admin', 'json-ws', 'line-chat']);
    const line = await connect(lineChatDriver.connect(server(gateway.ports['line-chat']!), 'pâckage'));
    const web = await connect(jsonWsDriver.connect(server(gateway.ports['json-ws']!), 'wéb2'));
    web.sendDirect('pâckage', 'hi');
    expect(await line.next(3_000)).toMatchObject({ sender: 'wéb2', text: 'hi' });
    const metrics = await (await fetch(`http://127.0.0.1:${gateway.ports.admin}/metrics`)).text();
    // Its series is labelled like a built-in's (the label's name is the metrics module's choice).
    expect(metrics).toMatch(
      /^switchboard_connections(?:_open)?\{(?:adapter|protocol)="line-chat"[^}]*\} 1$/m,
    );
  });
});

describe('connect --plugin: the plug-in brings its terminal client', () => {
  it('chats from a terminal: typed lines go out, deliveries are printed', async () => {
    const gateway = await startGatewayProcess(
      ['serve', ...FREE_PORTS, `--data-dir=${tempDir()}`, '--plugin', './line-chat/index.ts'],
      {},
      home,
    );
    const web = await jsonWsDriver.connect(
      { hub: undefined as never, port: gateway.ports['json-ws']! },
      'wéb3',
    );
    try {
      const terminal = spawn(
        process.execPath,
        [
          BIN,
          'connect',
          '--plugin',
          './line-chat/index.ts',
          'line-chat',
          '127.0.0.1',
          String(gateway.ports['line-chat']),
          'térm',
        ],
        { cwd: home, stdio: ['pipe', 'pipe', 'pipe'] },
      );
      let printed = '';
      terminal.stdout.on('data', (chunk: Buffer) => {
        printed += chunk.toString();
      });
      const exited = new Promise<number | null>((resolve) => terminal.once('exit', resolve));
      const waitPrinted = async (text: string) => {
        for (const deadline = Date.now() + 5_000; !printed.includes(text); ) {
          if (Date.now() > deadline) throw new Error(`the terminal did not print ${text}: ${printed}`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      };
      await waitPrinted('You are térm.');
      web.sendDirect('térm', 'hi terminal ✓');
      await waitPrinted('wéb3 (direct): hi terminal ✓\n');
      terminal.stdin.write('@wéb3 hi from the terminal\n');
      expect(await web.next(3_000)).toMatchObject({ sender: 'térm', text: 'hi from the terminal' });
      terminal.stdin.end();
      expect(await exited).toBe(0);
    } finally {
      web.destroy();
      await stopGatewayProcess(gateway);
    }
  });
});

describe('serve --plugin: an unusable plug-in stops the start with exit 2, named', () => {
  it.each([
    [['--plugin', './no-adapter.mjs'], /plugin \.\/no-adapter\.mjs: exports no adapter/],
    [
      ['--plugin', './bad-name.mjs'],
      /plugin \.\/bad-name\.mjs: its default export is not an adapter \(name "Line Chat"/,
    ],
    [
      ['--plugin', './irc-again.mjs'],
      /plugin \.\/irc-again\.mjs: the adapter name irc is taken by the built-in irc adapter/,
    ],
    [
      ['--plugin', './line-chat/index.ts', '--plugin', 'switchboard-adapter-line-chat'],
      /plugin switchboard-adapter-line-chat: the adapter name line-chat is taken by plugin \.\/line-chat\/index\.ts/,
    ],
    [['--plugin', './missing.mjs'], /plugin \.\/missing\.mjs: cannot be loaded: /],
    [['--plugin', 'no-such-package'], /plugin no-such-package: cannot be loaded: /],
    [
      ['--config', 'bad-options.json'],
      /plugin \.\/line-chat\/index\.ts \(adapter line-chat\): invalid setting adapters\.line-chat\.maxLineBytes/,
    ],
  ])('%j', async (args, message) => {
    const { code, stderr } = await serveUntilExit(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});
