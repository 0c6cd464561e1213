import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { users } from '../../../src/db/schema.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { Browser, validSignup } from '../../support/browser.js';

// Who is an administrator: the first account (race-safe), or exactly those ADMIN_USERNAMES names.
let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function signUp(app: TestApp, username: string): Promise<Browser> {
  const browser = new Browser(app.app);
  const response = await browser.post('/signup/', validSignup({ username }));
  expect(response.status, username).toBe(303);
  return browser;
}

const adminLink = (html: string) => html.includes('<a class="admin-link" href="/admin/"');

describe('the first account', () => {
  it('is the administrator: the header links to the administration page, which others cannot open', async () => {
    t = await createTestApp();
    const guest = new Browser(t.app);
    expect((await guest.post('/guest/')).status).toBe(303); // a guest first: guests never are
    const first = await signUp(t, 'first_fran');
    const second = await signUp(t, 'second_sam');

    expect(adminLink(await (await first.get('/lobby/')).text())).toBe(true);
    const page = await first.get('/admin/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('@second_sam');

    for (const other of [second, guest]) {
      expect(adminLink(await (await other.get('/lobby/')).text())).toBe(false);
      const refused = await other.get('/admin/');
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain('Only an administrator can do that.');
      const json = await other.get('/admin/', { accept: 'application/json' });
      expect(json.status).toBe(403);
      expect(await json.json()).toMatchObject({ error: 'Only an administrator can do that.' });
    }
  });

  it('is exactly one of many simultaneous first sign-ups, never two, never none', { timeout: 120_000 }, async () => {
    t = await createTestApp();
    const app = t;
    const statuses = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const response = await app.app.request('/api/signup/', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: `racer_${i}`, password: `contender number ${i}`, first_name: `R${i}` }),
        });
        return response.status;
      }),
    );
    expect(statuses).toEqual(Array(20).fill(200));
    const admins = await app.db.select({ username: users.username }).from(users).where(eq(users.isAdmin, true));
    expect(admins).toHaveLength(1);
  });
});

describe('ADMIN_USERNAMES', () => {
  it('names the administrators; the first account then is not one', async () => {
    t = await createTestApp({ ADMIN_USERNAMES: 'Named_Nia, absent_abe' });
    const first = await signUp(t, 'first_fran');
    const named = await signUp(t, 'named_nia');
    expect((await first.get('/admin/')).status).toBe(403);
    expect(adminLink(await (await first.get('/lobby/')).text())).toBe(false);
    expect((await named.get('/admin/')).status).toBe(200);
    const people = (await (await named.get('/admin/', { accept: 'application/json' })).json()) as { people: { username: string; is_admin: boolean }[] };
    expect(people.people.map((p) => [p.username, p.is_admin])).toEqual([
      ['named_nia', true],
      ['first_fran', false],
    ]);
  });
});
