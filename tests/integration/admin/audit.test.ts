import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../support/app.js';
import { Browser, validSignup } from '../../support/browser.js';

// Every administrator action is in the operator's log (who, on whom, what), without secrets; and
// administrators spend the same per-person write budget as everyone.
const lines: string[] = [];
const logTo = { write: (chunk: string) => void lines.push(...chunk.split('\n').filter(Boolean)) };
let t: TestApp;
const root = () => new Browser(t.app);
let admin: Browser;

beforeAll(async () => {
  t = await createTestApp({ LOG_LEVEL: 'info', RATE_LIMIT_MESSAGES: '6' }, { logTo });
  admin = root();
  await admin.post('/signup/', validSignup({ username: 'root_audit' }));
  for (const username of ['ann_audit', 'ben_audit']) await new Browser(t.app).post('/signup/', validSignup({ username }));
});
afterAll(() => t.close());

const events = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => String(entry.event).startsWith('admin-'));
const json = { accept: 'application/json' };

describe('administrator actions', () => {
  it('are logged with the administrator, the target and the action, and never a secret', async () => {
    const ann = new Browser(t.app);
    await ann.post('/login/', { username: 'ann_audit', password: validSignup().password });
    const room = (await (await ann.post('/lobby/', { name: 'Audit Room', image: 'chat' }, json)).json()) as { slug: string };
    const message = (await (await ann.post(`/lobby/${room.slug}/messages/`, { body: 'to be removed' }, json)).json()) as { seq: number };

    expect((await admin.post(`/lobby/${room.slug}/messages/${message.seq}/`, { _method: 'DELETE' }, json)).status).toBe(200);
    expect((await admin.post(`/lobby/${room.slug}/`, { _method: 'PATCH', name: 'Audited Room' }, json)).status).toBe(200);
    expect((await admin.post('/admin/people/ann_audit/disabled/', {}, json)).status).toBe(200);
    expect((await admin.post('/admin/people/ann_audit/disabled/', { _method: 'DELETE' }, json)).status).toBe(200);
    expect((await admin.post(`/lobby/${room.slug}/`, { _method: 'DELETE' }, json)).status).toBe(200);

    const adminId = events()[0]!.adminId;
    expect(typeof adminId).toBe('number');
    expect(events().map(({ event, targetId }) => [event, typeof targetId])).toEqual([
      ['admin-message-deleted', 'number'],
      ['admin-room-renamed', 'number'],
      ['admin-user-disabled', 'number'],
      ['admin-user-enabled', 'number'],
      ['admin-room-deleted', 'number'],
    ]);
    for (const entry of events()) expect(entry.adminId).toBe(adminId);
    // Ann's two sessions: the one she signed up with and the one she signed in with.
    expect(events()[2]).toMatchObject({ sessionsEnded: 2 });
    const cookies = [...admin.cookies.values(), ...ann.cookies.values()];
    for (const line of lines) {
      expect(line).not.toContain(validSignup().password);
      for (const cookie of cookies) expect(line).not.toContain(cookie);
    }
  });

  it('count against the per-person write budget (429 with Retry-After)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await admin.post('/admin/people/ben_audit/disabled/', i % 2 ? { _method: 'DELETE' } : {}, json)).status);
    expect(statuses).toContain(429);
    const refused = await admin.post('/admin/people/ben_audit/disabled/', {}, json);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
