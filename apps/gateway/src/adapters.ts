import { ircAdapter } from '@switchboard/adapter-irc';
import { jsonWsAdapter } from '@switchboard/adapter-json-ws';
import { rsUsAdapter } from '@switchboard/adapter-rs-us';
import { sessionsAdapter } from '@switchboard/adapter-sessions';
import { sohAdapter } from '@switchboard/adapter-soh';
import { tcpRoomsAdapter } from '@switchboard/adapter-tcp-rooms';
import type { AdapterDefinition, TerminalClient } from '@switchboard/core';

/** The gateway's own terminal client for a built-in adapter, loaded only by `connect`. */
const terminalClient = (name: string) => async (): Promise<TerminalClient> =>
  (await import('./connect/terminal-clients.ts')).terminalClients[name]!;

const withTerminalClient = <Options>(definition: AdapterDefinition<Options>): AdapterDefinition<unknown> => ({
  ...(definition as AdapterDefinition<unknown>),
  terminalClient: terminalClient(definition.name),
});

/**
 * The registry: every built-in protocol, in the order they start and appear in the ready line.
 * Everything that names adapters is derived from it (config keys, environment names, port flags,
 * `--only`, metrics labels, `connect`, the test, bench and CI port lists, the interop matrix and
 * the contract run, the pack and bundle checks, the nginx rendering, the deployment-file check).
 * A new built-in adapter is one line here plus its dependency in package.json; plug-ins join at
 * start (`serve --plugin`, plugins.ts) without a line anywhere.
 */
export const adapters: readonly AdapterDefinition<unknown>[] = [
  withTerminalClient(jsonWsAdapter),
  withTerminalClient(tcpRoomsAdapter),
  withTerminalClient(sessionsAdapter),
  withTerminalClient(rsUsAdapter),
  withTerminalClient(sohAdapter),
  ircAdapter as AdapterDefinition<unknown>, // any IRC client will do: irssi, WeeChat, ii, ...
];

export const adapterNames: readonly string[] = adapters.map((adapter) => adapter.name);

/**
 * The package of a built-in adapter. Its `./testing` entry (left out of the published package)
 * exports the `driver` the contract and the interop matrix use.
 */
export function adapterPackage(name: string): string {
  return `@switchboard/adapter-${name}`;
}
