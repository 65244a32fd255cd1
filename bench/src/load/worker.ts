/**
 * A load-generator process: it holds a share of the connections, sends the traffic it is told
 * to (a fixed rate, or saturation with a window of messages in flight per flow), and records
 * the latency of every delivery it receives. Driven over IPC by `LoadPool`.
 */
import { Histogram } from '../histogram.ts';
import { nowMicros, stampedText } from '../stamp.ts';
import type { Client, ClientSpec } from './clients/client.ts';
import { withTimeout } from './clients/client.ts';
import { createClient } from './clients/create-client.ts';
import type { MarkResult, OpenResult, PrimeResult, WorkerReply, WorkerRequest } from './protocol.ts';

/** A sender and where its messages go; `inflight` counts sent and not yet seen by the receiver/canary. */
interface Flow {
  sender: Client;
  /** Receiver name for a direct flow; null for a broadcast. */
  to: string | null;
  inflight: number;
  primed: boolean;
}

const clients = new Map<number, Client>();
/** Clients this worker closed itself: their close is not a loss. */
const closedHere = new Set<number>();
const names = new Map<number, string>();
/** Flow whose receiver (or broadcast canary) is this client id. */
const flowByReceiver = new Map<number, Flow>();
let flows: Flow[] = [];
const latency = new Histogram();
let received = 0;
let sent = 0;
let lost = 0;

let running: { mode: 'saturate' | 'rate'; window: number; textBytes: number } | null = null;
let rateTimer: NodeJS.Timeout | null = null;

function send(flow: Flow, textBytes: number): void {
  const text = stampedText(textBytes);
  if (flow.to === null) flow.sender.sendBroadcast(text);
  else flow.sender.sendDirect(flow.to, text);
  flow.inflight += 1;
  sent += 1;
}

function delivered(receiverId: number, micros: number): void {
  latency.record(nowMicros() - micros);
  received += 1;
  const flow = flowByReceiver.get(receiverId);
  if (!flow) return;
  flow.inflight -= 1;
  flow.primed = true;
  if (running?.mode === 'saturate') {
    while (flow.inflight < running.window) send(flow, running.textBytes);
  }
}

async function open(request: Extract<WorkerRequest, { op: 'open' }>): Promise<OpenResult> {
  const startMicros = nowMicros();
  let endMicros = startMicros;
  let opened = 0;
  let failed = 0;
  let firstError: string | null = null;
  let next = 0;
  const openOne = async (spec: ClientSpec & { id: number }) => {
    let ready = false;
    const client = createClient(spec, {
      onStamp: (micros) => delivered(spec.id, micros),
      onLost: () => {
        if (ready && !closedHere.has(spec.id)) lost += 1;
      },
    });
    try {
      await withTimeout(client.ready, request.timeoutMs, `${spec.protocol} ${spec.name}`);
      ready = true;
      clients.set(spec.id, client);
      names.set(spec.id, spec.name);
      opened += 1;
      endMicros = nowMicros();
    } catch (error) {
      client.close();
      failed += 1;
      firstError ??= (error as Error).message;
    }
  };
  const lanes = Array.from({ length: Math.min(request.concurrency, request.clients.length) }, async () => {
    while (next < request.clients.length) await openOne(request.clients[next++]!);
  });
  await Promise.all(lanes);
  return { opened, failed, firstError, startMicros, endMicros };
}

function closeClients(ids: number[] | undefined): null {
  for (const id of ids ?? [...clients.keys()]) {
    closedHere.add(id);
    clients.get(id)?.close();
    clients.delete(id);
    names.delete(id);
    flowByReceiver.delete(id);
  }
  if (!ids) flows = [];
  return null;
}

function clientById(id: number): Client {
  const client = clients.get(id);
  if (!client) throw new Error(`no open client ${id}`);
  return client;
}

function setPairs(pairs: Array<{ from: number; to: number }>): null {
  flows = [];
  flowByReceiver.clear();
  for (const pair of pairs) {
    const flow: Flow = { sender: clientById(pair.from), to: names.get(pair.to)!, inflight: 0, primed: false };
    flows.push(flow);
    flowByReceiver.set(pair.to, flow);
  }
  return null;
}

function setBroadcaster(from: number, canary: number | null): null {
  flowByReceiver.clear();
  const flow: Flow = { sender: clientById(from), to: null, inflight: 0, primed: false };
  flows = [flow];
  if (canary !== null) flowByReceiver.set(canary, flow);
  return null;
}

/** Sends one message per unprimed flow every 200 ms until each has seen a delivery (soh never confirms a name). */
async function prime(timeoutMs: number): Promise<PrimeResult> {
  const deadline = Date.now() + timeoutMs;
  for (const flow of flows) flow.primed = flow.to === null && !hasCanary(flow);
  let resendAt = 0;
  while (Date.now() < deadline && flows.some((flow) => !flow.primed)) {
    if (Date.now() >= resendAt) {
      for (const flow of flows) if (!flow.primed) send(flow, 32);
      resendAt = Date.now() + 200;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const primed = flows.filter((flow) => flow.primed).length;
  return { primed, missing: flows.length - primed };
}

function hasCanary(flow: Flow): boolean {
  for (const candidate of flowByReceiver.values()) if (candidate === flow) return true;
  return false;
}

function start(request: Extract<WorkerRequest, { op: 'start' }>): null {
  stop();
  for (const flow of flows) flow.inflight = 0;
  running = { mode: request.mode, window: request.window, textBytes: request.textBytes };
  if (flows.length === 0) return null;
  if (request.mode === 'saturate') {
    for (const flow of flows) while (flow.inflight < request.window) send(flow, request.textBytes);
    return null;
  }
  // Fixed rate: every millisecond, send what the schedule says is due, round-robin over flows.
  const began = nowMicros();
  const perMicro = request.ratePerSecond / 1e6;
  const maxBurst = Math.max(1, Math.ceil(request.ratePerSecond / 50));
  let scheduled = 0;
  let turn = 0;
  const tick = () => {
    const target = Math.floor((nowMicros() - began) * perMicro);
    let owed = target - scheduled;
    // After a stall, what is owed beyond one burst is skipped, not caught up: the offered load stays the rate.
    if (owed > maxBurst) {
      scheduled = target - maxBurst;
      owed = maxBurst;
    }
    for (let i = 0; i < owed; i++) {
      send(flows[turn]!, request.textBytes);
      turn = (turn + 1) % flows.length;
    }
    scheduled += Math.max(0, owed);
  };
  rateTimer = setInterval(tick, 1);
  return null;
}

function stop(): null {
  running = null;
  if (rateTimer) clearInterval(rateTimer);
  rateTimer = null;
  return null;
}

function mark(): MarkResult {
  const result: MarkResult = { received, sent, atMicros: nowMicros(), lost, latency: latency.toData() };
  latency.reset();
  return result;
}

async function handle(request: WorkerRequest): Promise<unknown> {
  switch (request.op) {
    case 'open':
      return open(request);
    case 'close':
      return closeClients(request.ids);
    case 'pairs':
      return setPairs(request.pairs);
    case 'broadcaster':
      return setBroadcaster(request.from, request.canary);
    case 'prime':
      return prime(request.timeoutMs);
    case 'start':
      return start(request);
    case 'stop':
      return stop();
    case 'mark':
      return mark();
  }
}

process.on('message', (message: WorkerRequest & { id: number }) => {
  handle(message).then(
    (result) => process.send!({ id: message.id, ok: true, result } satisfies WorkerReply),
    (error: unknown) =>
      process.send!({ id: message.id, ok: false, error: (error as Error).message } satisfies WorkerReply),
  );
});
process.on('disconnect', () => process.exit(0));
