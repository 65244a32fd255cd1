/**
 * `@switchboard/core/sqlite`: the SQLite account and room store. A separate entry, so an adapter
 * or a tool that stores nothing loads the core on a Node without `node:sqlite`.
 */
export { SqliteStore } from './stores/sqlite-stores.ts';
