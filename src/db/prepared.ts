import type { Db } from './client.js';

const built = new WeakMap<Db, Map<string, unknown>>();

/**
 * A hot query, built once per database and prepared under its name: each request then only binds
 * its values (no SQL is generated again), and PostgreSQL parses and plans it once per connection.
 * Every query a request or a live delivery runs on its way (session, room, new changes) is one.
 */
export function prepared<T>(db: Db, name: string, build: (db: Db) => T): T {
  let queries = built.get(db);
  if (!queries) built.set(db, (queries = new Map()));
  let query = queries.get(name) as T | undefined;
  if (query === undefined) queries.set(name, (query = build(db)));
  return query;
}
