import type { TimerWheel } from '@switchboard/core';
import { WebSocket } from 'ws';

/**
 * Starts the closing handshake, and destroys the socket if the peer has not finished it within
 * `graceMs`: `ws` would otherwise wait 30 s for a peer that ignores the close frame, holding its
 * descriptor and its slot in the connection limits all that time.
 */
export function closeWithGrace(
  ws: WebSocket,
  timers: TimerWheel,
  graceMs: number,
  code: number,
  reason: string,
): void {
  if (ws.readyState !== WebSocket.OPEN) return;
  ws.close(code, reason);
  const timer = timers.schedule(graceMs, () => ws.terminate());
  ws.once('close', () => timer.cancel());
}
