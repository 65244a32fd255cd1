import { connectJsonWs } from './connect/json-ws.ts';
import { connectRsUs } from './connect/rs-us.ts';
import { connectSessions } from './connect/sessions.ts';
import { connectSoh } from './connect/soh.ts';
import { connectTcpRooms } from './connect/tcp-rooms.ts';
import type { ClientTls } from './connect/transport.ts';

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

const USAGE = `usage: switchboard connect [--tls [--insecure] [--ca FILE]] tcp-rooms|soh|rs-us HOST PORT
       switchboard connect [--insecure] [--ca FILE] json-ws URL [NAME]   (ws:// or wss://)
       switchboard connect [--tls ...] json-ws HOST PORT [NAME]
       switchboard connect [--insecure] [--ca FILE] sessions URL CLIENT_ID   (ws://, wss://, http://, https://)
`;

function parsePort(raw: string | undefined): number | null {
  if (raw === undefined || !/^\d+$/.test(raw)) return null;
  const port = Number(raw);
  return port > 0 && port <= 65_535 ? port : null;
}

/** `switchboard connect PROTOCOL ...`: picks the terminal client; usage errors exit 2. */
export async function runConnectCommand(
  protocol: string,
  target: string[],
  streams: TerminalStreams,
  flags: ConnectFlags = {},
): Promise<number> {
  const usage = (problem: string) => {
    streams.errors.write(`switchboard connect: ${problem}\n${USAGE}`);
    return 2;
  };
  const tls: ClientTls = {
    ...(flags.insecure && { insecure: true }),
    ...(flags.ca !== undefined && { ca: flags.ca }),
  };
  if (protocol === 'sessions') {
    const [url, clientId, ...extra] = target;
    if (!url || !/^(wss?|https?):\/\//.test(url) || !URL.canParse(url))
      return usage('sessions needs a ws://, wss://, http:// or https:// URL');
    if (clientId === undefined || clientId === '' || extra.length > 0)
      return usage('sessions needs URL CLIENT_ID');
    // The service is HTTP and WebSocket on one port: http(s):// is the same server; --tls means TLS.
    let wsUrl = url.replace(/^http/, 'ws');
    if (flags.tls) wsUrl = wsUrl.replace(/^ws:/, 'wss:');
    return connectSessions({ url: wsUrl, clientId, tls, ...streams });
  }
  if (protocol === 'json-ws') {
    const [first, second, third] = target;
    if (first && /^wss?:\/\//.test(first)) {
      // --tls on a ws:// URL means the same server over TLS.
      const url = flags.tls ? first.replace(/^ws:/, 'wss:') : first;
      return connectJsonWs({ url, name: second, tls, ...streams });
    }
    const port = parsePort(second);
    if (!first || port === null) return usage('json-ws needs a ws:// or wss:// URL, or HOST PORT');
    const scheme = flags.tls ? 'wss' : 'ws';
    const host = first.includes(':') ? `[${first}]` : first;
    return connectJsonWs({ url: `${scheme}://${host}:${port}/`, name: third, tls, ...streams });
  }
  const clients: Record<string, typeof connectTcpRooms> = {
    'tcp-rooms': connectTcpRooms,
    soh: connectSoh,
    'rs-us': connectRsUs,
  };
  const client = clients[protocol];
  if (!client) return usage(`unknown protocol ${JSON.stringify(protocol)}`);
  const [host, rawPort, ...extra] = target;
  const port = parsePort(rawPort);
  if (!host || port === null || extra.length > 0) return usage(`${protocol} needs HOST PORT`);
  return client({ host, port, ...(flags.tls && { tls }), ...streams });
}
