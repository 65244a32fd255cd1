import type { TimerWheel } from '@switchboard/core';
import { WebSocket } from 'ws';

/**
 * Starts the closing handshake, and destroys the socket if the peer has not finished it within
 * `graceMs`: `ws` would otherwise wait 30 s for a peer that ignores the close frame, holding its
 * descriptor and its slot in the connection limits all that time. The caller stops handling
 * input first (its flow), since reading resumes so the peer's close frame can arrive.
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
  // Reading may be paused (an answer pending, the rate): the peer's close frame must be read.
  if (ws.isPaused) ws.resume();
  const timer = timers.schedule(graceMs, () => ws.terminate());
  ws.once('close', () => timer.cancel());
}
