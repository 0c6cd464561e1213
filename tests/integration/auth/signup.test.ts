import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, validSignup } from '../../support/browser.js';
import { createTestApp, type TestApp } from '../../support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('sign up', () => {
  it('shows a form with at least 12 icons to choose from', async () => {
    const page = await (await new Browser(t.app).get('/signup/')).text();
    for (const field of ['username', 'first_name', 'last_name', 'password']) expect(page).toContain(`name="${field}"`);
    expect(page.match(/type="radio" name="icon"/g)?.length).toBeGreaterThanOrEqual(12);
  });

  it('creates the account, signs the person in and lands them in the lobby', async () => {
    const browser = new Browser(t.app);
    const response = await browser.post('/signup/', validSignup({ username: 'grace', first_name: 'Grace' }));
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/lobby/');
    const lobby = await browser.get('/lobby/');
    expect(lobby.status).toBe(200);
    const html = await lobby.text();
    expect(html).toContain('Welcome, Grace');
    expect(html).toContain('/static/icons/owl.svg');
  });

  it('refuses a name that differs only in letter case, keeping what was typed except the password', async () => {
    await new Browser(t.app).post('/signup/', validSignup({ username: 'alice' }));
    const response = await new Browser(t.app).post(
      '/signup/',
      validSignup({ username: 'Alice', first_name: 'Alicia', password: 'my secret phrase 77' }),
    );
    expect(response.status).toBe(409);
    const html = await response.text();
    expect(html).toContain('The username Alice is taken');
    expect(html).toContain('value="Alice"');
    expect(html).toContain('value="Alicia"');
    expect(html).not.toContain('my secret phrase 77');
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it.each([
    [{ username: 'ab' }, 'username', 'at least 3 characters'],
    [{ username: 'a'.repeat(33) }, 'username', 'at most 32 characters'],
    [{ username: 'ada lovelace' }, 'username', 'only letters, digits and _'],
    [{ username: 'guest_ada' }, 'username', 'kept for guests'],
    [{ first_name: '   ' }, 'first_name', 'Tell us your first name'],
    [{ password: 'short' }, 'password', 'at least 8 characters'],
    [{ password: 'x'.repeat(257) }, 'password', 'at most 256 characters'],
    [{ password: 'password1' }, 'password', 'most common'],
    [{ password: 'Football' }, 'password', 'most common'],
    [{ username: 'ada_secret_1', password: 'ADA_SECRET_1' }, 'password', 'must not be your username'],
    [{ icon: 'unicorn' }, 'icon', 'Pick one of the icons'],
  ])('refuses %o with a message next to the %s field', async (overrides, field, message) => {
    const response = await new Browser(t.app).post('/signup/', validSignup(overrides));
    expect(response.status).toBe(422);
    const html = await response.text();
    expect(html).toContain(`id="${field}-error"`);
    expect(html).toContain(message);
    if (field !== 'username' && 'username' in overrides === false) expect(html).toContain('value="ada_lovelace"');
  });

  it('counts password length in characters, exactly as typed', async () => {
    // Seven emoji are 14 UTF-16 units but 7 characters: too short.
    const seven = '🦊🦉🐱🐶🐻🐼🐸';
    const short = await new Browser(t.app).post('/signup/', validSignup({ username: 'emoji_one', password: seven }));
    expect(short.status).toBe(422);
    const browser = new Browser(t.app);
    const ok = await browser.post('/signup/', validSignup({ username: 'emoji_two', password: `${seven}🐧` }));
    expect(ok.status).toBe(303);
    // Spaces are part of the password: signing in without them fails.
    const spaced = new Browser(t.app);
    await spaced.post('/signup/', validSignup({ username: 'spaced', password: '  padded phrase  ' }));
    expect((await new Browser(t.app).post('/login/', { username: 'spaced', password: 'padded phrase' })).status).toBe(401);
    expect((await new Browser(t.app).post('/login/', { username: 'spaced', password: '  padded phrase  ' })).status).toBe(303);
  });

  it('keeps a refused signup from writing anything', async () => {
    await new Browser(t.app).post('/signup/', validSignup({ username: 'nobody_here', password: 'short' }));
    const login = await new Browser(t.app).post('/login/', { username: 'nobody_here', password: 'short' });
    expect(login.status).toBe(401);
  });
});
