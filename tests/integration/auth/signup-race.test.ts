import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { users } from '../../../src/db/schema.js';
import { createTestApp, type TestApp } from '../../support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

it('turns a thousand simultaneous sign-ups of one name into exactly one account', { timeout: 120_000 }, async () => {
  const attempts = Array.from({ length: 1000 }, (_, i) =>
    t.app.request('/api/signup/', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // Different letter cases and passwords: the name is what collides.
      body: JSON.stringify({ username: i % 2 ? 'RaceWinner' : 'racewinner', password: `contender number ${i}`, first_name: `C${i}` }),
    }),
  );
  const statuses = (await Promise.all(attempts)).map((response) => response.status);
  expect(statuses.filter((s) => s === 200)).toHaveLength(1);
  expect(statuses.filter((s) => s === 409)).toHaveLength(999);
  const rows = await t.db.select().from(users).where(sql`lower(${users.username}) = 'racewinner'`);
  expect(rows).toHaveLength(1);
});
