/** The bounds of SPEC §1 "Protection". Every one is inclusive and configurable. */
export interface Limits {
  maxConnections: number;
  maxConnectionsPerAddress: number;
  messagesPerSecond: number;
  messageBurst: number;
  /** Input bytes per second per connection, counted with the messages (0x01s, lines, frames). */
  bytesPerSecond: number;
  /** Input bytes a connection may send at once before the byte rate holds it back. */
  byteBurst: number;
  /** Bytes queued for one slow reader before it is dropped. */
  maxQueuedBytes: number;
}

export const defaultLimits: Limits = {
  maxConnections: 200_000,
  maxConnectionsPerAddress: 1_000,
  messagesPerSecond: 1_000,
  messageBurst: 2_000,
  bytesPerSecond: 1024 * 1024,
  byteBurst: 4 * 1024 * 1024,
  maxQueuedBytes: 4 * 1024 * 1024,
};
