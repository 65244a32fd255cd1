import { connect, type Socket } from 'node:net';
import { MemoryAccountStore } from '@switchboard/core';
import { SwitchableAccounts } from '@switchboard/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from './testing/harness.ts';
import { waitFor } from './testing/wait-for.ts';

let harness: Harness;
afterEach(async () => {
  await harness?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What `printf 'nick\npw\n/who\n' | nc host port` (or any script that exits) does: send
 * everything at once and go away without reading the answers. Closing with unread input makes
 * the kernel reset the connection, so the server learns of the close while it is still working.
 */
async function pipelineAndHangUp(port: number, input: string): Promise<void> {
  const socket: Socket = connect({ port, host: '127.0.0.1' });
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('data', () => resolve()));
  await new Promise<void>((resolve) => socket.write(input, () => resolve()));
  await sleep(1);
  socket.resetAndDestroy();
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
}

describe('tcp-rooms input of a closed connection (issue 12, item 3)', () => {
  it('never counts a failed login for clients that pipeline their login and hang up', async () => {
    // One failure from this address would lock it: an honest login afterwards proves there was none.
    harness = await Harness.start({ hubOptions: { throttle: { maxFailuresPerAddress: 1 } } });
    (await harness.signUp('nick', 'pw')).destroy();
    for (let i = 0; i < 6; i++) await pipelineAndHangUp(harness.port, 'nick\npw\n/who\n');
    await waitFor(() => harness.hub.connectionCount === 0, 3_000, 'the pipelined connections to close');
    // Time for anything a closed connection still had queued to (wrongly) run.
    await sleep(200);
    const honest = await harness.logIn('nick', 'pw');
    honest.send('/who');
    expect(await honest.nextLine()).toBe('Online: nick');
    // A success clears the name's failures but not the address's: this one would be refused.
    await harness.logIn('nick', 'pw');
  });

  it('executes nothing a connection sent once it is closed, not even its password', async () => {
    const accounts = new SwitchableAccounts(new MemoryAccountStore());
    harness = await Harness.start({ hubOptions: { accounts } });
    (await harness.signUp('nick', 'pw')).destroy();
    await waitFor(() => harness.hub.connectionCount === 0, 3_000, 'the sign-up connection to close');
    accounts.state = 'held';
    const before = accounts.reads;
    await pipelineAndHangUp(harness.port, 'nick\npw\n/who\n');
    await waitFor(() => harness.hub.connectionCount === 0, 3_000, 'the server to see the close');
    // Only the nickname's lookup was asked for; it is still waiting for the store.
    expect(accounts.reads).toBe(before + 1);
    accounts.release();
    await sleep(200);
    expect(accounts.reads).toBe(before + 1);
    await harness.logIn('nick', 'pw');
  });

  it('answers everything a client sent before half-closing, then closes', async () => {
    harness = await Harness.start();
    (await harness.signUp('nick', 'pw')).destroy();
    const client = await harness.connect();
    client.socket.end('nick\npw\n/who\n');
    await client.closed;
    expect(client.unread).toEqual(['Password:', 'Welcome back, nick!', 'Online: nick']);
  });
});
