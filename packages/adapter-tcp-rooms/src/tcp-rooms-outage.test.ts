import { SqliteStore } from '@switchboard/core/sqlite';
import { SwitchableAccounts } from '@switchboard/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, RecordingLogger } from './testing/harness.ts';

let harness: Harness;
let store: SqliteStore;
afterEach(async () => {
  await harness?.close();
  await store?.close().catch(() => {});
});

const UNAVAILABLE = 'Service temporarily unavailable. Please try again later.';

/** The real SQLite accounts behind a switch that makes every call fail, as a lost store does. */
async function startWithSwitch() {
  store = new SqliteStore(':memory:');
  const accounts = new SwitchableAccounts(store.accounts);
  const logger = new RecordingLogger();
  harness = await Harness.start({ hubOptions: { accounts, rooms: store.rooms, logger }, logger });
  return { accounts, logger };
}

describe('tcp-rooms while the account store cannot be reached (issue 12, item 5)', () => {
  it('says the service is temporarily unavailable and closes, at every step of the dialogue', async () => {
    const { accounts, logger } = await startWithSwitch();
    (await harness.signUp('known', 'pw')).destroy();
    accounts.state = 'down';

    const atNickname = await harness.connect();
    atNickname.send('known');
    expect(await atNickname.nextLine()).toBe(UNAVAILABLE);
    await atNickname.closed;
    expect(atNickname.unread).toEqual([]);

    accounts.state = 'up';
    const atPassword = await harness.connect();
    atPassword.send('known');
    expect(await atPassword.nextLine()).toBe('Password:');
    accounts.state = 'down';
    atPassword.send('pw');
    expect(await atPassword.nextLine()).toBe(UNAVAILABLE);
    await atPassword.closed;

    accounts.state = 'up';
    const signingUp = await harness.connect();
    signingUp.send('newcomer');
    expect(await signingUp.nextLine()).toBe('New nickname. Choose a password:');
    signingUp.send('pw2');
    expect(await signingUp.nextLine()).toBe('Repeat the password:');
    accounts.state = 'down';
    signingUp.send('pw2');
    expect(await signingUp.nextLine()).toBe(UNAVAILABLE);
    await signingUp.closed;

    // Not an internal error: nothing at error level, and the refusals are counted as an outage.
    expect(logger.entries.filter((entry) => entry.level === 'error')).toEqual([]);
    expect(harness.hub.stats.unavailableRefusals).toBe(3);
  });

  it('lets everyone in again once the store is back, the refused attempts not counted', async () => {
    const { accounts } = await startWithSwitch();
    (await harness.signUp('known', 'pw')).destroy();
    accounts.state = 'down';
    // More refused password checks than the 5 failures that would lock the name.
    for (let i = 0; i < 6; i++) {
      accounts.state = 'up';
      const client = await harness.connect();
      client.send('known');
      expect(await client.nextLine()).toBe('Password:');
      accounts.state = 'down';
      client.send('pw');
      expect(await client.nextLine()).toBe(UNAVAILABLE);
      await client.closed;
    }
    accounts.state = 'up';
    await harness.logIn('known', 'pw');
    await harness.signUp('newcomer', 'pw');
  });

  it('answers the same when the SQLite store is closed under the running adapter', async () => {
    store = new SqliteStore(':memory:');
    const logger = new RecordingLogger();
    harness = await Harness.start({
      hubOptions: { accounts: store.accounts, rooms: store.rooms, logger },
      logger,
    });
    (await harness.signUp('known', 'pw')).destroy();
    await store.close();
    for (const nick of ['known', 'newcomer']) {
      const client = await harness.connect();
      client.send(nick);
      expect(await client.nextLine()).toBe(UNAVAILABLE);
      await client.closed;
    }
    expect(logger.entries.filter((entry) => entry.level === 'error')).toEqual([]);
  });
});
