import { connect } from 'node:net';
import {
  type AdapterContractDriver,
  type ContractClient,
  ContractInbox,
  openRawTcp,
} from '@switchboard/core/testing';

/** What a hostile client might send; the last line is over the limit and ends its connection. */
const GARBAGE = [
  '\u0000\u0001\u001e\n',
  '@\n',
  '@ nobody\n',
  '@nobody\n',
  '\r\n\r\n',
  `${'x'.repeat(70_000)}\n`,
];

/**
 * The line-chat driver of the adapter contract and the interop matrix: the name is the first
 * line, `welcome` confirms it, `main`/`direct` lines are the deliveries.
 */
export const driver: AdapterContractDriver = {
  identity: 'guest',
  canBroadcast: true,
  canListSeveral: false,
  sampleName: 'lïne-chät',
  async connect({ port }, name) {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    const inbox = new ContractInbox();
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    let welcomed: (error?: Error) => void = () => {};
    const welcome = new Promise<void>((resolve, reject) => {
      welcomed = (error) => (error ? reject(error) : resolve());
    });
    let pending = '';
    /** What the server said last, for the contract's shutdown rule. */
    let lastWords = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      pending += chunk;
      for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
        const raw = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        lastWords = raw;
        const [kind, sender = '', text = ''] = raw.split('\t');
        if (kind === 'welcome') welcomed();
        else if (kind === 'error') welcomed(new Error(`${name} refused: ${raw}`));
        else inbox.push({ sender, text, direct: kind === 'direct', raw });
      }
    });
    void closed.then(() => {
      welcomed(new Error(`the server closed the connection of ${name}`));
      inbox.end();
    });
    socket.write(`${name}\n`);
    await welcome;
    const client: ContractClient = {
      sendDirect: (to, text) => socket.write(`@${to} ${text}\n`),
      broadcast: (text) => socket.write(`${text}\n`),
      next: (timeoutMs) => inbox.next(timeoutMs),
      expectNothing: (ms) => inbox.expectNothing(ms),
      pauseReading: () => socket.pause(),
      sendGarbage() {
        for (const piece of GARBAGE) socket.write(piece);
      },
      closed: () => closed,
      close: async () => {
        socket.end();
        await closed;
      },
      destroy: () => socket.destroy(),
      ending: async () => {
        await closed;
        return { lastWords };
      },
    };
    return client;
  },
  // How line-chat shows the connection runtime's rules: an `error` line, then the close.
  runtime: {
    openRaw: ({ port }, name) =>
      openRawTcp(port, { separator: '\n', ...(name === undefined ? {} : { hello: `${name}\n` }) }),
    deadlineOption: 'nameTimeoutMs',
    deadlineNotice: { lastWords: 'error\tno name in time' },
    refusal: { lastWords: '' },
    shutdownNotice: { lastWords: 'error\tserver shutting down' },
    closeGraceOption: null,
  },
};
