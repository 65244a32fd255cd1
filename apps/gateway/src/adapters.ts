import { jsonWsAdapter } from '@switchboard/adapter-json-ws';
import { rsUsAdapter } from '@switchboard/adapter-rs-us';
import { sessionsAdapter } from '@switchboard/adapter-sessions';
import { sohAdapter } from '@switchboard/adapter-soh';
import { tcpRoomsAdapter } from '@switchboard/adapter-tcp-rooms';
import type { AdapterDefinition } from '@switchboard/core';

/** Every protocol the gateway serves, in the order they start and appear in the ready line. */
export const adapters: readonly AdapterDefinition<unknown>[] = [
  jsonWsAdapter as AdapterDefinition<unknown>,
  tcpRoomsAdapter as AdapterDefinition<unknown>,
  sessionsAdapter as AdapterDefinition<unknown>,
  rsUsAdapter as AdapterDefinition<unknown>,
  sohAdapter as AdapterDefinition<unknown>,
];

export const adapterNames: readonly string[] = adapters.map((adapter) => adapter.name);
