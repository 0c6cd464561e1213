import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validSignup } from '../../support/browser.js';
import { Person } from '../../support/person.js';
import { startTestServers, type TestServers } from '../../support/server.js';
import { LiveClient } from '../../support/socket.js';

let servers: TestServers;
const url = () => servers.servers[0]!.url;
const opened: LiveClient[] = [];

beforeAll(async () => {
  servers = await startTestServers(1);
});
afterAll(async () => {
  await Promise.all(opened.map((client) => client.close()));
  await servers.close();
});

async function signIn(username: string): Promise<Person> {
  const response = await fetch(`${url()}/login/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url() },
    body: new URLSearchParams({ username, password: validSignup().password }),
    redirect: 'manual',
  });
  const cookie = response.headers.getSetCookie().find((line) => line.startsWith('hubbub_session='))!;
  return new Person(url(), cookie.split(';')[0]!, 'Eve');
}

describe('signing out everywhere', () => {
  it('ends every session of the person, closes their sockets (4001) and revokes refresh tokens', async () => {
    const laptop = await Person.signUp(url(), 'everywhere_eve', 'Eve');
    const phone = await signIn('everywhere_eve');
    const tokens = await (
      await fetch(`${url()}/api/token/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'everywhere_eve', password: validSignup().password }) })
    ).json();
    const phoneSocket = await phone.enter('game', opened);
    const bystander = await Person.signUp(url(), 'bystander_bo', 'Bo');
    const bystanderSocket = await bystander.enter('game', opened);

    const answer = await laptop.request('POST', '/logout/everywhere/');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ signed_out: true, everywhere: true });

    expect(await phoneSocket.waitForClose()).toBe(4001);
    for (const device of [laptop, phone]) expect((await device.request('GET', '/')).body.user).toBeNull();
    const refresh = await fetch(`${url()}/api/token/refresh/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh: tokens.refresh }) });
    expect(refresh.status).toBe(401);
    // Nobody else is signed out.
    expect((await bystander.request('GET', '/')).body.user).toMatchObject({ username: 'bystander_bo' });
    expect(bystanderSocket.closed).toBe(false);
  });

  it('is offered on the account page (linked from every signed-in page), and works without JavaScript', async () => {
    const fay = await Person.signUp(url(), 'button_fay', 'Fay');
    const lobby = await (await fetch(`${url()}/lobby/`, { headers: { cookie: fay.cookie } })).text();
    expect(lobby).toMatch(/<a class="whoami-name" href="\/account\/"/);
    const account = await (await fetch(`${url()}/account/`, { headers: { cookie: fay.cookie } })).text();
    expect(account).toMatch(/<form method="post" action="\/logout\/everywhere\/"[^>]*>[\s\S]*<button type="submit"[^>]*>Sign out everywhere<\/button>/);
    const response = await fetch(`${url()}/logout/everywhere/`, { method: 'POST', headers: { cookie: fay.cookie, origin: url() }, redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/');
    expect(response.headers.getSetCookie().join()).toMatch(/hubbub_session=;/);
  });
});
