import { type ConnectionCursor, type ConnectionInfo, type Hub, Name } from '@switchboard/core';
import { type AdminRoute, defineRoute, refuse } from './admin-route.ts';
import {
  connectionPage,
  connectionsQuery,
  DEFAULT_PAGE,
  disconnected,
  errorBody,
  nameParams,
  systemMessage,
  systemMessageSent,
} from './admin-schemas.ts';

/** Room messages may carry a long recipient list: up to 1,000 names of 256 bytes, escaped. */
const MESSAGE_BODY_LIMIT = 1024 * 1024;

const refusals = {
  400: { description: 'A malformed request, named in the message', schema: errorBody },
  401: { description: 'No or a wrong admin token (or not loopback without one)', schema: errorBody },
} as const;

function encodeCursor(info: ConnectionInfo): string {
  return Buffer.from(JSON.stringify([info.node, info.id])).toString('base64url');
}

function decodeCursor(text: string): ConnectionCursor | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'string' && Number.isSafeInteger(value[1]))
      return { node: value[0], id: value[1] as number };
  } catch {
    // not ours: refused below
  }
  return null;
}

/**
 * The server API: system messages into the chat, disconnecting a user, and the list of open
 * connections, each cluster-wide through the hub.
 */
export function serverApiRoutes(hub: Hub): AdminRoute[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/admin/messages',
      summary: 'Send a message from the system sender: direct, to a room, or to the main chat',
      protected: true,
      body: systemMessage,
      bodyLimit: MESSAGE_BODY_LIMIT,
      responses: {
        200: { description: 'Sent; names who got it', schema: systemMessageSent },
        ...refusals,
        404: { description: 'No such room', schema: errorBody },
        413: { description: 'The body is over the size limit', schema: errorBody },
        503: { description: 'The room store cannot be reached', schema: errorBody },
      },
      async handle({ body }) {
        if (body.room !== undefined) {
          let exists: boolean;
          try {
            exists = await hub.rooms.exists(body.room);
          } catch {
            return refuse(503, 'the room store is unavailable; try again later');
          }
          if (!exists) return refuse(404, `no such room: ${body.room}`);
        }
        const to = body.to?.map((text) => Name.fromText(text));
        const sent = await hub.sendSystem(to ? { to } : { room: body.room ?? null }, body.text);
        const delivered = sent.delivered.map((name) => name.text);
        const reached = new Set(delivered);
        return {
          status: 200,
          body: {
            sender: hub.systemSender.text,
            delivered,
            ...(body.to && { inactive: [...new Set(body.to)].filter((name) => !reached.has(name)) }),
            missingGateways: sent.missing,
          },
        };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/admin/users/:name/disconnect',
      summary: 'Close every connection of a name, on every protocol and gateway',
      protected: true,
      params: nameParams,
      responses: {
        200: { description: 'Closed, each in its protocol’s way', schema: disconnected },
        ...refusals,
        404: { description: 'The name has no connection', schema: errorBody },
      },
      async handle({ params }) {
        const result = await hub.disconnect(Name.fromText(params.name));
        if (result.closed === 0) return refuse(404, `not connected: ${params.name}`);
        return {
          status: 200,
          body: { name: params.name, closed: result.closed, missingGateways: result.missing },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/admin/connections',
      summary: 'Every open connection of the service, by gateway then age, a page at a time',
      protected: true,
      query: connectionsQuery,
      responses: {
        200: { description: 'One page; `next` is the cursor of the one after', schema: connectionPage },
        ...refusals,
      },
      async handle({ query }) {
        let cursor: ConnectionCursor | null = null;
        if (query.cursor !== undefined) {
          cursor = decodeCursor(query.cursor);
          if (cursor === null) return refuse(400, 'invalid query: cursor is not one this API gave');
        }
        const limit = query.limit ?? DEFAULT_PAGE;
        // One more than asked tells whether a next page exists.
        const page = await hub.connections(cursor, limit + 1);
        const shown = page.connections.slice(0, limit);
        return {
          status: 200,
          body: {
            connections: shown.map((info) => ({
              gateway: info.node,
              id: info.id,
              protocol: info.protocol,
              address: info.address,
              connectedAt: new Date(info.connectedAt).toISOString(),
              identified: info.identified,
              name: info.name,
              kind: info.kind,
              room: info.room,
            })),
            next: page.connections.length > limit ? encodeCursor(shown.at(-1)!) : null,
            missingGateways: page.missing,
          },
        };
      },
    }),
  ];
}
