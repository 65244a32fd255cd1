import { FakeClock } from '@switchboard/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXED_TIME, Harness } from './testing/harness.ts';
import type { LineClient } from './testing/line-client.ts';

let harness: Harness;
afterEach(async () => {
  await harness?.close();
});

const THROTTLED = 'Too many wrong room passwords. Try again later.';

async function createRoom(owner: LineClient, room: string): Promise<string> {
  owner.send(`/create ${room}`);
  const created = new RegExp(`^Room ${room} created\\. Password: (\\S+)$`).exec(await owner.nextLine());
  return created![1]!;
}

async function join(client: LineClient, room: string, password: string): Promise<string> {
  client.send(`/join ${room} ${password}`);
  return client.nextLine();
}

describe('tcp-rooms wrong room passwords (throttled like failed logins)', () => {
  it('refuses a user unchecked after 5 wrong room passwords, until the lock ends', async () => {
    const clock = new FakeClock(FIXED_TIME);
    harness = await Harness.start({ hubOptions: { clock } });
    const password = await createRoom(await harness.signUp('owner'), 'den');
    const guesser = await harness.signUp('guesser');
    for (let i = 0; i < 4; i++) expect(await join(guesser, 'den', `guess${i}`)).toBe('Wrong room password.');
    // Fewer failures never stop the right password, and it clears the count.
    expect(await join(guesser, 'den', password)).toBe('Joined den.');
    for (let i = 0; i < 5; i++) expect(await join(guesser, 'den', `guess${i}`)).toBe('Wrong room password.');
    expect(await join(guesser, 'den', password)).toBe(THROTTLED);
    // Another user (from another address in real life) is not held back by it.
    const member = await harness.signUp('member');
    expect(await join(member, 'den', password)).toBe('Joined den.');
    clock.advance(5 * 60_000 + 1);
    expect(await join(guesser, 'den', password)).toBe('Joined den.');
  });

  it('counts 20 wrong room passwords per address, whichever user guesses', async () => {
    harness = await Harness.start();
    const password = await createRoom(await harness.signUp('owner'), 'den');
    for (let user = 0; user < 5; user++) {
      const guesser = await harness.signUp(`guesser${user}`);
      for (let i = 0; i < 4; i++)
        expect(await join(guesser, 'den', `guess${i}`)).toBe('Wrong room password.');
    }
    const late = await harness.signUp('late');
    expect(await join(late, 'den', password)).toBe(THROTTLED);
    // While locked, every /join is refused before anything is looked up.
    expect(await join(late, 'nowhere', 'x')).toBe(THROTTLED);
  });
});
