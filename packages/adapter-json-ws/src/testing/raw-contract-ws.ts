import type { ContractEnding, RawContractClient } from '@switchboard/core/testing';
import { WebSocket } from 'ws';

/**
 * A WebSocket for the contract's rules of the connection runtime: opened (or refused before the
 * upgrade, which ends it with `HTTP STATUS` as its last words), it keeps the last text frame the
 * server sent and tells how the connection ended. `hello` is sent once open.
 */
export function openRawWs(url: string, hello?: string): Promise<RawContractClient> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.on('error', () => {});
  let lastWords = '';
  ws.on('message', (data, isBinary) => {
    if (!isBinary) lastWords = String(data);
  });
  const ended = new Promise<ContractEnding>((resolve) => {
    ws.once('close', (code, reason) => resolve({ lastWords, code, reason: reason.toString() }));
    ws.once('unexpected-response', (_request, response) => {
      resolve({ lastWords: `HTTP ${response.statusCode ?? 0}` });
      ws.terminate();
    });
  });
  const client: RawContractClient = {
    ending: () => ended,
    stopReading: () => ws.pause(),
    destroy: () => ws.terminate(),
  };
  return new Promise((resolve) => {
    ws.once('open', () => {
      if (hello !== undefined) ws.send(hello);
      resolve(client);
    });
    // Refused before or during the upgrade: the client is done, and says how.
    void ended.then(() => resolve(client));
  });
}
