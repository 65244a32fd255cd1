import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { LineClient } from '@switchboard/adapter-tcp-rooms/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  FREE_PORTS,
  type GatewayProcess,
  startGatewayProcess,
  stopGatewayProcess,
  tempDir,
} from './gateway-process.ts';

/**
 * IRC clients that nobody here wrote — Debian's `ii` and `irssi` (.ci/run installs both) —
 * register with the gateway, join #main, get a direct message from a SOH user and a json-ws
 * broadcast, and send a direct message that a tcp-rooms user receives. What each client wrote
 * down (ii's `out` files, irssi's autolog) is the transcript checked.
 */
const II = '/usr/bin/ii';
const IRSSI = '/usr/bin/irssi';

let gateway: GatewayProcess;
const children: ChildProcess[] = [];
const sockets: Array<Socket | WebSocket> = [];

async function eventually<T>(
  what: string,
  probe: () => T | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const readIfThere = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');

/** A SOH user: names itself, then sends one direct message. */
async function sohSays(name: string, to: string, text: string): Promise<void> {
  const socket = connect({ host: '127.0.0.1', port: gateway.ports.soh! });
  sockets.push(socket);
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(`${name}\u0001`);
  // SOH never answers an introduction: give the claim a moment before the message.
  await new Promise((resolve) => setTimeout(resolve, 200));
  socket.write(`${to}\u0001${text}\u0001`);
}

/** A json-ws user that broadcasts one message to the main chat. */
async function jsonWsBroadcasts(name: string, text: string): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${gateway.ports['json-ws']}/`);
  sockets.push(ws);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const status = new Promise((resolve) => ws.once('message', resolve));
  ws.send(JSON.stringify({ type: 'hello', data: { user: name } }));
  await status;
  ws.send(JSON.stringify({ type: 'send_message', data: { text } }));
}

/** A tcp-rooms user, registered on the spot, reading chat lines. */
async function tcpRoomsUser(name: string): Promise<LineClient> {
  const client = await LineClient.open(gateway.ports['tcp-rooms']!);
  expect(await client.nextLine()).toBe('Enter your nickname:');
  client.send(name);
  expect(await client.nextLine()).toBe('New nickname. Choose a password:');
  client.send('tcp-pw');
  expect(await client.nextLine()).toBe('Repeat the password:');
  client.send('tcp-pw');
  expect(await client.nextLine()).toBe(`Registered. Welcome, ${name}!`);
  return client;
}

/** The next direct message a tcp-rooms user gets; main-chat lines before it are passed over. */
async function privateLine(client: LineClient): Promise<string> {
  for (;;) {
    const line = await client.nextLine(5_000);
    if (line.includes(') [private]: ')) return line;
  }
}

beforeAll(async () => {
  for (const binary of [II, IRSSI])
    if (!existsSync(binary)) throw new Error(`${binary} is missing: apt-get install ii irssi (.ci/run does)`);
  gateway = await startGatewayProcess(['serve', ...FREE_PORTS, `--data-dir=${tempDir()}`], {
    SWITCHBOARD_SCRYPT_COST: '1024',
  });
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  for (const socket of sockets) socket instanceof WebSocket ? socket.terminate() : socket.destroy();
  if (gateway) await stopGatewayProcess(gateway);
});

describe('real IRC clients', () => {
  it('ii: registers, joins #main, gets SOH and json-ws messages, messages a tcp-rooms user', async () => {
    const home = tempDir('switchboard-ii-');
    const ii = spawn(II, ['-s', '127.0.0.1', '-p', String(gateway.ports.irc), '-n', 'iiuser', '-i', home], {
      stdio: 'ignore',
    });
    children.push(ii);
    const server = join(home, '127.0.0.1');
    // ii writes the server's lines to `out`; the welcome numeric means registration is done.
    await eventually('ii registered', () => readIfThere(join(server, 'out')).includes('iiuser'));
    writeFileSync(join(server, 'in'), '/j #main\n');
    const channel = join(server, '#main');
    await eventually('ii joined #main', () => existsSync(join(channel, 'out')));

    await sohSays('sohuser', 'iiuser', 'hello ii, from SOH');
    await jsonWsBroadcasts('webuser', 'hello #main, from json-ws');
    const fromSoh = await eventually('the SOH message in ii', () => {
      const out = readIfThere(join(server, 'sohuser', 'out'));
      return out.includes('hello ii') && out;
    });
    expect(fromSoh).toMatch(/^\d+ <sohuser> hello ii, from SOH$/m);
    const inChannel = await eventually('the broadcast in ii', () => {
      const out = readIfThere(join(channel, 'out'));
      return out.includes('from json-ws') && out;
    });
    expect(inChannel).toMatch(/^\d+ <webuser> hello #main, from json-ws$/m);

    const tcp = await tcpRoomsUser('tcpuser');
    // ii's /j NICK TEXT opens a query with NICK and sends TEXT as a PRIVMSG.
    writeFileSync(join(server, 'in'), '/j tcpuser hello tcp-rooms, from ii\n');
    expect(await privateLine(tcp)).toMatch(/^iiuser \(\d\d:\d\d\) \[private\]: hello tcp-rooms, from ii$/);
    // ...and ii wrote down what it sent.
    expect(readIfThere(join(server, 'tcpuser', 'out'))).toMatch(/<iiuser> hello tcp-rooms, from ii$/m);
    await tcp.end();
  });

  it('irssi: registers, autojoins #main, gets SOH and json-ws messages, messages a tcp-rooms user', async () => {
    // Online before irssi starts: irssi sends its direct message as soon as it has connected.
    const tcp = await tcpRoomsUser('tcpuser2');
    const home = tempDir('switchboard-irssi-');
    const logs = join(home, 'logs');
    mkdirSync(logs);
    writeFileSync(
      join(home, 'config'),
      `servers = ( { address = "127.0.0.1"; chatnet = "sb"; port = "${gateway.ports.irc}"; autoconnect = "yes"; use_tls = "no"; } );
chatnets = { sb = { type = "IRC"; autosendcmd = "/msg tcpuser2 hello tcp-rooms, from irssi"; }; };
channels = ( { name = "#main"; chatnet = "sb"; autojoin = "yes"; } );
settings = {
  core = { real_name = "irssi user"; user_name = "irssiuser"; nick = "irssiuser"; };
  "fe-common/core" = { autolog = "yes"; autolog_path = "${logs}/$0.log"; autolog_level = "all"; };
};
`,
    );
    // irssi is a terminal program: `script` gives it a pty. Typing into it proved unreliable
    // (input written to the pty got lost), so everything it does comes from its config file.
    const irssi = spawn(
      'script',
      ['-qfc', `stty cols 150 rows 40; exec ${IRSSI} --home=${home}`, '/dev/null'],
      {
        stdio: ['pipe', 'ignore', 'ignore'],
        env: { ...process.env, TERM: 'xterm' },
      },
    );
    children.push(irssi);
    const channelLog = join(logs, '#main.log');
    await eventually(
      'irssi joined #main',
      () => readIfThere(channelLog).includes('has joined #main'),
      15_000,
    );

    await sohSays('sohuser2', 'irssiuser', 'hello irssi, from SOH');
    await jsonWsBroadcasts('webuser2', 'hello #main, from json-ws to irssi');
    const fromSoh = await eventually('the SOH message in irssi', () => {
      const query = readdirSync(logs).find((file) => file.toLowerCase() === 'sohuser2.log');
      const log = query ? readFileSync(join(logs, query), 'utf8') : '';
      return log.includes('hello irssi') && log;
    });
    expect(fromSoh).toMatch(/^\d\d:\d\d <\s?sohuser2> hello irssi, from SOH$/m);
    const inChannel = await eventually('the broadcast in irssi', () => {
      const log = readIfThere(channelLog);
      return log.includes('to irssi') && log;
    });
    expect(inChannel).toMatch(/^\d\d:\d\d <\s?webuser2> hello #main, from json-ws to irssi$/m);

    expect(await privateLine(tcp)).toMatch(
      /^irssiuser \(\d\d:\d\d\) \[private\]: hello tcp-rooms, from irssi$/,
    );
    const sent = await eventually('irssi logged what it sent', () => {
      const log = readIfThere(join(logs, 'tcpuser2.log'));
      return log.includes('from irssi') && log;
    });
    expect(sent).toMatch(/^\d\d:\d\d <\s?irssiuser> hello tcp-rooms, from irssi$/m);
    await tcp.end();
  });
});
