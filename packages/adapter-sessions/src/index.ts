export { sessionsAdapter } from './sessions-adapter.ts';
export { formatSessionList, parseUpgradeTarget, type UpgradeTarget } from './sessions-codec.ts';
export { type SessionsOptions, sessionsOptionsSchema } from './sessions-options.ts';
