import { afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../messages/chat-message.ts';
import { Name } from '../names/name.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { createTestHub } from '../testing/test-hub.ts';
import type { Hub } from './hub.ts';
import { IDENTIFICATION_BUCKETS_MS } from './protocol-stats.ts';
import type { SessionSink } from './session.ts';

class Sink implements SessionSink {
  readonly messages: ChatMessage[] = [];
  deliver(message: ChatMessage): void {
    this.messages.push(message);
  }
  replaced(): void {}
}

const name = (text: string) => Name.fromText(text);

let hub: Hub;
afterEach(() => hub?.close());

function open(protocol: string, address = '10.0.0.1') {
  const sink = new Sink();
  return { sink, session: hub.open(protocol, address, sink)! };
}

/** The bucket an observation of `ms` lands in (buckets are per bound, not cumulative). */
const bucketOf = (ms: number) => IDENTIFICATION_BUCKETS_MS.findIndex((le) => ms <= le);

describe('per-protocol counters of the hub', () => {
  it('counts open and identified connections per protocol, down again as they unbind and close', async () => {
    hub = createTestHub();
    const a = open('json-ws');
    const b = open('json-ws');
    open('soh');
    const ws = hub.stats.forProtocol('json-ws');
    const soh = hub.stats.forProtocol('soh');
    expect([ws.open, ws.identified, soh.open, soh.identified]).toEqual([2, 0, 1, 0]);
    expect(await a.session.claimGuest(name('alice'))).toBe('ok');
    expect(await b.session.claimGuest(name('bob'))).toBe('ok');
    expect([ws.open, ws.identified]).toEqual([2, 2]);
    b.session.logout();
    expect([ws.open, ws.identified]).toEqual([2, 1]);
    a.session.close();
    a.session.close();
    expect([ws.open, ws.identified]).toEqual([1, 0]);
    // The session holds its protocol's object: one lookup per connection, none per message.
    expect(b.session.stats).toBe(ws);
  });

  it('counts a message under its sender’s protocol, each delivery under its recipient’s, unknown recipients under the sender’s', async () => {
    hub = createTestHub();
    const alice = open('tcp-rooms');
    const bob = open('soh');
    const carol = open('json-ws');
    await alice.session.claimGuest(name('alice'));
    await bob.session.claimGuest(name('bob'));
    await carol.session.claimGuest(name('carol'));
    alice.session.broadcast('hi all');
    const missing = await alice.session.sendDirect([name('bob'), name('nobody'), name('ghost')], 'hi bob');
    expect(missing.map((each) => each.text)).toEqual(['nobody', 'ghost']);
    const tcp = hub.stats.forProtocol('tcp-rooms');
    const soh = hub.stats.forProtocol('soh');
    const ws = hub.stats.forProtocol('json-ws');
    expect([tcp.messagesReceived, soh.messagesReceived, ws.messagesReceived]).toEqual([2, 0, 0]);
    expect([tcp.deliveries, soh.deliveries, ws.deliveries]).toEqual([0, 2, 1]);
    expect([tcp.unknownRecipients, soh.unknownRecipients]).toEqual([2, 0]);
    expect(bob.sink.messages).toHaveLength(2);
    expect(hub.stats.messages).toBe(2);
    expect(hub.stats.deliveries).toBe(3);
  });

  it('counts login failures, the locks they begin and the attempts refused during a lock, per protocol', async () => {
    hub = createTestHub({ throttle: { maxFailuresPerName: 3, maxFailuresPerAddress: 100 } });
    await hub.addAccount(name('dave'), 'right');
    const rsUs = open('rs-us');
    const tcp = open('tcp-rooms');
    expect(await rsUs.session.login(name('dave'), 'wrong')).toBe('WRONG_PASSWORD');
    expect(await rsUs.session.login(name('nobody'), 'x')).toBe('UNKNOWN_USER');
    expect(await tcp.session.login(name('dave'), 'wrong')).toBe('WRONG_PASSWORD');
    expect(await tcp.session.login(name('dave'), 'wrong')).toBe('WRONG_PASSWORD');
    // The third failure for dave locked the name; this one is refused unchecked.
    expect(await rsUs.session.login(name('dave'), 'right')).toBe('THROTTLED');
    const r = hub.stats.forProtocol('rs-us');
    const t = hub.stats.forProtocol('tcp-rooms');
    expect([r.loginFailures, r.loginLocks, r.loginThrottled]).toEqual([2, 0, 1]);
    expect([t.loginFailures, t.loginLocks, t.loginThrottled]).toEqual([2, 1, 0]);
  });

  it('observes the time from admission to the first identification only', async () => {
    const clock = new FakeClock();
    hub = createTestHub({ clock });
    await hub.addAccount(name('erin'), 'pw');
    const quick = open('json-ws');
    clock.advance(3);
    await quick.session.claimGuest(name('quick'));
    const human = open('rs-us');
    clock.advance(7_000);
    expect(await human.session.login(name('erin'), 'pw')).toBe('ok');
    human.session.logout();
    clock.advance(60_000);
    expect(await human.session.login(name('erin'), 'pw')).toBe('ok');
    const ws = hub.stats.forProtocol('json-ws');
    const rs = hub.stats.forProtocol('rs-us');
    expect([ws.identificationCount, ws.identificationSumMs]).toEqual([1, 3]);
    expect(ws.identificationBuckets[bucketOf(3)]).toBe(1);
    expect([rs.identificationCount, rs.identificationSumMs]).toEqual([1, 7_000]);
    expect(rs.identificationBuckets[bucketOf(7_000)]).toBe(1);
    expect(rs.identificationBuckets.reduce((sum, n) => sum + n, 0)).toBe(1);
  });

  it('counts refused connections under their protocol', () => {
    hub = createTestHub({ limits: { maxConnectionsPerAddress: 1 } });
    open('soh');
    expect(hub.admit('soh', '10.0.0.1', new Sink())).toBe('TOO_MANY_CONNECTIONS');
    expect(hub.admit('json-ws', '10.0.0.1', new Sink())).toBe('TOO_MANY_CONNECTIONS');
    expect(hub.stats.forProtocol('soh').refused).toBe(1);
    expect(hub.stats.forProtocol('json-ws').refused).toBe(1);
    expect(hub.stats.refusedConnections).toBe(2);
  });

  it('keeps totals for adapters that still count on the hub, under no protocol', () => {
    hub = createTestHub();
    const { session } = open('soh');
    session.stats.slowReaderDrops += 1;
    hub.stats.slowReaderDrops += 1;
    hub.stats.rateLimited += 2;
    expect(hub.stats.slowReaderDrops).toBe(2);
    expect(hub.stats.rateLimited).toBe(2);
    expect(session.stats.slowReaderDrops).toBe(1);
    expect(session.stats.rateLimited).toBe(0);
  });
});
