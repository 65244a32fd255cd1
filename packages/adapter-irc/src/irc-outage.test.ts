import { Name } from '@switchboard/core';
import { SqliteStore } from '@switchboard/core/sqlite';
import { recordingLogger } from '@switchboard/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { IrcHarness } from './testing/irc-harness.ts';

let harness: IrcHarness;
let store: SqliteStore;
afterEach(async () => {
  await harness?.close();
  await store?.close().catch(() => {});
});

describe('while the account store cannot be reached', () => {
  it('tells a guest, a PASS login and a SASL login that the service is temporarily unavailable', async () => {
    const { logger, lines } = recordingLogger();
    const levels = () => lines.map((line) => line.level);
    store = new SqliteStore(':memory:');
    harness = await IrcHarness.start({ accounts: store.accounts, logger });
    await harness.hub.addAccount(Name.fromText('carol'), 'pw');
    const before = await harness.guest('before');
    // The store goes away under the running server (a disk gone, a database closed).
    await store.close();

    const guest = harness.client();
    guest.send('NICK alice', 'USER a 0 * :a');
    expect((await guest.expectCommand('NOTICE')).params[1]).toMatch(/temporarily unavailable/);
    expect((await guest.expectCommand('ERROR')).params[0]).toMatch(/temporarily unavailable/);
    await guest.waitClosed();

    const member = harness.client();
    member.send('PASS pw', 'NICK carol', 'USER c 0 * :c');
    expect((await member.expectCommand('NOTICE')).params[1]).toMatch(/temporarily unavailable/);
    await member.waitClosed();

    const sasl = harness.client();
    sasl.send('CAP LS 302', 'NICK carol', 'USER c 0 * :c', 'CAP REQ :sasl', 'AUTHENTICATE PLAIN');
    await sasl.expectCommand('AUTHENTICATE');
    sasl.send(`AUTHENTICATE ${Buffer.from('\u0000carol\u0000pw').toString('base64')}`);
    expect((await sasl.expectCommand('904')).params[1]).toMatch(/temporarily unavailable/);
    expect(sasl.isClosed).toBe(false);

    // The chat of those already in goes on.
    before.send('PING :fine');
    await before.expectCommand('PONG');
    expect(levels()).not.toContain('error');
    expect(levels()).toContain('warn');
  });
});
