import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, validSignup } from '../../support/browser.js';
import { createTestApp, type TestApp } from '../../support/app.js';

let t: TestApp;
let victim: Browser;

beforeAll(async () => {
  t = await createTestApp();
  victim = new Browser(t.app);
  await victim.post('/signup/', validSignup({ username: 'victim' }));
});
afterAll(() => t.close());

describe('cross-site requests', () => {
  it('refuses a sign-out posted from another site and keeps the session', async () => {
    const response = await victim.post('/logout/', {}, { origin: 'https://evil.example' });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('came from another site');
    expect((await victim.get('/lobby/')).status).toBe(200);
  });

  it('refuses by Sec-Fetch-Site when the browser sends no Origin', async () => {
    for (const site of ['cross-site', 'same-site']) {
      const response = await victim.send('/logout/', { method: 'POST', headers: { 'sec-fetch-site': site } });
      expect(response.status).toBe(403);
    }
    expect((await victim.get('/lobby/')).status).toBe(200);
  });

  it('refuses a login forged from another site (login CSRF)', async () => {
    const response = await new Browser(t.app).post('/login/', { username: 'victim', password: 'x' }, { origin: 'null' });
    expect(response.status).toBe(403);
  });

  it('accepts same-origin posts', async () => {
    const browser = new Browser(t.app);
    await browser.post('/signup/', validSignup({ username: 'samesite' }));
    const response = await browser.post('/logout/', {}, { 'sec-fetch-site': 'same-origin' });
    expect(response.status).toBe(303);
  });

  it('checks against PUBLIC_ORIGIN when it is configured', async () => {
    const proxied = await createTestApp({ PUBLIC_ORIGIN: 'https://chat.example.com' });
    try {
      // Behind a proxy the app sees http://internal; the browser's origin is the public one.
      const ok = await new Browser(proxied.app, 'http://internal').post('/guest/', {}, { origin: 'https://chat.example.com' });
      expect(ok.status).toBe(303);
      const forged = await new Browser(proxied.app, 'http://internal').post('/guest/', {}, { origin: 'http://internal' });
      expect(forged.status).toBe(403);
    } finally {
      await proxied.close();
    }
  });

  it('answers JSON clients with a JSON error', async () => {
    const response = await victim.post('/logout/', {}, { origin: 'https://evil.example', accept: 'application/json' });
    expect(response.status).toBe(403);
    expect((await response.json()).error).toContain('another site');
  });
});
