import { MemoryAccountStore } from '@switchboard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, RecordingLogger } from './testing/harness.ts';
import { SwitchedAccounts } from './testing/switched-accounts.ts';

let harness: Harness;
afterEach(async () => {
  await harness?.close();
});

const UNAVAILABLE = 'Service temporarily unavailable. Please try again later.';

async function startWithSwitch() {
  const accounts = new SwitchedAccounts(new MemoryAccountStore());
  const logger = new RecordingLogger();
  harness = await Harness.start({ hubOptions: { accounts, logger }, logger });
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
});
