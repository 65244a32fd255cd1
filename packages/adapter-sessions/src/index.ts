import { defineAdapter } from '@switchboard/core';
import { type SessionsOptions, sessionsOptionsSchema } from './sessions-options.ts';

export { formatSessionList, parseUpgradeTarget, type UpgradeTarget } from './sessions-codec.ts';
export { type SessionsOptions, sessionsOptionsSchema } from './sessions-options.ts';

/** One WebSocket session per client id, listed at `/sessions`, speaking json-ws (SPEC §6, seed 002). */
export const sessionsAdapter = defineAdapter<SessionsOptions>({
  name: 'sessions',
  defaultPort: 8880,
  optionsSchema: sessionsOptionsSchema,
  // fastify is loaded when the adapter starts, so a gateway started without it skips the cost.
  start: async (context) => (await import('./sessions-adapter.ts')).startSessions(context),
});
