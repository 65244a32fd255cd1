// The per-client login throttle through the real nginx (issue 12): nginx's stream servers send
// the PROXY protocol, so the gateways count failed logins per client, not per nginx. Two clients
// on two loopback addresses (127.0.0.2 and 127.0.0.3, both local on Linux) go through the same
// nginx: 20 failed rs-us logins lock the first on every gateway, the second logs in all the same.
// The throttle lives in each gateway's memory, so the first client fails on each of the three:
// least_conn puts three connections held open at once on three different gateways (checked in
// nginx's access log afterwards).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const RS = '\x1e';
const US = '\x1f';
const ATTACKER = '127.0.0.2';
const HONEST = '127.0.0.3';
const SIGN_UP = '127.0.0.4';
/** SPEC §1: 20 failures from one address lock it; 5 for one name lock the name. */
const ADDRESS_FAILURES = 20;
const NAME_FAILURES = 5;

function fail(message) {
  throw new Error(`lockout: ${message}`);
}

/** A TCP client from `localAddress` through nginx, with a way to wait for what it receives. */
async function client(port, localAddress) {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  let received = '';
  socket.on('data', (chunk) => {
    received += chunk.toString('utf8');
  });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  /** Waits for `text` after what earlier waits consumed; returns what came before it, inclusive. */
  const next = async (text, what) => {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const at = received.indexOf(text);
      if (at >= 0) {
        const taken = received.slice(0, at + text.length);
        received = received.slice(at + text.length);
        return taken;
      }
      if (Date.now() > deadline)
        fail(`no ${JSON.stringify(text)} for ${what}; got ${JSON.stringify(received)}`);
      await sleep(20);
    }
  };
  return { socket, next, localPort: socket.localPort };
}

/** rs-us `login NAME PASSWORD` → `login_valid` or `login_invalid`. */
async function login(rsUs, name, password) {
  rsUs.socket.write(`login${US}${name}${US}${password}${RS}`);
  const reply = await rsUs.next(RS, `login ${name}`);
  return reply.slice(0, -1);
}

export async function runLockoutScenario({ lb, gateways, logDir }) {
  const suffix = randomUUID().slice(0, 6);
  const user = `locked-${suffix}`;
  const password = `pw-${suffix}`;

  // The account, signed up over tcp-rooms from a third address.
  const signUp = await client(lb['tcp-rooms'], SIGN_UP);
  await signUp.next('Enter your nickname:\n', 'the nickname prompt');
  signUp.socket.write(`${user}\n`);
  await signUp.next('Choose a password:\n', 'the sign-up prompt');
  signUp.socket.write(`${password}\n${password}\n`);
  await signUp.next(`Registered. Welcome, ${user}!\n`, 'the sign-up');
  signUp.socket.end();

  // Three connections of the attacker, one per gateway, each failing 20 times.
  const attackers = [];
  for (let i = 0; i < gateways.length; i += 1) {
    const attacker = await client(lb['rs-us'], ATTACKER);
    // Answered: nginx has picked its upstream before the next connection is opened.
    attacker.socket.write(`prolongate${RS}`);
    await attacker.next(`prolongate_ack${RS}`, 'prolongate');
    attackers.push(attacker);
  }
  for (const attacker of attackers) {
    for (let i = 0; i < ADDRESS_FAILURES; i += 1) {
      const reply = await login(attacker, `nobody-${Math.floor(i / NAME_FAILURES)}-${suffix}`, 'wrong');
      if (reply !== 'login_invalid') fail(`a wrong password got ${reply}`);
    }
  }
  // Locked: the right password no longer works for the attacker, on any gateway.
  for (const attacker of attackers) {
    const reply = await login(attacker, user, password);
    if (reply !== 'login_invalid') fail(`the locked client logged in (${reply})`);
  }
  // The honest client, also one connection per gateway (each now has one attacker): not locked.
  const honest = [];
  for (let i = 0; i < gateways.length; i += 1) {
    const connection = await client(lb['rs-us'], HONEST);
    const reply = await login(connection, user, password);
    if (reply !== 'login_valid')
      fail(`the other client was refused (${reply}) after the first one's failures`);
    honest.push(connection);
  }

  // nginx's log: which gateway each connection went to (written when they end).
  const ours = [...attackers, ...honest];
  for (const connection of ours) connection.socket.end();
  const placed = await placement(logDir, ours, gateways);
  const distinct = (list, who) => {
    const set = new Set(list.map((c) => placed.get(c.localPort)));
    if (set.size !== gateways.length)
      fail(`${who}'s connections went to gateways ${[...set].join(', ')} only`);
  };
  distinct(attackers, 'the attacker');
  distinct(honest, 'the honest client');
  return (
    `${ADDRESS_FAILURES} failed logins from ${ATTACKER} lock it on all ${gateways.length} gateways, ` +
    `${HONEST} through the same nginx logs in on all ${gateways.length}`
  );
}

/** Client port → gateway number, from nginx's stream access log lines of our clients. */
async function placement(logDir, connections, gateways) {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const found = new Map();
    let text = '';
    try {
      text = readFileSync(join(logDir, 'access.log'), 'utf8');
    } catch {}
    for (const line of text.split('\n')) {
      const match = /^(127\.0\.0\.[23]):(\d+) .* upstream=\S+:(\d+)$/.exec(line);
      if (!match) continue;
      const index = gateways.findIndex((ports) => ports['rs-us'] === Number(match[3]));
      if (index >= 0) found.set(Number(match[2]), index + 1);
    }
    if (connections.every((c) => found.has(c.localPort))) return found;
    if (Date.now() > deadline) fail('nginx did not log every connection of the lockout scenario');
    await sleep(50);
  }
}
