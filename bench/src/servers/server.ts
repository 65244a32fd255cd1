/** A system under test as the scenarios see it: one or more processes serving some protocols. */
export interface ServerUnderTest {
  /** 'switchboard', 'raw ws', 'raw net', 'Socket.IO', … */
  readonly label: string;
  readonly pids: readonly number[];
  /** Port by client protocol ('json-ws', 'soh', 'socket.io', …). */
  readonly ports: Readonly<Record<string, number>>;
  /** RSS (from /proc) and V8 heap used of the first process, in bytes. */
  memory(): Promise<{ rss: number; heapUsed: number }>;
  stop(): Promise<void>;
}
