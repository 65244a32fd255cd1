/** Counters of the Redis cluster layer; the gateway reads them for `/metrics`. */
export class RedisClusterStats {
  eventsPublished = 0;
  eventsReceived = 0;
  /** Bus events that could not be published (Redis unreachable): those messages reached only this node. */
  publishFailures = 0;
  /** Frames on the channel that did not decode; dropped. */
  malformedEvents = 0;
  /** Presence and directory writes that failed; the next heartbeat or reconnect rewrites them. */
  writeFailures = 0;
  /** Full re-registrations of this node (start, Redis back, heartbeat found the node forgotten). */
  registrations = 0;
  /** 'error' events of either Redis connection. */
  connectionErrors = 0;
}
