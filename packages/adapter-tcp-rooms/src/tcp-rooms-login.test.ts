import { MemoryAccountStore, Name } from '@switchboard/core';
import { FakeClock } from '@switchboard/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXED_TIME, Harness, RecordingLogger } from './testing/harness.ts';
import { LineClient } from './testing/line-client.ts';
import { waitFor } from './testing/wait-for.ts';

let harness: Harness;
afterEach(async () => {
  await harness?.close();
});

describe('tcp-rooms login and sign-up (SPEC §3.1–3.2)', () => {
  it('greets with exactly one line asking for the nickname', async () => {
    harness = await Harness.start();
    const client = await LineClient.open(harness.port);
    harness.clients.push(client);
    await client.nextLine();
    expect(Buffer.concat(client.received).toString()).toBe('Enter your nickname:\n');
  });

  it('signs up an unknown nickname with the password typed twice, storing only a hash', async () => {
    const accounts = new MemoryAccountStore();
    harness = await Harness.start({ hubOptions: { accounts } });
    const client = await harness.connect();
    client.send('alice');
    expect(await client.nextLine()).toBe('New nickname. Choose a password:');
    client.send('open sesame');
    expect(await client.nextLine()).toBe('Repeat the password:');
    client.send('open sesame');
    expect(await client.nextLine()).toBe('Registered. Welcome, alice!');
    const hash = await accounts.getPasswordHash(Name.fromText('alice').key);
    expect(hash).toMatch(/^scrypt\$/);
    expect(hash).not.toContain('open sesame');
    expect(await harness.hub.accounts.exists(Name.fromText('alice'))).toBe(true);
  });

  it('logs a known nickname in with the right password', async () => {
    harness = await Harness.start();
    (await harness.signUp('bob', 'hunter2')).destroy();
    const client = await harness.connect();
    client.send('bob');
    expect(await client.nextLine()).toBe('Password:');
    client.send('hunter2');
    expect(await client.nextLine()).toBe('Welcome back, bob!');
    client.send('/who');
    expect(await client.nextLine()).toBe('Online: bob');
  });

  it('says Wrong password. and closes on a wrong password', async () => {
    harness = await Harness.start();
    (await harness.signUp('bob', 'hunter2')).destroy();
    const client = await harness.connect();
    client.send('bob');
    expect(await client.nextLine()).toBe('Password:');
    client.send('hunter3');
    expect(await client.nextLine()).toBe('Wrong password.');
    await client.closed;
    expect(client.unread).toEqual([]);
  });

  it('starts again after a mismatch and closes on the third', async () => {
    harness = await Harness.start();
    const client = await harness.connect();
    client.send('carol');
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect(await client.nextLine()).toBe('New nickname. Choose a password:');
      client.send(`first${attempt}`);
      expect(await client.nextLine()).toBe('Repeat the password:');
      client.send(`second${attempt}`);
      expect(await client.nextLine()).toBe('Passwords do not match.');
    }
    await client.closed;
    expect(client.unread).toEqual([]);
    expect(await harness.hub.accounts.exists(Name.fromText('carol'))).toBe(false);
  });

  it('registers after two mismatches when the third try matches', async () => {
    harness = await Harness.start();
    const client = await harness.connect();
    client.send('dave');
    for (let attempt = 1; attempt <= 2; attempt++) {
      await client.nextLine();
      client.send('a');
      await client.nextLine();
      client.send('b');
      expect(await client.nextLine()).toBe('Passwords do not match.');
    }
    expect(await client.nextLine()).toBe('New nickname. Choose a password:');
    client.send('good');
    expect(await client.nextLine()).toBe('Repeat the password:');
    client.send('good');
    expect(await client.nextLine()).toBe('Registered. Welcome, dave!');
  });

  it('closes on the first mismatch when maxSignupAttempts is 1', async () => {
    harness = await Harness.start({ options: { maxSignupAttempts: 1 } });
    const client = await harness.connect();
    client.send('erin');
    await client.nextLine();
    client.send('a');
    await client.nextLine();
    client.send('b');
    expect(await client.nextLine()).toBe('Passwords do not match.');
    await client.closed;
  });

  it('refuses an empty password without counting it as a mismatch', async () => {
    harness = await Harness.start({ options: { maxSignupAttempts: 1 } });
    const client = await harness.connect();
    client.send('frank');
    expect(await client.nextLine()).toBe('New nickname. Choose a password:');
    client.send('');
    expect(await client.nextLines(2)).toEqual([
      'The password cannot be empty.',
      'New nickname. Choose a password:',
    ]);
    client.send('\r');
    expect(await client.nextLines(2)).toEqual([
      'The password cannot be empty.',
      'New nickname. Choose a password:',
    ]);
    client.send('pw');
    expect(await client.nextLine()).toBe('Repeat the password:');
    client.send('pw');
    expect(await client.nextLine()).toBe('Registered. Welcome, frank!');
  });

  it('says why a nickname is invalid and asks again', async () => {
    harness = await Harness.start();
    const client = await harness.connect();
    client.send('');
    expect(await client.nextLines(2)).toEqual(['The nickname is empty.', 'Enter your nickname:']);
    client.send('bad\u0001name');
    expect(await client.nextLines(2)).toEqual([
      'The nickname contains a control character.',
      'Enter your nickname:',
    ]);
    client.send('tab\there');
    expect(await client.nextLines(2)).toEqual([
      'The nickname contains a control character.',
      'Enter your nickname:',
    ]);
    client.send('x'.repeat(257));
    expect(await client.nextLines(2)).toEqual([
      'The nickname is longer than 256 bytes.',
      'Enter your nickname:',
    ]);
    client.send('two words');
    expect(await client.nextLines(2)).toEqual([
      'A new nickname cannot contain spaces.',
      'Enter your nickname:',
    ]);
    client.send('y'.repeat(256));
    expect(await client.nextLine()).toBe('New nickname. Choose a password:');
  });

  it('lets a registered nickname with a space (made by an admin) log in', async () => {
    harness = await Harness.start();
    await harness.hub.addAccount(Name.fromText('Mary Ann'), 'pw');
    const client = await harness.connect();
    client.send('Mary Ann');
    expect(await client.nextLine()).toBe('Password:');
    client.send('pw');
    expect(await client.nextLine()).toBe('Welcome back, Mary Ann!');
  });

  it('takes passwords literally, a leading / included', async () => {
    harness = await Harness.start();
    (await harness.signUp('gina', '/quit now')).destroy();
    await harness.logIn('gina', '/quit now');
  });

  it('answers a too-long line in the dialogue, repeats the prompt, and does not count it', async () => {
    harness = await Harness.start({ options: { maxLineBytes: 32 } });
    (await harness.signUp('hank', 'pw')).destroy();
    const client = await harness.connect();
    client.send('h'.repeat(33));
    expect(await client.nextLines(2)).toEqual(['Line too long.', 'Enter your nickname:']);
    client.send('hank');
    expect(await client.nextLine()).toBe('Password:');
    client.send('p'.repeat(40));
    expect(await client.nextLines(2)).toEqual(['Line too long.', 'Password:']);
    client.send('pw');
    expect(await client.nextLine()).toBe('Welcome back, hank!');
  });

  it('lets a registered user hold several connections, each getting the messages', async () => {
    harness = await Harness.start();
    const first = await harness.signUp('ivy');
    const second = await harness.logIn('ivy');
    const third = await harness.logIn('ivy');
    const other = await harness.signUp('jack');
    other.send('hello all');
    for (const client of [first, second, third])
      expect(await client.nextLine()).toBe('jack (12:34): hello all');
    other.send('/who');
    expect(await other.nextLine()).toBe('Online: ivy, jack');
  });

  it('sends a sign-up that lost a race for the nickname to the password prompt', async () => {
    harness = await Harness.start();
    const late = await harness.connect();
    late.send('kim');
    expect(await late.nextLine()).toBe('New nickname. Choose a password:');
    late.send('mine');
    expect(await late.nextLine()).toBe('Repeat the password:');
    (await harness.signUp('kim', 'theirs')).destroy();
    late.send('mine');
    expect(await late.nextLines(2)).toEqual([
      'This nickname has just been registered by someone else.',
      'Password:',
    ]);
    late.send('theirs');
    expect(await late.nextLine()).toBe('Welcome back, kim!');
  });

  it('never logs a password', async () => {
    const logger = new RecordingLogger();
    harness = await Harness.start({ logger });
    const client = await harness.signUp('lena', 'pa55-word-xyz');
    client.send('hi');
    await client.end();
    const again = await harness.logIn('lena', 'pa55-word-xyz');
    again.send('/quit');
    await again.closed;
    expect(JSON.stringify(logger.entries)).not.toContain('pa55-word-xyz');
  });

  it('frees the connection when a client leaves mid-dialogue', async () => {
    harness = await Harness.start();
    const client = await harness.connect();
    client.send('mo');
    expect(await client.nextLine()).toBe('New nickname. Choose a password:');
    client.send('pw');
    client.destroy();
    await waitFor(() => harness.hub.connectionCount === 0, 3_000, 'the connection to be released');
  });
});

describe('tcp-rooms failed-login throttling (SPEC §1)', () => {
  it('locks a name after 5 wrong passwords, refuses even the right one, and unlocks later', async () => {
    const clock = new FakeClock(FIXED_TIME);
    harness = await Harness.start({ hubOptions: { clock, throttle: { lockMs: 60_000 } } });
    (await harness.signUp('nina', 'right')).destroy();
    const attempt = async (password: string) => {
      const client = await harness.connect();
      client.send('nina');
      expect(await client.nextLine()).toBe('Password:');
      client.send(password);
      const answer = await client.nextLine();
      if (answer !== 'Welcome back, nina!') await client.closed;
      client.destroy();
      return answer;
    };
    for (let i = 0; i < 4; i++) expect(await attempt('wrong')).toBe('Wrong password.');
    // fewer failures than the limit never stop the right password
    expect(await attempt('right')).toBe('Welcome back, nina!');
    for (let i = 0; i < 5; i++) expect(await attempt('wrong')).toBe('Wrong password.');
    expect(await attempt('right')).toBe('Too many failed attempts. Try again later.');
    clock.advance(60_001);
    expect(await attempt('right')).toBe('Welcome back, nina!');
  });
});
