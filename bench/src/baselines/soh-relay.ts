/**
 * Baseline: the smallest SOH relay on raw `net` (first field the name, then RECEIVER␁TEXT␁
 * pairs, delivered as SENDER␁TEXT␁), bytes untouched and one write per delivery.
 */
import { createServer, type Socket } from 'node:net';
import { announceReady } from './baseline-process.ts';

const SOH = 0x01;
const bySocketName = new Map<string, Socket>();

const server = createServer((socket) => {
  socket.setNoDelay(true);
  let name: Buffer | null = null;
  let key: string | null = null;
  let receiver: Buffer | null = null;
  let pending: Buffer | null = null;
  socket.on('error', () => {});
  socket.on('close', () => {
    if (key !== null && bySocketName.get(key) === socket) bySocketName.delete(key);
  });
  socket.on('data', (chunk: Buffer) => {
    const data = pending ? Buffer.concat([pending, chunk]) : chunk;
    pending = null;
    let start = 0;
    for (let end = data.indexOf(SOH); end >= 0; end = data.indexOf(SOH, start)) {
      const field = data.subarray(start, end);
      start = end + 1;
      if (name === null) {
        name = Buffer.from(field);
        key = name.toString('latin1');
        bySocketName.get(key)?.destroy();
        bySocketName.set(key, socket);
      } else if (receiver === null) {
        receiver = field;
      } else {
        const peer = bySocketName.get(receiver.toString('latin1'));
        if (peer && peer !== socket) {
          peer.write(Buffer.concat([name, SEPARATOR, field, SEPARATOR]));
        }
        receiver = null;
      }
    }
    if (start < data.length) pending = Buffer.from(data.subarray(start));
    // A receiver field that is a view into `data` must survive past this chunk.
    if (receiver !== null) receiver = Buffer.from(receiver);
  });
});
const SEPARATOR = Buffer.from([SOH]);

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  announceReady(typeof address === 'object' && address ? address.port : 0);
});
