import { type Hub, Name } from '@switchboard/core';
import { type AdminRoute, defineRoute, refuse } from './admin-route.ts';
import {
  accountCreated,
  accountList,
  credentials,
  errorBody,
  nameParams,
  newPassword,
  presenceList,
  roomList,
  sessionList,
} from './admin-schemas.ts';

const refusals = {
  400: { description: 'A malformed request, named in the message', schema: errorBody },
  401: { description: 'No or a wrong admin token (or not loopback without one)', schema: errorBody },
} as const;

/** Accounts (a password change or a deletion invalidates live bindings), sessions, rooms, presence. */
export function accountRoutes(hub: Hub): AdminRoute[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/admin/accounts',
      summary: 'List the accounts',
      protected: true,
      responses: { 200: { description: 'Every account name', schema: accountList }, ...refusals },
      async handle() {
        const accounts = (await hub.accounts.list()).map((key) => Name.fromKey(key).text);
        return { status: 200, body: { accounts } };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/admin/accounts',
      summary: 'Create an account',
      protected: true,
      body: credentials,
      responses: {
        201: { description: 'Created', schema: accountCreated },
        ...refusals,
        409: { description: 'The account exists', schema: errorBody },
        422: { description: 'The name is reserved for system messages', schema: errorBody },
      },
      async handle({ body }) {
        const name = Name.fromText(body.name);
        if (hub.isReserved(name)) return refuse(422, `${body.name} is reserved for system messages`);
        const created = await hub.addAccount(name, body.password);
        return created ? { status: 201, body: { name: name.text } } : refuse(409, 'account exists');
      },
    }),
    defineRoute({
      method: 'PUT',
      url: '/admin/accounts/:name/password',
      summary: 'Change a password; that user’s live rs-us bindings are invalidated',
      protected: true,
      params: nameParams,
      body: newPassword,
      responses: {
        204: { description: 'Changed' },
        ...refusals,
        404: { description: 'No such account', schema: errorBody },
      },
      async handle({ params, body }) {
        const changed = await hub.changePassword(Name.fromText(params.name), body.password);
        return changed ? { status: 204 } : refuse(404, 'no such account');
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/admin/accounts/:name',
      summary: 'Delete an account',
      protected: true,
      params: nameParams,
      responses: {
        204: { description: 'Deleted' },
        ...refusals,
        404: { description: 'No such account', schema: errorBody },
      },
      async handle({ params }) {
        const deleted = await hub.deleteAccount(Name.fromText(params.name));
        return deleted ? { status: 204 } : refuse(404, 'no such account');
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/admin/sessions',
      summary: 'The live sessions of the sessions protocol (client id, session id)',
      protected: true,
      responses: { 200: { description: 'Every session of the service', schema: sessionList }, ...refusals },
      async handle() {
        const sessions = (await hub.sessions.list()).map(([clientId, sessionId]) => ({
          clientId,
          sessionId,
        }));
        return { status: 200, body: { sessions } };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/admin/rooms',
      summary: 'The private rooms',
      protected: true,
      responses: { 200: { description: 'Room names, sorted', schema: roomList }, ...refusals },
      async handle() {
        return { status: 200, body: { rooms: await hub.rooms.list() } };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/admin/presence',
      summary: 'The active names of the service',
      protected: true,
      responses: { 200: { description: 'Active names, sorted by bytes', schema: presenceList }, ...refusals },
      async handle() {
        return { status: 200, body: { active: (await hub.activeNames()).map((name) => name.text) } };
      },
    }),
  ];
}
