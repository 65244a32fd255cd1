import { runClusterContract } from './cluster-contract.ts';
import { MemoryCluster } from './memory-cluster.ts';

runClusterContract('MemoryCluster', () => {
  const cluster = new MemoryCluster();
  return {
    node: (nodeId) => cluster.node(nodeId),
    kill: (nodeId) => cluster.forget(nodeId),
    framesReceived: (nodeId, kind) =>
      (kind === 'direct' ? cluster.directReceived : cluster.broadcastReceived).get(nodeId) ?? 0,
    close: async () => {},
  };
});
