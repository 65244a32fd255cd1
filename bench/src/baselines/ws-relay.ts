/**
 * Baseline: the smallest relay that does json-ws's job on raw `ws` (hello → chat_status with the
 * sorted names, direct by name, broadcast to everyone else), serializing each delivery once.
 * No limits, no timers, no validation beyond what it needs not to crash: the fastest honest way.
 */
import { type WebSocket, WebSocketServer } from 'ws';
import { announceReady } from './baseline-process.ts';

/** The frames the relay reads; anything else is ignored. */
interface ClientFrame {
  type?: string;
  data?: { user?: unknown; recievers?: string[]; text?: unknown };
}

const byName = new Map<string, WebSocket>();
const server = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  perMessageDeflate: false,
  clientTracking: false,
});

server.on('connection', (ws) => {
  let name: string | null = null;
  ws.on('error', () => {});
  ws.on('close', () => {
    if (name !== null && byName.get(name) === ws) byName.delete(name);
  });
  ws.on('message', (data: Buffer) => {
    let frame: ClientFrame;
    try {
      frame = JSON.parse(data.toString('utf8'));
    } catch {
      return;
    }
    if (frame.type === 'hello' && name === null && typeof frame.data?.user === 'string') {
      name = frame.data.user;
      byName.get(name)?.close(4001, 'replaced');
      byName.set(name, ws);
      ws.send(JSON.stringify({ type: 'chat_status', data: { active_clients: [...byName.keys()].sort() } }));
      return;
    }
    if (frame.type !== 'send_message' || name === null || typeof frame.data?.text !== 'string') return;
    const out = Buffer.from(
      JSON.stringify({
        type: 'recieve_message',
        data: { sender: name, timestamp: Math.floor(Date.now() / 1000), text: frame.data.text },
      }),
    );
    const recievers = frame.data.recievers;
    if (recievers) {
      for (const reciever of new Set(recievers)) {
        if (reciever !== name) byName.get(reciever)?.send(out, { binary: false });
      }
    } else {
      for (const [other, peer] of byName) if (other !== name) peer.send(out, { binary: false });
    }
  });
});

server.on('listening', () => {
  const address = server.address();
  announceReady(typeof address === 'object' && address ? address.port : 0);
});
