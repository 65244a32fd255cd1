/**
 * `switchboard say`, `switchboard kick` and `switchboard who`: the server API of a running
 * gateway (`--admin-url`, `--admin-token` as for `switchboard user`). Unlike `user`, they have
 * no store to fall back on: they act on live connections, so a gateway must answer.
 */
export interface ServerApiOptions {
  adminUrl: string;
  adminToken: string | undefined;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** Pages `who` follows at most: 1,000 connections each. */
const MAX_WHO_PAGES = 1_000;

async function call(
  options: ServerApiOptions,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer | null> {
  const headers: Record<string, string> = {};
  if (options.adminToken) headers.authorization = `Bearer ${options.adminToken}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`${options.adminUrl.replace(/\/+$/, '')}${path}`, {
      method,
      headers,
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch {
    options.err.write(`no gateway answers at ${options.adminUrl} (start one, or pass --admin-url)\n`);
    return null;
  }
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    parsed = { error: text };
  }
  if (response.status === 401) {
    options.err.write('the admin API refused the request (set --admin-token)\n');
    return null;
  }
  return { status: response.status, body: parsed };
}

/** A refusal as the server said it; exit 1. */
function refused(options: ServerApiOptions, what: string, answer: Answer): number {
  options.err.write(`switchboard ${what}: ${String(answer.body.error ?? `HTTP ${answer.status}`)}\n`);
  return 1;
}

function partial(options: ServerApiOptions, body: Record<string, unknown>): void {
  const missing = Number(body.missingGateways ?? 0);
  if (missing > 0) options.err.write(`warning: ${missing} gateway(s) did not answer in time\n`);
}

export async function runSay(
  text: string,
  target: { to: string[]; room: string | undefined },
  options: ServerApiOptions,
): Promise<number> {
  if (target.to.length > 0 && target.room !== undefined) {
    options.err.write('switchboard say: give --to or --room, not both\n');
    return 2;
  }
  const body = {
    text,
    ...(target.to.length > 0 && { to: target.to }),
    ...(target.room !== undefined && { room: target.room }),
  };
  const answer = await call(options, 'POST', '/admin/messages', body);
  if (answer === null) return 1;
  if (answer.status !== 200) return refused(options, 'say', answer);
  const delivered = (answer.body.delivered as string[] | undefined) ?? [];
  const inactive = (answer.body.inactive as string[] | undefined) ?? [];
  partial(options, answer.body);
  if (inactive.length > 0) options.err.write(`not active (not delivered): ${inactive.join(', ')}\n`);
  options.out.write(
    delivered.length > 0
      ? `delivered to ${delivered.join(', ')}\n`
      : 'delivered to nobody: no recipient is active\n',
  );
  // A direct message that reached nobody did not do what was asked.
  return target.to.length > 0 && delivered.length === 0 ? 1 : 0;
}

export async function runKick(name: string, options: ServerApiOptions): Promise<number> {
  const answer = await call(options, 'POST', `/admin/users/${encodeURIComponent(name)}/disconnect`);
  if (answer === null) return 1;
  if (answer.status !== 200) return refused(options, 'kick', answer);
  partial(options, answer.body);
  const closed = Number(answer.body.closed);
  options.out.write(`disconnected ${name} (${closed} connection${closed === 1 ? '' : 's'})\n`);
  return 0;
}

interface ConnectionRow {
  gateway: string;
  protocol: string;
  address: string;
  connectedAt: string;
  name: string | null;
}

/** Control characters (a SOH name may hold any byte) shown escaped, never sent to the terminal. */
const printable = (text: string) =>
  text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** Every connection of the service, one line each: NAME PROTOCOL ADDRESS SINCE GATEWAY. */
export async function runWho(options: ServerApiOptions): Promise<number> {
  const rows: ConnectionRow[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_WHO_PAGES; page += 1) {
    const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const answer = await call(options, 'GET', `/admin/connections?limit=1000${query}`);
    if (answer === null) return 1;
    if (answer.status !== 200) return refused(options, 'who', answer);
    partial(options, answer.body);
    rows.push(...(answer.body.connections as ConnectionRow[]));
    cursor = answer.body.next as string | null;
    if (cursor === null) break;
  }
  const table = [
    ['NAME', 'PROTOCOL', 'ADDRESS', 'SINCE', 'GATEWAY'],
    ...rows.map((row) => [
      row.name === null ? '-' : printable(row.name),
      row.protocol,
      row.address,
      row.connectedAt,
      row.gateway,
    ]),
  ];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((cells) => cells[column]!.length)));
  for (const cells of table)
    options.out.write(
      `${cells
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd()}\n`,
    );
  return 0;
}
