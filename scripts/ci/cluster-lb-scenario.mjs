// The scenario cluster-lb-check runs THROUGH nginx in front of three gateways sharing a Redis:
// seed 002's three clients with one client_id (only the last stays; the others get 4001),
// GET /sessions listing every session of the service whichever process answers, a json-ws
// direct message and SOH messages between users on different processes, and a first exchange
// on tcp-rooms and rs-us, and an IRC direct message. nginx's access logs then tell which gateway took each connection, so
// the check fails if the balancer did not actually spread them.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SOH = '\x01';
const RS = '\x1e';

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function within(ms, promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `probe` until it returns a truthy value; returns it, or throws `what` after `ms`. */
async function eventually(ms, probe, what) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await probe();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(50);
  }
}

/** Messages of one connection, awaited by predicate. */
class Inbox {
  #items = [];
  #waiters = [];

  push(item) {
    this.#items.push(item);
    for (const waiter of [...this.#waiters]) waiter();
  }

  /** The first unconsumed item matching `predicate` (consumed). */
  next(predicate, ms, what) {
    return within(
      ms,
      new Promise((resolve) => {
        const look = () => {
          const index = this.#items.findIndex(predicate);
          if (index < 0) return;
          this.#waiters.splice(this.#waiters.indexOf(look), 1);
          resolve(this.#items.splice(index, 1)[0]);
        };
        this.#waiters.push(look);
        look();
      }),
      what,
    );
  }
}

export async function runScenario({ root, lb, gateways, logDir }) {
  const WebSocket = createRequire(join(root, 'apps/gateway/package.json'))('ws');
  const opened = [];
  const localPorts = {}; // client label → its local port, to find it in nginx's logs

  /** A WebSocket through the balancer; resolves once open, with its inbox and close promise. */
  const openWs = async (label, url) => {
    const ws = new WebSocket(url);
    opened.push(ws);
    const inbox = new Inbox();
    const closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: `${reason}` })),
    );
    ws.on('message', (data, isBinary) => inbox.push(isBinary ? data : data.toString()));
    ws.once('upgrade', (response) => {
      localPorts[label] = response.socket.localPort;
    });
    await within(
      5_000,
      new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      }),
      `${label} to open`,
    );
    return { ws, inbox, closed };
  };

  /** A sessions client: resolves with its session id (the first text frame). */
  const openSession = async (label, clientId) => {
    const client = await openWs(
      label,
      `ws://127.0.0.1:${lb.sessions}/?client_id=${encodeURIComponent(clientId)}`,
    );
    const sessionId = await client.inbox.next(
      (frame) => typeof frame === 'string',
      5_000,
      `${label}'s session id`,
    );
    check(UUID.test(sessionId), `${label}: first frame is not a UUID: ${JSON.stringify(sessionId)}`);
    return { ...client, sessionId };
  };

  /** A raw TCP client through the balancer. */
  const openTcp = async (label, port) => {
    const socket = connect(port, '127.0.0.1');
    opened.push(socket);
    let received = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
    });
    await within(
      5_000,
      new Promise((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      }),
      `${label} to connect`,
    );
    localPorts[label] = socket.localPort;
    const closed = new Promise((resolve) => socket.once('close', resolve));
    /** Waits until everything received so far contains `expected` (UTF-8). */
    const expect = (expected, what) =>
      eventually(5_000, () => received.includes(Buffer.from(expected)), what);
    return { socket, expect, closed };
  };

  const results = {};

  // 1. Seed 002: three connections with one client_id, one after another; only the last lives.
  const clientId = `lb-${randomUUID()}`;
  const first = await openSession('session-1', clientId);
  const second = await openSession('session-2', clientId);
  const firstClose = await within(5_000, first.closed, 'the first connection to be replaced');
  check(
    firstClose.code === 4001,
    `first connection closed with ${firstClose.code} ${firstClose.reason}, not 4001`,
  );
  const third = await openSession('session-3', clientId);
  const secondClose = await within(5_000, second.closed, 'the second connection to be replaced');
  check(
    secondClose.code === 4001,
    `second connection closed with ${secondClose.code} ${secondClose.reason}, not 4001`,
  );
  await sleep(300);
  check(third.ws.readyState === WebSocket.OPEN, 'the last connection did not stay open');

  // 2. More client ids, then GET /sessions: through the balancer and from every process directly.
  const expected = new Map([[clientId, third.sessionId]]);
  for (let i = 0; i < 5; i += 1) {
    const id = `lb-extra-${i}-${randomUUID().slice(0, 8)}`;
    const session = await openSession(`session-extra-${i}`, id);
    expected.set(id, session.sessionId);
  }
  const want = [...expected].map(([id, session]) => `${id} ${session}`).sort();
  const fetchSessions = async (port) => {
    const response = await fetch(`http://127.0.0.1:${port}/sessions`);
    check(response.status === 200, `GET /sessions on ${port}: HTTP ${response.status}`);
    check(/^text\/plain/.test(response.headers.get('content-type') ?? ''), 'GET /sessions is not text/plain');
    return (await response.text()).split('\n').filter(Boolean).sort();
  };
  const sameList = (lines) => lines.length === want.length && lines.every((line, i) => line === want[i]);
  const listedAt = Date.now();
  let lastSeen = [];
  try {
    await eventually(
      5_000,
      async () => {
        lastSeen = await fetchSessions(lb.sessions);
        return sameList(lastSeen);
      },
      'GET /sessions through nginx lists exactly the live sessions',
    );
    for (let i = 0; i < 3; i += 1)
      check(sameList(await fetchSessions(lb.sessions)), 'GET /sessions through nginx changed');
    for (const [index, ports] of gateways.entries())
      check(sameList(await fetchSessions(ports.sessions)), `GET /sessions on gateway${index + 1} differs`);
  } catch (error) {
    throw new Error(`${error.message}\nwanted:\n${want.join('\n')}\ngot:\n${lastSeen.join('\n')}`);
  }
  results.sessions = expected.size;
  results.sessionsConsistentMs = Date.now() - listedAt;

  // 3. json-ws through nginx: alice messages bob, who sits on another process.
  const helloed = async (label, name) => {
    const client = await openWs(label, `ws://127.0.0.1:${lb['json-ws']}/`);
    client.ws.send(JSON.stringify({ type: 'hello', data: { user: name } }));
    const reply = JSON.parse(
      await client.inbox.next((f) => typeof f === 'string', 5_000, `${label}'s hello answer`),
    );
    check(reply.type === 'chat_status', `${label}: hello answered ${JSON.stringify(reply)}`);
    return client;
  };
  const suffix = randomUUID().slice(0, 6);
  const [aliceName, bobName, carolName, daveName] = ['alice', 'bob', 'carol', 'dave'].map(
    (n) => `${n}-${suffix}`,
  );
  const alice = await helloed('alice', aliceName);
  const bob = await helloed('bob', bobName);
  const activeNames = async () => {
    alice.ws.send(JSON.stringify({ type: 'recieve_status' }));
    const status = JSON.parse(
      await alice.inbox.next(
        (f) => typeof f === 'string' && f.includes('"chat_status"'),
        5_000,
        'chat_status',
      ),
    );
    return status.data.active_clients;
  };
  // Presence is cluster-wide: alice sees bob (and later the SOH users) whichever process holds them.
  await eventually(
    5_000,
    async () => (await activeNames()).includes(bobName),
    `${aliceName} sees ${bobName}`,
  );
  const jsonText = `hello ${bobName}, via nginx`;
  alice.ws.send(JSON.stringify({ type: 'send_message', data: { recievers: [bobName], text: jsonText } }));
  const delivered = JSON.parse(
    await bob.inbox.next(
      (f) => typeof f === 'string' && f.includes('recieve_message'),
      5_000,
      'bob to get the message',
    ),
  );
  check(
    delivered.data.sender === aliceName &&
      delivered.data.text === jsonText &&
      Number.isInteger(delivered.data.timestamp),
    `bob got ${JSON.stringify(delivered)}`,
  );

  // 4. SOH through nginx: carol → dave, and alice (json-ws) → dave across protocols.
  const carol = await openTcp('carol', lb.soh);
  carol.socket.write(`${carolName}${SOH}`);
  const dave = await openTcp('dave', lb.soh);
  dave.socket.write(`${daveName}${SOH}`);
  await eventually(
    5_000,
    async () => {
      const names = await activeNames();
      return names.includes(carolName) && names.includes(daveName);
    },
    'the SOH users to be active',
  );
  carol.socket.write(`${daveName}${SOH}hello ${daveName}${SOH}`);
  await dave.expect(`${carolName}${SOH}hello ${daveName}${SOH}`, 'dave to get carol’s SOH message');
  alice.ws.send(
    JSON.stringify({ type: 'send_message', data: { recievers: [daveName], text: 'from json-ws' } }),
  );
  await dave.expect(`${aliceName}${SOH}from json-ws${SOH}`, 'dave to get alice’s message');

  // 5. tcp-rooms and rs-us answer through the stream proxy too.
  const rooms = await openTcp('tcp-rooms', lb['tcp-rooms']);
  await rooms.expect('Enter your nickname:', 'the tcp-rooms prompt');
  const rsUs = await openTcp('rs-us', lb['rs-us']);
  rsUs.socket.write(`prolongate${RS}`);
  await rsUs.expect(`prolongate_ack${RS}`, 'prolongate_ack from rs-us');

  // 5b. IRC through the stream proxy (PROXY protocol like the others): two users register and
  //     one messages the other, whichever gateways they landed on.
  const ircNick = (label) => `${label}${randomUUID().slice(0, 8)}`;
  const [erinNick, frankNick] = [ircNick('erin'), ircNick('frank')];
  const erin = await openTcp('erin', lb.irc);
  erin.socket.write(`NICK ${erinNick}\r\nUSER erin 0 * :erin\r\n`);
  const frank = await openTcp('frank', lb.irc);
  frank.socket.write(`NICK ${frankNick}\r\nUSER frank 0 * :frank\r\n`);
  await erin.expect(` 001 ${erinNick} `, 'the IRC welcome of erin');
  await frank.expect(` 001 ${frankNick} `, 'the IRC welcome of frank');
  erin.socket.write(`PRIVMSG ${frankNick} :hello over irc\r\n`);
  await frank.expect(` PRIVMSG ${frankNick} :hello over irc\r\n`, 'frank to get erin’s IRC message');

  // 6. Close everything, then read nginx's logs (written when each connection ends).
  for (const item of opened) {
    if (item instanceof WebSocket) item.close(1000);
    else item.end();
  }
  const upstreamOf = await eventually(
    5_000,
    () => {
      const found = parseLogs(logDir);
      return Object.keys(localPorts).every((label) => found.has(localPorts[label])) && found;
    },
    'nginx to log every connection of the scenario',
  );
  const gatewayOf = (label) => {
    const address = upstreamOf.get(localPorts[label]);
    const port = Number(address?.split(':').pop());
    const index = gateways.findIndex((ports) => Object.values(ports).includes(port));
    check(index >= 0, `${label} went to ${address}, which is no gateway`);
    return index + 1;
  };
  const placed = Object.fromEntries(Object.keys(localPorts).map((label) => [label, gatewayOf(label)]));
  const differ = (a, b, what) =>
    check(
      placed[a] !== placed[b],
      `${what}: ${a} and ${b} both went to gateway${placed[a]}, nothing crossed processes`,
    );
  differ('session-1', 'session-2', 'first replacement');
  differ('session-2', 'session-3', 'second replacement');
  differ('alice', 'bob', 'json-ws message');
  differ('carol', 'dave', 'SOH message');
  const sessionGateways = new Set(
    Object.keys(placed)
      .filter((l) => l.startsWith('session'))
      .map((l) => placed[l]),
  );
  results.placement = `client_id ${placed['session-1']}→${placed['session-2']}→${placed['session-3']}, sessions on ${sessionGateways.size} gateways, json-ws ${placed.alice}→${placed.bob}, soh ${placed.carol}→${placed.dave}, irc ${placed.erin}→${placed.frank}`;
  return results;
}

/** nginx's access log (http and stream lines alike): client port → `$upstream_addr`. */
function parseLogs(logDir) {
  const upstreams = new Map();
  let text = '';
  try {
    text = readFileSync(join(logDir, 'access.log'), 'utf8');
  } catch {
    return upstreams;
  }
  for (const line of text.split('\n')) {
    const match = /^\S+?:(\d+) .* upstream=(\S+)$/.exec(line);
    if (match && match[2] !== '-') upstreams.set(Number(match[1]), match[2]);
  }
  return upstreams;
}
