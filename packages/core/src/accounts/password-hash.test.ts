import { describe, expect, it } from 'vitest';
import { fastScrypt } from '../testing/test-hub.ts';
import { defaultScryptParams, hashPassword, verifyPassword } from './password-hash.ts';

const HASH_FORMAT = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/]{22}==)\$([A-Za-z0-9+/]{43}=)$/;

describe('hashPassword', () => {
  it('writes scrypt$N$r$p$salt$hash with a 16-byte salt and a 32-byte key in base64', async () => {
    const hash = await hashPassword('correct horse', fastScrypt);
    const match = HASH_FORMAT.exec(hash);
    expect(match, hash).not.toBeNull();
    expect(match!.slice(1, 4)).toEqual(['1024', '8', '1']);
    expect(Buffer.from(match![4]!, 'base64')).toHaveLength(16);
    expect(Buffer.from(match![5]!, 'base64')).toHaveLength(32);
  });

  it('uses the slow default parameters unless told otherwise', async () => {
    expect(defaultScryptParams).toEqual({ cost: 16384, blockSize: 8, parallelization: 1 });
    expect(await hashPassword('pw')).toMatch(/^scrypt\$16384\$8\$1\$/);
  });

  it('salts: two hashes of one password differ in salt and in key', async () => {
    const first = HASH_FORMAT.exec(await hashPassword('same', fastScrypt))!;
    const second = HASH_FORMAT.exec(await hashPassword('same', fastScrypt))!;
    expect(first[4]).not.toBe(second[4]);
    expect(first[5]).not.toBe(second[5]);
  });

  it('never contains the password, in plain text or in base64', async () => {
    const password = 'hunter2-hunter2-hunter2';
    const hash = await hashPassword(password, fastScrypt);
    expect(hash).not.toContain(password);
    expect(hash).not.toContain(Buffer.from(password).toString('base64').slice(0, 16));
  });
});

describe('verifyPassword', () => {
  it('accepts the right password and refuses any other', async () => {
    const hash = await hashPassword('pässwörd 🦊', fastScrypt);
    expect(await verifyPassword('pässwörd 🦊', hash)).toBe(true);
    expect(await verifyPassword('passwörd 🦊', hash)).toBe(false);
    expect(await verifyPassword('pässwörd', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
    expect(await verifyPassword('Pässwörd 🦊', hash)).toBe(false);
  });

  it('verifies both of two differently salted hashes of one password', async () => {
    const first = await hashPassword('same', fastScrypt);
    const second = await hashPassword('same', fastScrypt);
    expect(await verifyPassword('same', first)).toBe(true);
    expect(await verifyPassword('same', second)).toBe(true);
  });

  it('handles the empty password like any other', async () => {
    const hash = await hashPassword('', fastScrypt);
    expect(await verifyPassword('', hash)).toBe(true);
    expect(await verifyPassword(' ', hash)).toBe(false);
  });

  it('uses the parameters written in the hash, so old hashes keep working after a change', async () => {
    const cheap = await hashPassword('pw', { cost: 16, blockSize: 1, parallelization: 1 });
    expect(cheap).toMatch(/^scrypt\$16\$1\$1\$/);
    expect(await verifyPassword('pw', cheap)).toBe(true);
  });

  it('never matches a malformed hash, and never throws on one', async () => {
    const good = await hashPassword('pw', fastScrypt);
    const [, , , , salt, key] = good.split('$') as [string, string, string, string, string, string];
    const malformed = [
      '',
      'pw',
      'scrypt',
      `scrypt$1024$8$1$${salt}`, // no key
      `scrypt$1024$8$1$${salt}$${key}$extra`,
      `bcrypt$1024$8$1$${salt}$${key}`,
      `sha1$1024$8$1$${salt}$${key}`,
      `scrypt$0$8$1$${salt}$${key}`,
      `scrypt$-1024$8$1$${salt}$${key}`,
      `scrypt$1024.5$8$1$${salt}$${key}`,
      `scrypt$abc$8$1$${salt}$${key}`,
      `scrypt$1024$0$1$${salt}$${key}`,
      `scrypt$1024$8$0$${salt}$${key}`,
      `scrypt$1000$8$1$${salt}$${key}`, // N not a power of two: scrypt itself refuses it
      `scrypt$1024$8$1$${salt}$${key.slice(0, 20)}`, // truncated key
      `scrypt$1024$8$1$${salt}$${Buffer.alloc(64).toString('base64')}`, // key too long
      `scrypt$1024$8$1$${salt}$`,
    ];
    for (const stored of malformed) {
      await expect(verifyPassword('pw', stored), stored).resolves.toBe(false);
    }
  });

  it('does the full scrypt work for a wrong password, as for the right one', async () => {
    // A constant-time check derives the whole key before comparing; a shortcut for wrong
    // passwords would make them measurably faster than the right one.
    const params = { cost: 8192, blockSize: 8, parallelization: 1 };
    const hash = await hashPassword('right password', params);
    const time = async (password: string) => {
      const start = performance.now();
      await verifyPassword(password, hash);
      return performance.now() - start;
    };
    const right: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < 7; i++) {
      right.push(await time('right password'));
      wrong.push(await time('wrong password'));
    }
    const median = (values: number[]) => values.sort((a, b) => a - b)[3]!;
    const ratio = median(wrong) / median(right);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });
});
