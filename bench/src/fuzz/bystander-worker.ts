import { connect } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';

/**
 * The bystander pair, in a thread of its own so the hostile load's event loop never delays its
 * timers or reads: a json-ws user and a SOH user chatting both ways, one message every 10–20 ms
 * each way, each carrying its send time. Both ends live in this thread, so one clock times them.
 */

export interface BystanderSetup {
  jsonWsPort: number;
  sohPort: number;
  jsonName: string;
  sohName: string;
}

/** One message: when it was sent (epoch ms) and how long it took, or -1 when it never arrived. */
export type Delivery = [sentAt: number, latencyMs: number];

export interface BystanderResult {
  deliveries: Delivery[];
  /** Messages that arrived twice or out of order (either breaks the spec's ordering promise). */
  misordered: number;
  /** Errors and unexpected closes of either bystander connection. */
  incidents: string[];
}

const now = () => performance.timeOrigin + performance.now();
const setup = workerData as BystanderSetup;
const incidents: string[] = [];
let stopping = false;

/** Send times by direction and sequence number; a received message records its latency. */
const sent = { j2s: [] as number[], s2j: [] as number[] };
const latency = { j2s: [] as number[], s2j: [] as number[] };
let misordered = 0;
const lastSeen = { j2s: -1, s2j: -1 };

function received(direction: 'j2s' | 's2j', text: string): void {
  const [tag, seqText] = text.split(' ');
  const seq = Number(seqText);
  if (tag !== direction || !Number.isInteger(seq) || sent[direction][seq] === undefined) {
    incidents.push(`unexpected ${direction} delivery: ${text.slice(0, 60)}`);
    return;
  }
  if (seq <= lastSeen[direction]) misordered++;
  lastSeen[direction] = Math.max(lastSeen[direction], seq);
  latency[direction][seq] ??= now() - sent[direction][seq]!;
}

const json = new WebSocket(`ws://127.0.0.1:${setup.jsonWsPort}/`);
const soh = connect({ port: setup.sohPort, host: '127.0.0.1' });
soh.setNoDelay(true);

let sohPending: Buffer = Buffer.alloc(0);
soh.on('data', (chunk: Buffer) => {
  sohPending = sohPending.length === 0 ? chunk : Buffer.concat([sohPending, chunk]);
  // Fields come in pairs: SENDER 0x01 TEXT 0x01.
  for (;;) {
    const first = sohPending.indexOf(0x01);
    const second = first === -1 ? -1 : sohPending.indexOf(0x01, first + 1);
    if (second === -1) break;
    const sender = sohPending.toString('utf8', 0, first);
    const text = sohPending.toString('utf8', first + 1, second);
    sohPending = sohPending.subarray(second + 1);
    if (sender === setup.jsonName) received('j2s', text);
    else
      incidents.push(
        `soh bystander got a message from ${JSON.stringify(sender.slice(0, 40))}: ${JSON.stringify(text.slice(0, 60))}`,
      );
  }
});
soh.on('error', (error) => incidents.push(`soh bystander error: ${error.message}`));
soh.on('close', () => {
  if (!stopping) incidents.push('soh bystander connection closed');
});

let peerOnline: (() => void) | null = null;
json.on('message', (data: Buffer) => {
  const frame = JSON.parse(data.toString('utf8')) as { type: string; data: Record<string, unknown> };
  if (frame.type === 'recieve_message') {
    const { sender, text } = frame.data as { sender: string; text: string };
    if (sender === setup.sohName) received('s2j', text);
    else
      incidents.push(
        `json-ws bystander got a message from ${JSON.stringify(sender.slice(0, 40))}: ${JSON.stringify(text.slice(0, 60))}`,
      );
  } else if (frame.type === 'chat_status') {
    if ((frame.data.active_clients as string[]).includes(setup.sohName)) peerOnline?.();
  } else if (frame.type === 'error')
    incidents.push(`json-ws bystander error frame: ${JSON.stringify(frame.data).slice(0, 100)}`);
});
json.on('error', (error) => incidents.push(`json-ws bystander error: ${error.message}`));
json.on('close', (code) => {
  if (!stopping) incidents.push(`json-ws bystander closed (${code})`);
});

await new Promise<void>((resolve, reject) => {
  json.once('open', resolve);
  json.once('error', reject);
});
json.send(JSON.stringify({ type: 'hello', data: { user: setup.jsonName } }));
soh.write(`${setup.sohName}\x01`);
// Both ends are chatting once the json-ws side sees the SOH side online.
await new Promise<void>((resolve) => {
  peerOnline = resolve;
  const ask = () => {
    if (peerOnline === resolve && json.readyState === WebSocket.OPEN) {
      json.send('{"type":"recieve_status"}');
      setTimeout(ask, 50);
    }
  };
  ask();
});
peerOnline = null;

const timers = new Set<NodeJS.Timeout>();
function every(send: () => void): void {
  const tick = () => {
    if (stopping) return;
    send();
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        tick();
      },
      10 + Math.random() * 10,
    );
    timers.add(timer);
  };
  tick();
}
every(() => {
  const seq = sent.j2s.length;
  sent.j2s.push(now());
  json.send(
    JSON.stringify({ type: 'send_message', data: { recievers: [setup.sohName], text: `j2s ${seq}` } }),
  );
});
every(() => {
  const seq = sent.s2j.length;
  sent.s2j.push(now());
  soh.write(`${setup.jsonName}\x01s2j ${seq}\x01`);
});
parentPort!.postMessage({ type: 'chatting' });

parentPort!.on('message', async (message: { type: string; graceMs: number }) => {
  if (message.type !== 'stop') return;
  stopping = true;
  for (const timer of timers) clearTimeout(timer);
  // Late messages still count as delivered (and as late), so wait for them before judging.
  await new Promise((resolve) => setTimeout(resolve, message.graceMs));
  const deliveries: Delivery[] = [];
  for (const direction of ['j2s', 's2j'] as const) {
    sent[direction].forEach((at, seq) => {
      deliveries.push([at, latency[direction][seq] ?? -1]);
    });
  }
  json.close();
  soh.destroy();
  const result: BystanderResult = { deliveries, misordered, incidents: incidents.slice(0, 50) };
  parentPort!.postMessage({ type: 'result', result });
});
