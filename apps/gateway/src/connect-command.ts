import type { AdapterDefinition, TerminalClient } from '@switchboard/core';
import { adapters } from './adapters.ts';

export interface TerminalStreams {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  errors: NodeJS.WritableStream;
}

/** `--tls`, `--insecure`, `--ca FILE` of `switchboard connect`. */
export interface ConnectFlags {
  tls?: boolean | undefined;
  insecure?: boolean | undefined;
  ca?: string | undefined;
}

/** Every registered adapter's terminal client, by adapter name (loaded now: `connect` runs one). */
async function terminalClients(
  registry: readonly AdapterDefinition<unknown>[],
): Promise<Map<string, TerminalClient>> {
  const withClient = registry.filter((definition) => definition.terminalClient !== undefined);
  return new Map(
    await Promise.all(
      withClient.map(async (definition) => [definition.name, await definition.terminalClient!()] as const),
    ),
  );
}

function usageText(clients: ReadonlyMap<string, TerminalClient>): string {
  const lines = [...clients.values()].flatMap((client) => client.usage);
  return `${lines.map((line, index) => `${index === 0 ? 'usage:' : '      '} switchboard connect ${line}`).join('\n')}\n`;
}

/** `switchboard connect PROTOCOL ...`: picks the terminal client; usage errors exit 2. */
export async function runConnectCommand(
  protocol: string,
  target: string[],
  streams: TerminalStreams,
  flags: ConnectFlags = {},
  /** The built-ins, plus plug-ins `connect --plugin` loaded. */
  registry: readonly AdapterDefinition<unknown>[] = adapters,
): Promise<number> {
  const clients = await terminalClients(registry);
  const usage = (problem: string) => {
    streams.errors.write(`switchboard connect: ${problem}\n${usageText(clients)}`);
    return 2;
  };
  const client = clients.get(protocol);
  if (!client) {
    const known = registry.some((definition) => definition.name === protocol);
    return usage(
      known
        ? `${protocol} has no terminal client here; any client of the protocol will do`
        : `unknown protocol ${JSON.stringify(protocol)}`,
    );
  }
  return client.run({
    target,
    tls: { enabled: flags.tls === true, insecure: flags.insecure === true, ca: flags.ca },
    ...streams,
    usageError: usage,
  });
}
