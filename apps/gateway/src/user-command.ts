import { checkTextName, Hub, Name, silentLogger } from '@switchboard/core';
import { nameProblemWords } from './admin/admin-schemas.ts';
import { openBackend } from './stores.ts';

export interface UserCommandOptions {
  adminUrl: string;
  adminToken: string | undefined;
  dataDir: string;
  redis: string | undefined;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

export type UserAction = 'add' | 'passwd' | 'delete' | 'list';

/** What both paths (admin API, store) answer: the exit code and the line to print. */
interface Outcome {
  code: number;
  message: string;
}

class GatewayUnreachable extends Error {}

/**
 * `switchboard user add|passwd|delete|list`: through a running gateway's admin API when one
 * answers (so a password change invalidates live connections at once), else on the store itself.
 */
export async function runUserCommand(
  action: UserAction,
  name: string | undefined,
  password: () => Promise<string>,
  options: UserCommandOptions,
): Promise<number> {
  if (action !== 'list') {
    const checked = name === undefined ? 'missing' : checkTextName(name);
    const problem = checked === null || checked === 'missing' ? checked : nameProblemWords[checked];
    if (problem) {
      options.err.write(`switchboard user ${action}: invalid name (${problem})\n`);
      return 2;
    }
  }
  const secret = action === 'add' || action === 'passwd' ? await password() : '';
  if ((action === 'add' || action === 'passwd') && secret.length === 0) {
    options.err.write('switchboard user: the password is empty\n');
    return 2;
  }
  let outcome: Outcome;
  try {
    outcome = await viaAdminApi(action, name ?? '', secret, options);
  } catch (error) {
    if (!(error instanceof GatewayUnreachable)) throw error;
    outcome = await viaStore(action, name ?? '', secret, options);
  }
  (outcome.code === 0 ? options.out : options.err).write(`${outcome.message}\n`);
  return outcome.code;
}

async function viaAdminApi(action: UserAction, name: string, password: string, options: UserCommandOptions) {
  const base = options.adminUrl.replace(/\/+$/, '');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.adminToken) headers.authorization = `Bearer ${options.adminToken}`;
  const encoded = encodeURIComponent(name);
  const request: Record<UserAction, [string, string, unknown]> = {
    add: ['POST', '/admin/accounts', { name, password }],
    passwd: ['PUT', `/admin/accounts/${encoded}/password`, { password }],
    delete: ['DELETE', `/admin/accounts/${encoded}`, undefined],
    list: ['GET', '/admin/accounts', undefined],
  };
  const [method, path, body] = request[action];
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? { authorization: headers.authorization ?? '' } : headers,
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(3_000),
    });
  } catch {
    throw new GatewayUnreachable();
  }
  if (response.status === 401)
    return { code: 1, message: 'the admin API refused the request (set --admin-token)' };
  if (response.status === 422) {
    // Refused for a reason of its own (the reserved system sender): say it as the server did.
    const { error } = (await response.json()) as { error?: string };
    return { code: 1, message: `switchboard user ${action}: ${error ?? 'refused'}` };
  }
  if (action === 'list' && response.ok) {
    const { accounts } = (await response.json()) as { accounts: string[] };
    return { code: 0, message: accounts.join('\n') };
  }
  return describe(action, name, response.ok);
}

async function viaStore(action: UserAction, raw: string, password: string, options: UserCommandOptions) {
  const backend = await openBackend(
    { dataDir: options.dataDir, redis: options.redis, cluster: { heartbeatMs: 2_000, nodeTtlMs: 10_000 } },
    silentLogger,
  );
  // A hub over the store, so that in a cluster a password change still reaches live connections.
  const hub = new Hub({
    nodeId: backend.nodeId,
    accounts: backend.accounts,
    rooms: backend.rooms,
    ...(backend.bus && { bus: backend.bus }),
    ...(backend.presence && { presence: backend.presence }),
  });
  try {
    const name = Name.fromText(raw);
    if (action === 'add' && hub.isReserved(name))
      return { code: 1, message: `switchboard user add: ${raw} is reserved for system messages` };
    switch (action) {
      case 'add':
        return describe(action, raw, await hub.addAccount(name, password));
      case 'passwd':
        return describe(action, raw, await hub.changePassword(name, password));
      case 'delete':
        return describe(action, raw, await hub.deleteAccount(name));
      case 'list':
        return {
          code: 0,
          message: (await hub.accounts.list()).map((key) => Name.fromKey(key).text).join('\n'),
        };
    }
  } finally {
    hub.close();
    await backend.close();
  }
}

function describe(action: UserAction, name: string, ok: boolean): Outcome {
  const done: Record<UserAction, string> = {
    add: `user ${name} added`,
    passwd: `password of ${name} changed`,
    delete: `user ${name} deleted`,
    list: '',
  };
  const failed: Record<UserAction, string> = {
    add: `user ${name} already exists`,
    passwd: `no such user: ${name}`,
    delete: `no such user: ${name}`,
    list: 'cannot list users',
  };
  return ok ? { code: 0, message: done[action] } : { code: 1, message: failed[action] };
}
