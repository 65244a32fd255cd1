import { describe, expect, it } from 'vitest';
import { Name } from '../names/name.ts';
import { MemoryAccountStore } from '../stores/memory-stores.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { createTestHub, fastScrypt } from '../testing/test-hub.ts';
import { Accounts } from './accounts.ts';
import { defaultThrottleOptions, LoginThrottle, type ThrottleOptions } from './login-throttle.ts';

const MINUTE = 60_000;
const bob = Name.fromText('bob');

/** The in-memory store, counting how often a password hash is read (a checked attempt reads one). */
class CountingStore extends MemoryAccountStore {
  reads = 0;
  override async getPasswordHash(nameKey: string) {
    this.reads += 1;
    return super.getPasswordHash(nameKey);
  }
}

function setUp(options: Partial<ThrottleOptions> = {}) {
  const clock = new FakeClock();
  const store = new CountingStore();
  const throttle = new LoginThrottle(clock, { ...defaultThrottleOptions, ...options });
  return { clock, store, accounts: new Accounts(store, throttle, fastScrypt) };
}

describe('Accounts sign-up and lookup', () => {
  it('registers a name once; a second sign-up of it is refused and keeps the first password', async () => {
    const { accounts } = setUp();
    expect(await accounts.exists(bob)).toBe(false);
    expect(await accounts.register(bob, 'first')).toBe('ok');
    expect(await accounts.exists(bob)).toBe(true);
    expect(await accounts.register(bob, 'second')).toBe('NAME_REGISTERED');
    expect(await accounts.authenticate(bob, 'first', 'a')).toBe('ok');
    expect(await accounts.authenticate(bob, 'second', 'a')).toBe('WRONG_PASSWORD');
  });

  it('keeps names that differ only in bytes apart', async () => {
    const { accounts } = setUp();
    await accounts.register(Name.fromBytes(Buffer.from([0xff])), 'pw');
    expect(await accounts.exists(Name.fromBytes(Buffer.from([0xfe])))).toBe(false);
    expect(await accounts.exists(Name.fromText('Bob'))).toBe(false);
  });

  it('lists the registered names', async () => {
    const { accounts } = setUp();
    await accounts.register(Name.fromText('carol'), 'pw');
    await accounts.register(bob, 'pw');
    expect(await accounts.list()).toEqual(['bob', 'carol']);
  });

  it('stores only a salted scrypt hash, never the password', async () => {
    const { accounts, store } = setUp();
    await accounts.register(bob, 'plain-secret-1');
    await accounts.register(Name.fromText('carol'), 'plain-secret-1');
    const bobHash = await store.getPasswordHash(bob.key);
    const carolHash = await store.getPasswordHash('carol');
    for (const hash of [bobHash, carolHash]) {
      expect(hash).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
      expect(hash).not.toContain('plain-secret-1');
    }
    expect(bobHash).not.toBe(carolHash);
  });
});

describe('Accounts.authenticate', () => {
  it('tells the right password, a wrong one and an unknown user apart', async () => {
    const { accounts } = setUp();
    await accounts.register(bob, 'pw');
    expect(await accounts.authenticate(bob, 'pw', 'a')).toBe('ok');
    expect(await accounts.authenticate(bob, 'nope', 'a')).toBe('WRONG_PASSWORD');
    expect(await accounts.authenticate(Name.fromText('nobody'), 'pw', 'a')).toBe('UNKNOWN_USER');
  });

  it('locks a name after 5 failures: even the right password then fails, unchecked', async () => {
    const { accounts, store } = setUp();
    await accounts.register(bob, 'pw');
    for (let i = 0; i < 5; i++) expect(await accounts.authenticate(bob, 'wrong', 'a')).toBe('WRONG_PASSWORD');
    const readsBefore = store.reads;
    expect(await accounts.authenticate(bob, 'pw', 'a')).toBe('THROTTLED');
    expect(await accounts.authenticate(bob, 'wrong', 'b')).toBe('THROTTLED');
    expect(store.reads).toBe(readsBefore);
  });

  it('lets the right password in after 4 failures', async () => {
    const { accounts } = setUp();
    await accounts.register(bob, 'pw');
    for (let i = 0; i < 4; i++) await accounts.authenticate(bob, 'wrong', 'a');
    expect(await accounts.authenticate(bob, 'pw', 'a')).toBe('ok');
  });

  it('does not count attempts refused during a lock', async () => {
    const { accounts, clock } = setUp();
    await accounts.register(bob, 'pw');
    for (let i = 0; i < 5; i++) await accounts.authenticate(bob, 'wrong', 'a');
    for (let i = 0; i < 30; i++) expect(await accounts.authenticate(bob, 'wrong', 'b')).toBe('THROTTLED');
    clock.advance(5 * MINUTE);
    for (let i = 0; i < 4; i++) expect(await accounts.authenticate(bob, 'wrong', 'c')).toBe('WRONG_PASSWORD');
    expect(await accounts.authenticate(bob, 'pw', 'c')).toBe('ok');
  });

  it('clears the name count on success, so 4 more failures still leave the door open', async () => {
    const { accounts } = setUp();
    await accounts.register(bob, 'pw');
    for (let i = 0; i < 4; i++) await accounts.authenticate(bob, 'wrong', 'a');
    expect(await accounts.authenticate(bob, 'pw', 'a')).toBe('ok');
    for (let i = 0; i < 4; i++) expect(await accounts.authenticate(bob, 'wrong', 'a')).toBe('WRONG_PASSWORD');
    expect(await accounts.authenticate(bob, 'pw', 'a')).toBe('ok');
  });

  it('locks an address after 20 failures, unknown names included, for every name from it', async () => {
    const { accounts } = setUp();
    await accounts.register(bob, 'pw');
    for (let i = 0; i < 19; i++) {
      expect(await accounts.authenticate(Name.fromText(`guess${i}`), 'x', '10.0.0.1')).toBe('UNKNOWN_USER');
    }
    expect(await accounts.authenticate(bob, 'pw', '10.0.0.1')).toBe('ok');
    expect(await accounts.authenticate(Name.fromText('guess19'), 'x', '10.0.0.1')).toBe('UNKNOWN_USER');
    expect(await accounts.authenticate(bob, 'pw', '10.0.0.1')).toBe('THROTTLED');
    expect(await accounts.authenticate(bob, 'pw', '10.0.0.2')).toBe('ok');
  });

  it('takes its limits from the throttle options', async () => {
    const { accounts, clock } = setUp({ maxFailuresPerName: 2, lockMs: 1000 });
    await accounts.register(bob, 'pw');
    await accounts.authenticate(bob, 'wrong', 'a');
    await accounts.authenticate(bob, 'wrong', 'a');
    expect(await accounts.authenticate(bob, 'pw', 'a')).toBe('THROTTLED');
    clock.advance(1000);
    expect(await accounts.authenticate(bob, 'pw', 'a')).toBe('ok');
  });
});

describe('Accounts password change and deletion', () => {
  it('changes a password: the old one stops working, the new one works', async () => {
    const { accounts } = setUp();
    await accounts.register(bob, 'old');
    expect(await accounts.setPassword(bob, 'new')).toBe(true);
    expect(await accounts.authenticate(bob, 'old', 'a')).toBe('WRONG_PASSWORD');
    expect(await accounts.authenticate(bob, 'new', 'a')).toBe('ok');
  });

  it('refuses to set the password of an unknown user and creates no account', async () => {
    const { accounts } = setUp();
    expect(await accounts.setPassword(bob, 'pw')).toBe(false);
    expect(await accounts.exists(bob)).toBe(false);
  });

  it('deletes an account, after which the name is unknown and free to register', async () => {
    const { accounts } = setUp();
    await accounts.register(bob, 'pw');
    expect(await accounts.delete(bob)).toBe(true);
    expect(await accounts.delete(bob)).toBe(false);
    expect(await accounts.authenticate(bob, 'pw', 'a')).toBe('UNKNOWN_USER');
    expect(await accounts.register(bob, 'again')).toBe('ok');
  });
});

describe('parallel login attempts', () => {
  it('cannot all be checked before the failures that lock the name are counted', async () => {
    const clock = new FakeClock();
    const hub = createTestHub({ clock });
    await hub.addAccount(bob, 'right');
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => hub.accounts.authenticate(bob, `guess-${i}`, `10.0.0.${i}`)),
    );
    expect(results.filter((result) => result === 'WRONG_PASSWORD')).toHaveLength(5);
    expect(results.filter((result) => result === 'THROTTLED')).toHaveLength(7);
    expect(await hub.accounts.authenticate(bob, 'right', '10.0.1.1')).toBe('THROTTLED');
    hub.close();
  });

  it('still lets the right password through when fewer than five guesses race it', async () => {
    const hub = createTestHub();
    await hub.addAccount(bob, 'right');
    const results = await Promise.all([
      hub.accounts.authenticate(bob, 'nope-1', '10.0.0.1'),
      hub.accounts.authenticate(bob, 'nope-2', '10.0.0.2'),
      hub.accounts.authenticate(bob, 'right', '10.0.0.3'),
      hub.accounts.authenticate(bob, 'nope-3', '10.0.0.4'),
    ]);
    expect(results).toEqual(['WRONG_PASSWORD', 'WRONG_PASSWORD', 'ok', 'WRONG_PASSWORD']);
    hub.close();
  });
});
