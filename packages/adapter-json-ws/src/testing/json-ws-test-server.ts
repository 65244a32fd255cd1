import type { ChatMessage, Hub, Limits, Logger, RunningAdapter, Session } from '@switchboard/core';
import { Name, silentLogger } from '@switchboard/core';
import { createTestHub } from '@switchboard/core/testing';
import { jsonWsAdapter } from '../index.ts';
import type { JsonWsOptions } from '../json-ws-options.ts';
import { WsTestClient } from './ws-test-client.ts';

export interface JsonWsTestServer {
  hub: Hub;
  running: RunningAdapter;
  url: string;
  /** A client that is connected (and named, when a name is given); closed by {@link stop}. */
  client(name?: string, path?: string): Promise<WsTestClient>;
  stop(): Promise<void>;
}

/** The real adapter on a test hub, on a free loopback port. */
export async function startJsonWsTestServer(
  options: Partial<JsonWsOptions> = {},
  limits: Partial<Limits> = {},
  hub: Hub = createTestHub({ limits }),
  logger: Logger = silentLogger,
): Promise<JsonWsTestServer> {
  const running = await jsonWsAdapter.start({
    hub,
    logger,
    host: '127.0.0.1',
    port: 0,
    options: jsonWsAdapter.optionsSchema.parse(options),
  });
  const url = `ws://127.0.0.1:${running.port}/`;
  const clients: WsTestClient[] = [];
  return {
    hub,
    running,
    url,
    async client(name, path = '/') {
      const address = `ws://127.0.0.1:${running.port}${path}`;
      const client =
        name === undefined ? await WsTestClient.connect(address) : await WsTestClient.named(address, name);
      clients.push(client);
      return client;
    },
    async stop() {
      for (const client of clients) client.ws.terminate();
      await running.close();
      hub.close();
    },
  };
}

/** A user of another protocol, as the core sees it: what it receives is collected. */
export async function otherProtocolUser(
  hub: Hub,
  name: string,
): Promise<{ session: Session; received: ChatMessage[] }> {
  const received: ChatMessage[] = [];
  const session = hub.open('other', 'elsewhere', {
    deliver: (message) => received.push(message),
    replaced: () => {},
  })!;
  const result = await session.claimGuest(Name.fromText(name));
  if (result !== 'ok') throw new Error(`claim of ${name} failed: ${result}`);
  return { session, received };
}
