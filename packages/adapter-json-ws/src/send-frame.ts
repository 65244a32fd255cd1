import type { Hub } from '@switchboard/core';
import { WebSocket } from 'ws';

/** Buffers from the codec are UTF-8 JSON: they go out as text frames. */
const TEXT_FRAME = { binary: false } as const;

/**
 * Writes one text frame whole (a `ws` send never interleaves with another). A client whose
 * unread backlog passes `hub.limits.maxQueuedBytes` is cut off, so a reader that stalls costs
 * bounded memory and slows nobody else.
 */
export function sendFrame(ws: WebSocket, hub: Hub, frame: string | Buffer): void {
  if (ws.readyState !== WebSocket.OPEN) return;
  ws.send(frame, TEXT_FRAME);
  if (ws.bufferedAmount > hub.limits.maxQueuedBytes) {
    hub.stats.slowReaderDrops += 1;
    ws.terminate();
  }
}
