// Test helpers of the soh adapter, used from this repository's sources only: the published package
// (publishConfig.exports) leaves this entry out. `driver` is what the adapter contract and the
// gateway's interop matrix drive soh clients with.

export { driver } from './soh-driver.ts';
