import type { Session } from './session.ts';

/** One connection as the admin API lists it; names and rooms as text (U+FFFD for non-UTF-8). */
export interface ConnectionInfo {
  node: string;
  /** The connection's number on its node: ascending in the order the node admitted them. */
  id: number;
  protocol: string;
  address: string;
  connectedAt: number;
  identified: boolean;
  name: string | null;
  kind: 'guest' | 'registered' | null;
  room: string | null;
}

/** Where a page ends: the last connection listed, in (node, id) order. */
export interface ConnectionCursor {
  node: string;
  id: number;
}

/** True when `info` comes after `cursor` in the listing's (node, id) order. */
function after(info: { node: string; id: number }, cursor: ConnectionCursor | null): boolean {
  if (cursor === null) return true;
  if (info.node !== cursor.node) return info.node > cursor.node;
  return info.id > cursor.id;
}

/**
 * Up to `limit` of one node's connections after `cursor`. `sessions` is in admission order, so
 * the ids ascend and the walk stops at `limit`; a node wholly before the cursor costs nothing.
 */
export function localConnections(
  nodeId: string,
  sessions: Iterable<Session>,
  cursor: ConnectionCursor | null,
  limit: number,
): ConnectionInfo[] {
  if (cursor !== null && nodeId < cursor.node) return [];
  const page: ConnectionInfo[] = [];
  for (const session of sessions) {
    if (page.length >= limit) break;
    const id = Number(session.id);
    if (!after({ node: nodeId, id }, cursor)) continue;
    page.push({
      node: nodeId,
      id,
      protocol: session.protocol,
      address: session.address,
      connectedAt: session.connectedAt,
      identified: session.name !== null,
      name: session.name?.text ?? null,
      kind: session.kind,
      room: session.room,
    });
  }
  return page;
}

/** Merges the pages of several nodes into the first `limit` of the whole listing. */
export function mergeConnections(pages: readonly ConnectionInfo[][], limit: number): ConnectionInfo[] {
  return pages
    .flat()
    .sort((a, b) => (a.node === b.node ? a.id - b.id : a.node < b.node ? -1 : 1))
    .slice(0, limit);
}
