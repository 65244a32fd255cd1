import type { Hub, ProtocolStats } from '@switchboard/core';
import { WebSocket } from 'ws';

/** Buffers from the codec are UTF-8 JSON: they go out as text frames. */
const TEXT_FRAME = { binary: false } as const;

/**
 * Writes one text frame whole (a `ws` send never interleaves with another). A client whose
 * unread backlog passes `hub.limits.maxQueuedBytes` is cut off, so a reader that stalls costs
 * bounded memory and slows nobody else. `stats` counts the payload bytes and the drop.
 */
export function sendFrame(ws: WebSocket, hub: Hub, frame: string | Buffer, stats: ProtocolStats): void {
  if (ws.readyState !== WebSocket.OPEN) return;
  ws.send(frame, TEXT_FRAME);
  stats.bytesOut += typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length;
  if (ws.bufferedAmount > hub.limits.maxQueuedBytes) {
    stats.slowReaderDrops += 1;
    ws.terminate();
  }
}
