import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validSignup } from '../../support/browser.js';
import { Person } from '../../support/person.js';
import { startTestServers, type TestServers } from '../../support/server.js';
import { LiveClient } from '../../support/socket.js';

// An administrator disables an account: everything of it ends at once, on every socket, and it
// cannot come back until enabled again.
let running: TestServers;
let url: string;
let root: Person; // the first account: the administrator
const opened: LiveClient[] = [];
const PASSWORD = validSignup().password;

beforeAll(async () => {
  running = await startTestServers(1);
  url = running.servers[0]!.url;
  root = await Person.signUp(url, 'root_admin', 'Root');
});
afterAll(async () => {
  await Promise.allSettled(opened.map((client) => client.close()));
  await running?.close();
});

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });
const tokenPair = async (username: string) => fetch(`${url}/api/token/`, json({ username, password: PASSWORD }));

async function signInForm(username: string) {
  return fetch(`${url}/login/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url },
    body: new URLSearchParams({ username, password: PASSWORD }),
    redirect: 'manual',
  });
}

const open = async (path: string, headers: Record<string, string>) => {
  const client = await LiveClient.open(`${url}${path}`, headers);
  opened.push(client);
  return client;
};

describe('disabling an account', () => {
  it('closes every socket of theirs with 4001, ends sessions and tokens, and refuses sign-in with a clear message', async () => {
    const troll = await Person.signUp(url, 'troll_tim', 'Tim');
    const { access, refresh } = (await (await tokenPair('troll_tim')).json()) as { access: string; refresh: string };
    const slug = await root.createRoom('Moderated');
    const bystander = await Person.signUp(url, 'bystander_bea', 'Bea');
    const sockets = {
      room: await troll.enter(slug, opened),
      lobby: await open('/lobby/ws/', { cookie: troll.cookie, origin: url }),
      bearer: await open(`/lobby/${slug}/ws/`, { authorization: `Bearer ${access}` }),
      oldApp: await open(`/ws/chat/${slug}/?token=${access}`, {}),
    };
    const bystanderSocket = await bystander.enter(slug, opened);

    const answer = await root.request('POST', '/admin/people/troll_tim/disabled/');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ user: { username: 'troll_tim', is_admin: false }, sessions_ended: 1 });
    expect((answer.body.user as { disabled_at: string }).disabled_at).toMatch(/^\d{4}-/);

    for (const [which, socket] of Object.entries(sockets)) expect(await socket.waitForClose(), which).toBe(4001);
    expect(bystanderSocket.closed).toBe(false);
    // The session, the access token and the refresh token are all refused now.
    expect((await troll.request('GET', '/')).body.user).toBeNull();
    expect((await fetch(`${url}/lobby/`, { headers: { authorization: `Bearer ${access}`, accept: 'application/json' } })).status).toBe(401);
    expect((await fetch(`${url}/api/token/refresh/`, json({ refresh }))).status).toBe(401);
    // Signing in is refused, and says why (only to someone who knows the password).
    const form = await signInForm('troll_tim');
    expect(form.status).toBe(403);
    expect(await form.text()).toContain('This account has been disabled by an administrator.');
    const api = await tokenPair('troll_tim');
    expect(api.status).toBe(403);
    expect(await api.json()).toMatchObject({ error: 'This account has been disabled by an administrator.' });
    const wrong = await fetch(`${url}/api/token/`, json({ username: 'troll_tim', password: 'not the password at all' }));
    expect(wrong.status).toBe(401);
    // The administrator's list says so.
    const page = await (await fetch(`${url}/admin/`, { headers: { cookie: root.cookie } })).text();
    expect(page).toMatch(/id="person-troll_tim" class="person person-disabled"[\s\S]*?disabled<\/span>[\s\S]*?>\s*Enable\s*</);
  });

  it('is undone by enabling: they sign in again', async () => {
    await Person.signUp(url, 'second_chance', 'Sue');
    expect((await root.request('POST', '/admin/people/second_chance/disabled/')).status).toBe(200);
    expect((await signInForm('second_chance')).status).toBe(403);
    // The page's form: POST with _method=DELETE, then back to the list saying what happened.
    const enabled = await fetch(`${url}/admin/people/second_chance/disabled/`, {
      method: 'POST',
      headers: { cookie: root.cookie, origin: url, 'content-type': 'application/x-www-form-urlencoded' },
      body: '_method=DELETE',
      redirect: 'manual',
    });
    expect(enabled.status).toBe(303);
    const back = enabled.headers.get('location')!;
    expect(back).toMatch(/^\/admin\/\?done=enabled&who=second_chance/);
    expect(await (await fetch(`${url}${back}`, { headers: { cookie: root.cookie } })).text()).toContain('@second_chance is enabled: they can sign in again.');
    const signIn = await signInForm('second_chance');
    expect(signIn.status).toBe(303);
    expect(signIn.headers.get('location')).toBe('/lobby/');
  });

  it('refuses to disable an administrator (oneself included), nobody, or for anyone but an administrator', async () => {
    const self = await root.request('POST', '/admin/people/root_admin/disabled/');
    expect(self.status).toBe(403);
    expect(self.body.error).toBe('Administrators cannot be disabled (yourself included).');
    expect((await root.request('GET', '/')).body.user).toMatchObject({ username: 'root_admin' });

    expect((await root.request('POST', '/admin/people/nobody_here/disabled/')).status).toBe(404);

    const member = await Person.signUp(url, 'plain_pat', 'Pat');
    const attempt = await member.request('POST', '/admin/people/root_admin/disabled/');
    expect(attempt.status).toBe(403);
    expect(attempt.body.error).toBe('Only an administrator can do that.');
    // Nothing changed: root still signs in.
    expect((await signInForm('root_admin')).status).toBe(303);
  });

  it('comes only from Hubbub’s own pages: another site’s form is refused', async () => {
    await Person.signUp(url, 'target_tom', 'Tom');
    const forged = await fetch(`${url}/admin/people/target_tom/disabled/`, {
      method: 'POST',
      headers: { cookie: root.cookie, origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
      redirect: 'manual',
    });
    expect(forged.status).toBe(403);
    expect((await signInForm('target_tom')).status).toBe(303);
  });
});
