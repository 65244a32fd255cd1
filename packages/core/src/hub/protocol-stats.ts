/**
 * Identification latency buckets (ms): from a scripted client's hello (a millisecond) to a human
 * typing a nickname and a password (tens of seconds), as Prometheus `le` bounds.
 */
export const IDENTIFICATION_BUCKETS_MS = [
  1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000,
] as const;

/**
 * The counters of one protocol. Each session holds its protocol's object from the start (one
 * lookup per connection), so the hub and the adapters count with a plain `+= 1` on a field,
 * never a map lookup per message. Every field is set here so the shape never changes.
 */
export class ProtocolStats {
  readonly protocol: string;
  /** Open connections, identified or not. */
  open = 0;
  /** Connections acting under a name now. */
  identified = 0;
  /** Connections refused by a connection limit (per process, per address). */
  refused = 0;
  /** Chat messages accepted from this protocol's connections (direct or broadcast). */
  messagesReceived = 0;
  /** Messages handed to this protocol's connections. */
  deliveries = 0;
  /** Bytes read from clients, inside the transport's framing (WebSocket: message payloads). */
  bytesIn = 0;
  /** Bytes written to clients, the same way. */
  bytesOut = 0;
  /** Connections dropped because their unread output passed the queue limit. */
  slowReaderDrops = 0;
  /** Times reading paused because a connection was over its rate (nothing is lost). */
  rateLimited = 0;
  /** Recipients of direct messages that were not active (nothing delivered to them). */
  unknownRecipients = 0;
  /** Frames, lines or texts over a size limit: refused, not delivered. */
  oversized = 0;
  /** Logins refused for a wrong password or an unknown name. */
  loginFailures = 0;
  /** Logins refused unchecked because the name or the address was locked. */
  loginThrottled = 0;
  /** Locks begun (a name's or an address's failures reached the limit). */
  loginLocks = 0;
  readonly identificationBuckets: number[] = IDENTIFICATION_BUCKETS_MS.map(() => 0);
  identificationCount = 0;
  identificationSumMs = 0;

  constructor(protocol: string) {
    this.protocol = protocol;
  }

  /** Time from the connection's admission to its first identification. Buckets are not cumulative. */
  observeIdentification(ms: number): void {
    const value = Math.max(0, ms);
    this.identificationCount += 1;
    this.identificationSumMs += value;
    for (let i = 0; i < IDENTIFICATION_BUCKETS_MS.length; i++) {
      if (value <= IDENTIFICATION_BUCKETS_MS[i]!) {
        this.identificationBuckets[i]! += 1;
        return;
      }
    }
  }
}
