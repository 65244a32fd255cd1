import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hub } from '@switchboard/core';
import { SqliteStore } from '@switchboard/core/sqlite';
import { fastScrypt } from '@switchboard/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { Harness } from './testing/harness.ts';

const directory = mkdtempSync(join(tmpdir(), 'tcp-rooms-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** An adapter over a fresh hub and store on the same SQLite file: a restarted server. */
async function startOver(path: string): Promise<{ harness: Harness; store: SqliteStore }> {
  const store = new SqliteStore(path);
  const hub = new Hub({ accounts: store.accounts, rooms: store.rooms, scrypt: fastScrypt });
  return { harness: await Harness.start({ hub }), store };
}

describe('tcp-rooms persistence (SPEC §1 Persistence)', () => {
  it('keeps accounts and rooms across a restart of the adapter and hub', async () => {
    const path = join(directory, 'switchboard.sqlite');
    const first = await startOver(path);
    const alice = await first.harness.signUp('alice', 'alice-pw');
    alice.send('/create den');
    const created = /^Room den created\. Password: (\S+)$/.exec(await alice.nextLine());
    expect(created).not.toBeNull();
    const roomPassword = created![1]!;
    await first.harness.close();
    await first.store.close();

    const second = await startOver(path);
    try {
      const wrong = await second.harness.connect();
      wrong.send('alice');
      expect(await wrong.nextLine()).toBe('Password:');
      wrong.send('not-it');
      expect(await wrong.nextLine()).toBe('Wrong password.');

      const back = await second.harness.logIn('alice', 'alice-pw');
      back.send('/rooms');
      expect(await back.nextLine()).toBe('Rooms: den');
      back.send('/create den');
      expect(await back.nextLine()).toBe('Room den already exists.');

      const bob = await second.harness.signUp('bob', 'bob-pw');
      bob.send('/join den wrong');
      expect(await bob.nextLine()).toBe('Wrong room password.');
      bob.send(`/join den ${roomPassword}`);
      expect(await bob.nextLine()).toBe('Joined den.');
    } finally {
      await second.harness.close();
      await second.store.close();
    }
  });
});
