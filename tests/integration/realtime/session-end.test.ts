import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Person } from '../../support/person.js';
import { startTestServers, type TestServers } from '../../support/server.js';
import type { LiveClient } from '../../support/socket.js';

// Sessions here end after 2 s without use, so expiry can be watched happening.
let running: TestServers;
let url: string;
const open: LiveClient[] = [];

beforeAll(async () => {
  running = await startTestServers(1, { env: { SESSION_IDLE_TIMEOUT: '2' } });
  url = running.servers[0]!.url;
});
afterAll(async () => {
  await Promise.allSettled(open.map((client) => client.close()));
  await running?.close();
});

describe('when a session ends while its sockets are open', () => {
  it('closes the room and lobby sockets with 4001, which tells the page not to reconnect', async () => {
    const ada = await Person.signUp(url, 'expiring_ada', 'Ada');
    const roomTab = await ada.enter('game', open);
    const lobbyTab = await ada.open('/lobby/ws/');
    open.push(lobbyTab);
    expect(await roomTab.waitForClose(8000)).toBe(4001);
    expect(await lobbyTab.waitForClose(8000)).toBe(4001);
    // And the session is really over: the page now sends the person to sign in.
    const page = await fetch(`${url}/lobby/game/`, { headers: { cookie: ada.cookie }, redirect: 'manual' });
    expect(page.status).toBe(303);
  });

  it('keeps the socket open while the person is active, since activity pushes the expiry on', async () => {
    const bob = await Person.signUp(url, 'active_bob', 'Bob');
    const tab = await bob.enter('study', open);
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      // Any request with the cookie counts as use and pushes the idle expiry on.
      expect((await fetch(`${url}/lobby/`, { headers: { cookie: bob.cookie }, redirect: 'manual' })).status).toBe(200);
    }
    expect(tab.closed).toBe(false);
  });
});
