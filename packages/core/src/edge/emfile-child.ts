// Run by emfile.test.ts under a lowered `ulimit -n`: an echo listener on the edge, logging
// JSON lines to stdout. `close N` on stdin closes the N oldest connections (freeing descriptors).

import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import type { Logger } from '../ports/logger.ts';
import { descriptorSoftLimit } from './descriptor-limit.ts';
import { EdgeRuntime } from './edge.ts';

const print = (record: object) => process.stdout.write(`${JSON.stringify(record)}\n`);
const logger: Logger = {
  debug() {},
  info: (obj, msg) => print({ level: 'info', msg, ...obj }),
  warn: (obj, msg) => print({ level: 'warn', msg, ...obj }),
  error: (obj, msg) => print({ level: 'error', msg, ...obj }),
  child: () => logger,
};
const sockets: Socket[] = [];
const runtime = new EdgeRuntime({ logger });
const listener = await runtime.forAdapter().listenTcp({ host: '127.0.0.1', port: 0 }, (socket) => {
  sockets.push(socket);
  socket.on('error', () => {});
  socket.once('close', () => sockets.splice(sockets.indexOf(socket), 1));
  socket.on('data', (chunk: Buffer) => socket.write(chunk));
});
print({ level: 'info', msg: 'listening', port: listener.port, limit: descriptorSoftLimit() });
createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, count] = line.split(' ');
  if (command === 'close') for (const socket of sockets.slice(0, Number(count))) socket.destroy();
  if (command === 'count') print({ level: 'info', msg: 'count', open: sockets.length });
});
