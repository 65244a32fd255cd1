// Test helpers of the tcp-rooms adapter, used from this repository's sources only: the published package
// (publishConfig.exports) leaves this entry out. `driver` is what the adapter contract and the
// gateway's interop matrix drive tcp-rooms clients with.

export { LineClient } from './line-client.ts';
export { driver } from './tcp-rooms-driver.ts';
