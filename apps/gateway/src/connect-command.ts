import { connectJsonWs } from './connect/json-ws.ts';
import { connectRsUs } from './connect/rs-us.ts';
import { connectSoh } from './connect/soh.ts';
import { connectTcpRooms } from './connect/tcp-rooms.ts';

export interface TerminalStreams {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  errors: NodeJS.WritableStream;
}

const USAGE = `usage: switchboard connect tcp-rooms|soh|rs-us HOST PORT
       switchboard connect json-ws URL [NAME]   (or HOST PORT [NAME])
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
): Promise<number> {
  const usage = (problem: string) => {
    streams.errors.write(`switchboard connect: ${problem}\n${USAGE}`);
    return 2;
  };
  if (protocol === 'json-ws') {
    const [first, second, third] = target;
    if (first && /^wss?:\/\//.test(first)) return connectJsonWs({ url: first, name: second, ...streams });
    const port = parsePort(second);
    if (!first || port === null) return usage('json-ws needs a ws:// URL or HOST PORT');
    return connectJsonWs({ url: `ws://${first}:${port}/`, name: third, ...streams });
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
  return client({ host, port, ...streams });
}
