import type { TerminalClient, TerminalClientRun } from '@switchboard/core';
import { connectJsonWs } from './json-ws.ts';
import { connectRsUs } from './rs-us.ts';
import { connectSessions } from './sessions.ts';
import { connectSoh } from './soh.ts';
import { connectTcpRooms } from './tcp-rooms.ts';
import type { ClientTls } from './transport.ts';

/**
 * The terminal clients of the built-in adapters, as the registry hands them to
 * `switchboard connect` (adapters.ts attaches each to its definition; an adapter from outside
 * brings its own `terminalClient`).
 */
function parsePort(raw: string | undefined): number | null {
  if (raw === undefined || !/^\d+$/.test(raw)) return null;
  const port = Number(raw);
  return port > 0 && port <= 65_535 ? port : null;
}

const clientTls = ({ tls }: TerminalClientRun): ClientTls => ({
  ...(tls.insecure && { insecure: true }),
  ...(tls.ca !== undefined && { ca: tls.ca }),
});

const streamsOf = ({ input, output, errors }: TerminalClientRun) => ({ input, output, errors });

/** A TCP protocol reached at HOST PORT, over TLS with `--tls`. */
function hostPortClient(
  name: string,
  connect: typeof connectTcpRooms | typeof connectSoh | typeof connectRsUs,
): TerminalClient {
  return {
    usage: [`[--tls [--insecure] [--ca FILE]] ${name} HOST PORT`],
    run(run) {
      const [host, rawPort, ...extra] = run.target;
      const port = parsePort(rawPort);
      if (!host || port === null || extra.length > 0)
        return Promise.resolve(run.usageError(`${name} needs HOST PORT`));
      return connect({ host, port, ...(run.tls.enabled && { tls: clientTls(run) }), ...streamsOf(run) });
    },
  };
}

const jsonWs: TerminalClient = {
  usage: [
    '[--insecure] [--ca FILE] json-ws URL [NAME]   (ws:// or wss://)',
    '[--tls ...] json-ws HOST PORT [NAME]',
  ],
  run(run) {
    const [first, second, third] = run.target;
    const tls = clientTls(run);
    if (first && /^wss?:\/\//.test(first)) {
      // --tls on a ws:// URL means the same server over TLS.
      const url = run.tls.enabled ? first.replace(/^ws:/, 'wss:') : first;
      return connectJsonWs({ url, name: second, tls, ...streamsOf(run) });
    }
    const port = parsePort(second);
    if (!first || port === null)
      return Promise.resolve(run.usageError('json-ws needs a ws:// or wss:// URL, or HOST PORT'));
    const scheme = run.tls.enabled ? 'wss' : 'ws';
    const host = first.includes(':') ? `[${first}]` : first;
    return connectJsonWs({ url: `${scheme}://${host}:${port}/`, name: third, tls, ...streamsOf(run) });
  },
};

const sessions: TerminalClient = {
  usage: ['[--insecure] [--ca FILE] sessions URL CLIENT_ID   (ws://, wss://, http://, https://)'],
  run(run) {
    const [url, clientId, ...extra] = run.target;
    if (!url || !/^(wss?|https?):\/\//.test(url) || !URL.canParse(url))
      return Promise.resolve(run.usageError('sessions needs a ws://, wss://, http:// or https:// URL'));
    if (clientId === undefined || clientId === '' || extra.length > 0)
      return Promise.resolve(run.usageError('sessions needs URL CLIENT_ID'));
    // The service is HTTP and WebSocket on one port: http(s):// is the same server; --tls means TLS.
    let wsUrl = url.replace(/^http/, 'ws');
    if (run.tls.enabled) wsUrl = wsUrl.replace(/^ws:/, 'wss:');
    return connectSessions({ url: wsUrl, clientId, tls: clientTls(run), ...streamsOf(run) });
  },
};

export const terminalClients: Readonly<Record<string, TerminalClient>> = {
  'json-ws': jsonWs,
  'tcp-rooms': hostPortClient('tcp-rooms', connectTcpRooms),
  sessions,
  'rs-us': hostPortClient('rs-us', connectRsUs),
  soh: hostPortClient('soh', connectSoh),
};
