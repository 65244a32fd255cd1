import type { Hub, RunningAdapter } from '@switchboard/core';
import { createTestHub } from '@switchboard/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionsOptions } from './sessions-options.ts';
import { SessionsTestClient, startSessionsAdapter } from './testing/sessions-test-kit.ts';

/** Issue 12, defect 4 on the sessions port: it speaks json-ws, so it shares json-ws's bounds. */

const error = (message: string) => ({ type: 'error', data: { message } });

let hub: Hub;
let running: RunningAdapter;
const clients: SessionsTestClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate();
  await running.close();
  hub.close();
});

async function start(options: Partial<SessionsOptions> = {}) {
  hub = createTestHub();
  running = await startSessionsAdapter(hub, options);
  return running.port;
}

async function session(port: number, clientId: string): Promise<SessionsTestClient> {
  const { client } = await SessionsTestClient.session(port, clientId);
  clients.push(client);
  return client;
}

describe('sessions parse cost (issue 12)', () => {
  it('refuses deep nesting before parsing it, and a bystander pair keeps chatting quickly', async () => {
    const port = await start();
    const ann = await session(port, 'ann');
    const bob = await session(port, 'bob');
    const hostile = await session(port, 'hostile');
    const depth = 240_000;
    const nested = `{"type":"send_message","data":{"text":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    const cpuBefore = process.cpuUsage();
    for (let i = 0; i < 8; i++) hostile.sendRaw(nested);
    let worst = 0;
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      ann.send({ type: 'send_message', data: { recievers: ['bob'], text: `m${i}` } });
      expect(await bob.next(5_000)).toMatchObject({ data: { sender: 'ann', text: `m${i}` } });
      worst = Math.max(worst, performance.now() - started);
    }
    for (let i = 0; i < 8; i++) {
      expect(await hostile.next(10_000)).toEqual(error('invalid JSON: nested deeper than 8 levels'));
    }
    const cpu = process.cpuUsage(cpuBefore);
    // Before: 25–37 ms of CPU per such frame; now the frame is refused in a scan of its bytes.
    expect((cpu.user + cpu.system) / 1000 / 8).toBeLessThan(12);
    expect(worst).toBeLessThan(200);
  }, 30_000);

  it('caps the recipients of a message, and closes a frame over the derived limit with 1009', async () => {
    const port = await start({ maxRecipients: 10 });
    const ann = await session(port, 'ann');
    const bob = await session(port, 'bob');
    const recievers = ['bob', ...Array.from({ length: 10 }, (_, i) => `gone${i}`)];
    ann.send({ type: 'send_message', data: { recievers, text: 'hi' } });
    expect(await ann.next()).toEqual(error('too many recievers: 11, at most 10 per message; not sent'));
    expect(await bob.quietFor(100)).toEqual([]);
    // 4096 code points × 12 + 10 recipients × 515 + 1024 bytes: 55,326.
    ann.sendRaw(`{"type":"recieve_status","pad":"${'p'.repeat(56_000)}"}`);
    expect((await ann.closed).code).toBe(1009);
  });
});
