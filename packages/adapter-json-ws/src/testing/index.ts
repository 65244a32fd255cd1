// Test helpers for WebSocket chat adapters (json-ws and sessions). Used from this repository's
// sources only: the published package (publishConfig.exports) leaves this entry out.

export { driver } from './json-ws-driver.ts';
export { openRawWs } from './raw-contract-ws.ts';
export { type CloseEvent, WsTestClient } from './ws-test-client.ts';
