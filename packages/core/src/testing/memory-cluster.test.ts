import { runClusterContract } from './cluster-contract.ts';
import { MemoryCluster } from './memory-cluster.ts';

runClusterContract('MemoryCluster', () => {
  const cluster = new MemoryCluster();
  return {
    node: (nodeId) => cluster.node(nodeId),
    kill: (nodeId) => cluster.forget(nodeId),
    directFramesReceived: (nodeId) => cluster.directReceived.get(nodeId) ?? 0,
    close: async () => {},
  };
});
