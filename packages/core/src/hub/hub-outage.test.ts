import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isServiceUnavailable, SwitchboardError } from '../errors.ts';
import { Name } from '../names/name.ts';
import { SqliteStore } from '../stores/sqlite-stores.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { recordingLogger } from '../testing/recording-logger.ts';
import { SwitchableAccounts } from '../testing/switchable-accounts.ts';
import { createTestHub } from '../testing/test-hub.ts';
import type { Hub } from './hub.ts';
import type { SessionSink } from './session.ts';

const sink: SessionSink = { deliver() {}, replaced() {} };

let hub: Hub;
let store: SqliteStore;
afterEach(async () => {
  hub?.close();
  await store?.close();
});

describe('identification while the account store cannot be reached', () => {
  it('refuses claims, logins and sign-ups as SERVICE_UNAVAILABLE and warns once per interval', async () => {
    const clock = new FakeClock();
    const { logger, lines } = recordingLogger();
    store = new SqliteStore(':memory:');
    hub = createTestHub({ accounts: store.accounts, rooms: store.rooms, clock, logger });
    await hub.addAccount(Name.fromText('carol'), 'pw');
    // The store goes away under the running hub (a disk gone, a database closed).
    await store.close();

    const guest = hub.open('test', '10.0.0.1', sink)!;
    const claim = guest.claimGuest(Name.fromText('alice'));
    await expect(claim).rejects.toBeInstanceOf(SwitchboardError);
    expect(await claim.catch(isServiceUnavailable)).toBe(true);

    const member = hub.open('test', '10.0.0.2', sink)!;
    expect(await member.login(Name.fromText('carol'), 'pw').catch(isServiceUnavailable)).toBe(true);
    expect(await member.register(Name.fromText('dave'), 'pw').catch(isServiceUnavailable)).toBe(true);
    expect(await hub.isRegistered(Name.fromText('carol')).catch(isServiceUnavailable)).toBe(true);
    expect(guest.name).toBeNull();
    expect(member.name).toBeNull();
    expect(hub.stats.unavailableRefusals).toBe(4);

    const warnings = () => lines.filter((line) => line.level === 'warn').length;
    expect(warnings()).toBe(1);
    expect(lines.filter((line) => line.level === 'error')).toEqual([]);
    clock.advance(10_000);
    await guest.claimGuest(Name.fromText('alice')).catch(() => {});
    expect(warnings()).toBe(2);
  });

  it('does not count refused attempts as failed logins: after the outage the right password works', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'switchboard-outage-')), 'store.db');
    store = new SqliteStore(path);
    const accounts = new SwitchableAccounts(store.accounts);
    hub = createTestHub({ accounts, rooms: store.rooms });
    await hub.addAccount(Name.fromText('carol'), 'pw');
    accounts.state = 'down';
    const session = hub.open('test', '10.0.0.1', sink)!;
    // More refusals than the 5 failures that would lock the name.
    for (let i = 0; i < 8; i++) {
      expect(await session.login(Name.fromText('carol'), 'pw').catch(isServiceUnavailable)).toBe(true);
    }
    accounts.state = 'up';
    expect(await session.login(Name.fromText('carol'), 'pw')).toBe('ok');
  });
});
