// Test helpers of the sessions adapter, used from this repository's sources only: the published package
// (publishConfig.exports) leaves this entry out. `driver` is what the adapter contract and the
// gateway's interop matrix drive sessions clients with.

export { driver } from './sessions-driver.ts';
