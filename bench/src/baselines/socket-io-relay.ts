/**
 * Baseline: the same chat on Socket.IO (hello with an ack carrying the sorted names, direct by
 * name through a room per user, broadcast to everyone else). With `--redis URL` it uses
 * @socket.io/redis-adapter, so several processes form one service, as switchboard does with --redis.
 */
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { announceReady, argument } from './baseline-process.ts';

const httpServer = createServer();
const io = new Server(httpServer, {
  transports: ['websocket'],
  perMessageDeflate: false,
  serveClient: false,
});
const redisUrl = argument('redis');
if (redisUrl) {
  const pub = new Redis(redisUrl);
  const sub = pub.duplicate();
  io.adapter(createAdapter(pub, sub));
}

const names = new Set<string>();

io.on('connection', (socket) => {
  let name: string | null = null;
  socket.on('hello', (user: unknown, ack: unknown) => {
    if (name !== null || typeof user !== 'string') return;
    name = user;
    names.add(user);
    void socket.join(user);
    if (typeof ack === 'function') ack({ active_clients: [...names].sort() });
  });
  socket.on('send_message', (message: { recievers?: string[]; text?: unknown }) => {
    if (name === null || typeof message?.text !== 'string') return;
    const out = { sender: name, timestamp: Math.floor(Date.now() / 1000), text: message.text };
    if (message.recievers) {
      const targets = message.recievers.filter((reciever) => reciever !== name);
      if (targets.length > 0) io.to(targets).emit('recieve_message', out);
    } else {
      socket.broadcast.emit('recieve_message', out);
    }
  });
  socket.on('disconnect', () => {
    if (name !== null) names.delete(name);
  });
});

httpServer.listen(0, '127.0.0.1', () => {
  const address = httpServer.address();
  announceReady(typeof address === 'object' && address ? address.port : 0);
});
