import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../support/app.js';
import { Browser, validSignup } from '../../support/browser.js';

let t: TestApp;
const OLD = validSignup().password;
const NEW = 'a fresh and longer passphrase 2026';

beforeAll(async () => {
  t = await createTestApp({ SIGNIN_FREE_FAILURES: '3' });
});
afterAll(() => t.close());

const signedIn = async (username: string, password = OLD) => {
  const browser = new Browser(t.app);
  expect((await browser.post('/login/', { username, password })).status).toBe(303);
  return browser;
};
const whoAmI = async (browser: Browser) => (await (await browser.get('/', { accept: 'application/json' })).json()).user;

describe('changing one’s password', () => {
  it('needs the current password, signs every other session out, keeps this one, and the new one works', async () => {
    await new Browser(t.app).post('/signup/', validSignup({ username: 'changing_cy' }));
    const here = await signedIn('changing_cy');
    const elsewhere = await signedIn('changing_cy');
    const page = await here.get('/account/');
    expect(await page.text()).toContain('Change your password');

    const changed = await here.post('/account/password/', { current_password: OLD, new_password: NEW });
    expect(changed.status).toBe(303);
    expect(changed.headers.get('location')).toBe('/account/?changed=password');
    expect(await (await here.get('/account/?changed=password')).text()).toContain('Your password is changed');
    expect(await whoAmI(here)).toMatchObject({ username: 'changing_cy' });
    expect(await whoAmI(elsewhere)).toBeNull();
    expect((await new Browser(t.app).post('/login/', { username: 'changing_cy', password: OLD })).status).toBe(401);
    await signedIn('changing_cy', NEW);
  });

  it('refuses a wrong current password by name, keeps nothing typed, and throttles guessing', async () => {
    await new Browser(t.app).post('/signup/', validSignup({ username: 'guarded_gil' }));
    const browser = await signedIn('guarded_gil');
    const wrong = await browser.post('/account/password/', { current_password: 'not it at all', new_password: NEW });
    expect(wrong.status).toBe(422);
    const html = await wrong.text();
    expect(html).toContain('That is not your current password.');
    expect(html).not.toContain(NEW);
    for (let i = 0; i < 3; i++) await browser.post('/account/password/', { current_password: `guess ${i}`, new_password: NEW });
    const throttled = await browser.post('/account/password/', { current_password: OLD, new_password: NEW }, { accept: 'application/json' });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).not.toBeNull();
    expect((await new Browser(t.app).post('/login/', { username: 'guarded_gil', password: OLD })).status).toBe(429);
  });

  it('holds the new password to the same rules as sign-up', async () => {
    await new Browser(t.app).post('/signup/', validSignup({ username: 'rules_rae' }));
    const browser = await signedIn('rules_rae');
    const answer = async (new_password: string) => {
      const response = await browser.post('/account/password/', { current_password: OLD, new_password }, { accept: 'application/json' });
      return { status: response.status, fields: (await response.json()).fields };
    };
    expect(await answer('short')).toMatchObject({ status: 422, fields: { new_password: expect.stringContaining('at least 8') } });
    expect(await answer('password123')).toMatchObject({ status: 422, fields: { new_password: expect.stringContaining('common') } });
    expect(await answer('RULES_RAE')).toMatchObject({ status: 422 });
    expect((await new Browser(t.app).post('/login/', { username: 'rules_rae', password: OLD })).status).toBe(303);
  });

  it('is not there for guests or for people who are not signed in', async () => {
    const guest = new Browser(t.app);
    await guest.post('/guest/');
    expect((await guest.post('/account/password/', { current_password: 'x', new_password: NEW })).status).toBe(403);
    expect(await (await guest.get('/account/')).text()).toContain('Guests have no password');
    const anonymous = await new Browser(t.app).get('/account/');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/');
  });
});
