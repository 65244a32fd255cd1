// Temporary measurement, not committed: idle memory per IRC connection and IRC -> IRC direct
// throughput, against a raw node:net line relay doing the same job.

import { fork } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { silentLogger } from '@switchboard/core';
import { createTestHub } from '@switchboard/core/testing';
import { ircAdapter } from './index.ts';

const mode = process.argv[2] ?? 'irc';
let port: number;
if (mode === 'irc') {
  const hub = createTestHub({
    limits: {
      maxConnectionsPerAddress: 1e6,
      messagesPerSecond: 1e7,
      messageBurst: 1e7,
      bytesPerSecond: 1e10,
      byteBurst: 1e10,
    },
  });
  const adapter = await ircAdapter.start({
    hub,
    logger: silentLogger,
    host: '127.0.0.1',
    port: 0,
    options: ircAdapter.optionsSchema.parse({}),
  });
  port = adapter.port;
  setTimeout(() => console.log('stats', JSON.stringify(hub.stats)), 20_000).unref();
} else {
  // The raw relay: NICK then lines `PRIVMSG to :text`, forwarded as IRC would write them.
  const byNick = new Map<string, Socket>();
  const server = createServer((socket) => {
    let nick = '';
    let rest = '';
    socket.setNoDelay(true);
    socket.on('data', (chunk) => {
      const lines = (rest + chunk.toString('utf8')).split('\r\n');
      rest = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('NICK ')) {
          nick = line.slice(5);
          byNick.set(nick, socket);
          socket.write(':x 001 ' + nick + ' :hi\r\n:x 366 ' + nick + ' #main :end\r\n');
          continue;
        }
        if (!line.startsWith('PRIVMSG ')) continue;
        const space = line.indexOf(' ', 8);
        const to = line.slice(8, space);
        byNick.get(to)?.write(`:${nick}!chat@switchboard PRIVMSG ${to} ${line.slice(space + 1)}\r\n`);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
}
const child = fork('/tmp/ircbench/clients.mjs', [String(port)]);
const mem = () => {
  globalThis.gc?.();
  globalThis.gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
};
let base = mem();
child.on('message', (message: { step: string; [k: string]: unknown }) => {
  if (message.step === 'connecting') base = mem();
  else if (message.step === 'idle') {
    const now = mem();
    const n = message.count as number;
    console.log(
      `${mode}: idle ${n} connections: heap ${((now.heap - base.heap) / n / 1024).toFixed(1)} KiB/conn, rss ${((now.rss - base.rss) / n / 1024).toFixed(1)} KiB/conn`,
    );
    child.send('go');
  } else if (message.step === 'done') {
    console.log(
      `${mode}: direct ${message.count} msgs in ${message.ms} ms = ${Math.round((message.count as number) / ((message.ms as number) / 1000))} msgs/s`,
    );
    child.kill();
    process.exit(0);
  }
});
