import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../support/app.js';
import { Browser, validSignup } from '../../support/browser.js';

// What the operator's log holds after sign-ins, failures and hostile names: every line one JSON
// object, sign-in attempts recorded with name, address and outcome, no secret anywhere.
const lines: string[] = [];
const logTo = { write: (chunk: string) => void lines.push(...chunk.split('\n').filter(Boolean)) };
let t: TestApp;
const PASSWORD = validSignup().password;

beforeAll(async () => {
  t = await createTestApp({ LOG_LEVEL: 'info', SIGNIN_FREE_FAILURES: '1' }, { logTo });
  await new Browser(t.app).post('/signup/', validSignup({ username: 'logged_lu' }));
});
afterAll(() => t.close());

const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
const signIns = () => entries().filter((entry) => entry.event === 'sign-in');

describe('the log', () => {
  it('records each sign-in attempt with the name, the client address and the outcome', async () => {
    const browser = new Browser(t.app);
    await browser.post('/login/', { username: 'logged_lu', password: 'wrong password here' });
    await browser.post('/login/', { username: 'logged_lu', password: 'wrong password again' });
    await browser.post('/login/', { username: 'logged_lu', password: PASSWORD });
    expect(signIns().map((entry) => [entry.username, entry.outcome])).toEqual([
      ['logged_lu', 'wrong-credentials'],
      ['logged_lu', 'wrong-credentials'],
      ['logged_lu', 'throttled'],
    ]);
    expect(signIns().every((entry) => typeof entry.address === 'string' && entry.address.length > 0)).toBe(true);
  });

  it('never contains a password, a session cookie or a token', async () => {
    const browser = new Browser(t.app);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await browser.post('/login/', { username: 'logged_lu', password: PASSWORD });
    expect(signIns().at(-1)).toMatchObject({ username: 'logged_lu', outcome: 'success' });
    const tokens = await (await browser.send('/api/token/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'logged_lu', password: PASSWORD }) })).json();
    const cookie = [...browser.cookies.values()][0]!;
    const log = lines.join('\n');
    for (const secret of [PASSWORD, 'wrong password here', cookie, tokens.access, tokens.refresh]) expect(log).not.toContain(secret);
  });

  it('cannot be forged by a name holding newlines, quotes or JSON', async () => {
    // Within the 64 characters a sign-in name may have.
    const forged = 'x"\n{"event":"sign-in","outcome":"success","username":"admin"}\r\n';
    const before = lines.length;
    await new Browser(t.app).post('/login/', { username: forged, password: 'whatever it is' });
    // Every line written is one whole JSON object; exactly one of them is the attempt, with the name intact.
    const added = lines.slice(before).map((line) => JSON.parse(line) as Record<string, unknown>);
    const attempts = added.filter((entry) => entry.event === 'sign-in');
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ username: forged.trim(), outcome: 'wrong-credentials' });
    expect(signIns().filter((entry) => entry.username === 'admin')).toHaveLength(0);
  });

  it('records refusals (another site, over a limit) with status, path, address and user', async () => {
    await new Browser(t.app).post('/logout/', {}, { origin: 'https://evil.example' });
    const refused = entries().filter((entry) => entry.event === 'refused');
    expect(refused.at(-1)).toMatchObject({ status: 403, method: 'POST', path: expect.stringMatching(/^\/logout\/?$/), origin: 'https://evil.example' });
    expect(refused.some((entry) => entry.status === 429 && String(entry.path).startsWith('/login'))).toBe(true);
  });
});
