export { selfSignedCertificate } from '../edge/self-signed.ts';
export {
  type AdapterContractDriver,
  type AdapterContractOptions,
  type ContractClient,
  type ContractDelivery,
  type ContractEnding,
  type ContractFarewell,
  ContractInbox,
  type ContractRuntimeRules,
  type ContractServer,
  type RawContractClient,
  runAdapterContract,
} from './adapter-contract.ts';
export {
  type ClusterContractOptions,
  type ClusterFixture,
  type ClusterNodePorts,
  type MakeCluster,
  runClusterContract,
} from './cluster-contract.ts';
export { eventually, sleep } from './eventually.ts';
export { FakeClock } from './fake-clock.ts';
export { MemoryCluster } from './memory-cluster.ts';
export { lastWordsOf, openRawTcp, type RawTcpOptions } from './raw-tcp-client.ts';
export { type LoggedLine, recordingLogger } from './recording-logger.ts';
export {
  type MakeStore,
  runAccountStoreContract,
  runRoomStoreContract,
  type StoreContractOptions,
  type StoreFixture,
} from './store-contract.ts';
export { type AccountStoreState, SwitchableAccounts } from './switchable-accounts.ts';
export { createTestHub, fastScrypt, type TestHubOptions } from './test-hub.ts';
