/**
 * What every baseline server process shares with the harness: it says its port once it listens,
 * and answers memory questions over IPC (the gateway answers the same through /metrics).
 */
export interface BaselineReady {
  ready: true;
  port: number;
}

export interface BaselineMemory {
  rss: number;
  heapUsed: number;
}

export function announceReady(port: number): void {
  process.on('message', (message: { op?: string; id?: number }) => {
    if (message.op !== 'memory') return;
    const usage = process.memoryUsage();
    process.send!({ id: message.id, rss: usage.rss, heapUsed: usage.heapUsed });
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ ready: true, port } satisfies BaselineReady);
}

/** `--name value` from argv. */
export function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}
