import { FakeClock } from '@switchboard/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXED_TIME, Harness } from './testing/harness.ts';
import { waitFor } from './testing/wait-for.ts';

let harness: Harness;
afterEach(async () => {
  await harness?.close();
});

/** The core's timer wheel checks deadlines every 250 ms. */
const WHEEL_STEP_MS = 250;

describe('tcp-rooms login deadline (issue 12, item 5)', () => {
  it('tells a client that never logs in within a minute, and closes it', async () => {
    const clock = new FakeClock(FIXED_TIME);
    harness = await Harness.start({ hubOptions: { clock } });
    const silent = await harness.connect();
    clock.advance(59_000);
    expect(silent.isClosed).toBe(false);
    clock.advance(1_000 + WHEEL_STEP_MS);
    expect(await silent.nextLine()).toBe('Login timed out.');
    await silent.closed;
    expect(silent.unread).toEqual([]);
    await waitFor(() => harness.hub.connectionCount === 0, 3_000, 'the slot to be released');
  });

  it('counts from the connection: answering prompts does not extend it', async () => {
    const clock = new FakeClock(FIXED_TIME);
    harness = await Harness.start({ hubOptions: { clock }, options: { loginTimeoutMs: 10_000 } });
    const client = await harness.connect();
    for (let i = 0; i < 3; i++) {
      client.send('');
      expect(await client.nextLines(2)).toEqual(['The nickname is empty.', 'Enter your nickname:']);
      clock.advance(3_000);
    }
    client.send('typist');
    expect(await client.nextLine()).toBe('New nickname. Choose a password:');
    clock.advance(1_000 + WHEEL_STEP_MS);
    expect(await client.nextLine()).toBe('Login timed out.');
    await client.closed;
  });

  it('no longer applies once logged in or signed up', async () => {
    const clock = new FakeClock(FIXED_TIME);
    harness = await Harness.start({ hubOptions: { clock }, options: { loginTimeoutMs: 5_000 } });
    const signedUp = await harness.signUp('early');
    const loggedIn = await harness.logIn('early');
    clock.advance(60_000);
    signedUp.send('/who');
    expect(await signedUp.nextLine()).toBe('Online: early');
    loggedIn.send('/who');
    expect(await loggedIn.nextLine()).toBe('Online: early');
  });

  it('closes a client waiting at the password prompt, whose line never came', async () => {
    const clock = new FakeClock(FIXED_TIME);
    harness = await Harness.start({ hubOptions: { clock }, options: { loginTimeoutMs: 5_000 } });
    (await harness.signUp('known')).destroy();
    const client = await harness.connect();
    // Half a password, and then nothing.
    client.send('known');
    expect(await client.nextLine()).toBe('Password:');
    client.write('known-sec');
    clock.advance(5_000 + WHEEL_STEP_MS);
    expect(await client.nextLine()).toBe('Login timed out.');
    await client.closed;
  });
});
