/** How big a run is. `full` fits in about ten minutes on two cores; `smoke` takes seconds. */
export interface Scale {
  name: 'full' | 'smoke';
  /** Idle identified connections per protocol; the largest may be capped by the open-files limit. */
  idleCounts: number[];
  broadcastReceivers: number[];
  directPairs: number;
  clusterPairs: number;
  stormConnections: number;
  /** Messages in flight per flow at saturation (per pair; per broadcaster against its canary). */
  directWindow: number;
  broadcastWindow: number;
  warmupSeconds: number;
  measureSeconds: number;
  /** Windows per traffic measurement; the best is kept (other work on a shared machine only makes figures worse). */
  repeats: number;
  /** Pause before reading memory, so the server has finished the work of the last handshakes. */
  settleSeconds: number;
  /** Text length of every benchmark message (the stamp and padding). */
  textBytes: number;
  connectionsPerWorker: number;
  /** Handshakes in flight per worker while opening. */
  openConcurrency: number;
}

export const scales: Record<Scale['name'], Scale> = {
  full: {
    name: 'full',
    idleCounts: [10_000, 50_000],
    broadcastReceivers: [1_000, 5_000, 10_000],
    directPairs: 100,
    clusterPairs: 60,
    stormConnections: 10_000,
    directWindow: 8,
    broadcastWindow: 2,
    warmupSeconds: 1,
    measureSeconds: 2,
    repeats: 2,
    settleSeconds: 2,
    textBytes: 64,
    connectionsPerWorker: 5_000,
    openConcurrency: 200,
  },
  smoke: {
    name: 'smoke',
    idleCounts: [40, 80],
    broadcastReceivers: [10, 30],
    directPairs: 4,
    clusterPairs: 3,
    stormConnections: 60,
    directWindow: 2,
    broadcastWindow: 2,
    warmupSeconds: 0.1,
    measureSeconds: 0.3,
    repeats: 1,
    settleSeconds: 0.1,
    textBytes: 64,
    connectionsPerWorker: 50,
    openConcurrency: 20,
  },
};
