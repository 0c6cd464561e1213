import { type Placeholder, sql } from 'drizzle-orm';
import { readTogether } from '../read-together.js';
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

/** A prepared select of the rows whose key is any of `$keys`. */
type ByKeys<K, Row> = { execute(values: { keys: K[] }): Promise<Row[]> };

/**
 * One row by its key, from a hot prepared select of `key = any($keys)` (built once per database by
 * `prepare`, given the placeholder to compare with), the keys asked for while other reads are under
 * way going together in one query (`readTogether`). A key of no row reads as undefined.
 */
export function keyedReader<K, Row>(
  db: Db,
  name: string,
  prepare: (keys: Placeholder<'keys'>) => ByKeys<K, Row>,
  keyOf: (row: Row) => K,
): (key: K) => Promise<Row | undefined> {
  return prepared(db, name, () => {
    const query = prepare(sql.placeholder('keys'));
    return readTogether(async (keys: K[]) => new Map((await query.execute({ keys })).map((row) => [keyOf(row), row])));
  });
}
