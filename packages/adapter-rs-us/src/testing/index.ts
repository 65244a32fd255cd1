// Test helpers of the rs-us adapter, used from this repository's sources only: the published package
// (publishConfig.exports) leaves this entry out. `driver` is what the adapter contract and the
// gateway's interop matrix drive rs-us clients with.

export { driver } from './rs-us-driver.ts';
