import { type Socket, connect as tcpConnect } from 'node:net';
import type { ContractEnding, RawContractClient } from './adapter-contract.ts';

/**
 * The last whole line (or message) of `text`, where `separator` ends each one: what a client was
 * told last. A trailing `\r` is dropped (CR LF lines); '' when nothing whole came.
 */
export function lastWordsOf(text: string, separator: string): string {
  const pieces = text.split(separator);
  pieces.pop(); // after the last separator: '' or a part still arriving
  const last = pieces.at(-1) ?? '';
  return last.endsWith('\r') ? last.slice(0, -1) : last;
}

export interface RawTcpOptions {
  /** What ends one line or message of the protocol (`\n`, `\r\n`, U+001E, 0x01). */
  separator: string;
  /** Written once connected: how the protocol begins to identify (without waiting for an answer). */
  hello?: string | Buffer;
}

/**
 * A TCP client for the contract's rules of the connection runtime: it keeps what the server says,
 * writes `hello` if given and nothing else, and tells how the connection ended.
 */
export function openRawTcp(port: number, options: RawTcpOptions): Promise<RawContractClient> {
  return new Promise((resolve, reject) => {
    const socket: Socket = tcpConnect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {}); // a reset is one way a server may end it
    const ended = new Promise<ContractEnding>((done) =>
      socket.once('close', () =>
        done({ lastWords: lastWordsOf(Buffer.concat(chunks).toString('utf8'), options.separator) }),
      ),
    );
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      if (options.hello !== undefined) socket.write(options.hello);
      resolve({
        ending: () => ended,
        stopReading: () => socket.pause(),
        destroy: () => socket.destroy(),
      });
    });
  });
}
