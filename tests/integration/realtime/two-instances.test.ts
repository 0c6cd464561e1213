import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validSignup } from '../../support/browser.js';
import { startTestServers, type TestServers } from '../../support/server.js';
import { Person } from '../../support/person.js';
import { hasItem, isPresence, item, LiveClient, notice } from '../../support/socket.js';
import { until } from '../../support/signal.js';

// Only meaningful with a shared PostgreSQL and Redis: vitest.config.ts runs this file only when both are set.
const METRICS_TOKEN = 'two-instances-metrics-token';
{
  let running: TestServers;
  let one: string;
  let two: string;
  let ada: Person; // on instance one
  let bob: Person; // on instance two
  const open: LiveClient[] = [];

  beforeAll(async () => {
    running = await startTestServers(2, { env: { METRICS_TOKEN } });
    [one, two] = running.servers.map((server) => server.url) as [string, string];
    ada = await Person.signUp(one, 'ada_one', 'Ada');
    bob = (await Person.signUp(one, 'bob_two', 'Bob')).at(two);
  });

  afterAll(async () => {
    await Promise.allSettled(open.map((client) => client.close()));
    await running?.close();
  });

  const enter = (who: Person, slug: string) => who.enter(slug, open);
  /** How many times an instance has read a room's log to deliver (from its /metrics). */
  const logReads = async (url: string) => {
    const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    return Number(/^hubbub_room_log_reads_total (\d+)$/m.exec(text)?.[1]);
  };

  describe('two instances sharing PostgreSQL and Redis', () => {
    it('carry messages, edits and deletes from one instance’s sockets to the other’s', async () => {
      const slug = await ada.createRoom('Across');
      const [adaTab, bobTab] = [await enter(ada, slug), await enter(bob, slug)];

      const fromOne = await ada.say(slug, 'sent through instance one');
      await bobTab.waitFor('the message from instance one', hasItem(fromOne, 'sent through instance one'));
      const fromTwo = await bob.say(slug, 'sent through instance two');
      await adaTab.waitFor('the message from instance two', hasItem(fromTwo, 'sent through instance two'));

      expect((await ada.edit(slug, fromOne, 'edited on one')).status).toBe(200);
      const edited = await bobTab.waitFor('the edit from instance one', hasItem(fromOne, 'edited on one'));
      expect(item(edited, fromOne)).toContain('(edited)');
      expect((await bob.remove(slug, fromTwo)).status).toBe(200);
      await adaTab.waitFor('the delete from instance two', hasItem(fromTwo, 'This message was deleted.'));
      await bobTab.waitFor('its own delete, too', hasItem(fromTwo, 'This message was deleted.'));
    });

    it('send a new message to the other instance’s sockets as it was stored, without a read of the log there', async () => {
      const slug = await ada.createRoom('Handed Across');
      const [adaTab, bobTab] = [await enter(ada, slug), await enter(bob, slug)];
      await new Promise((resolve) => setTimeout(resolve, 50));
      const [oneBefore, twoBefore] = [await logReads(one), await logReads(two)];
      const seqs = [];
      for (const text of ['first across', 'second across', 'third across']) {
        const seq = await ada.say(slug, text);
        seqs.push(seq);
        await bobTab.waitFor(text, hasItem(seq, text));
        await adaTab.waitFor(text, hasItem(seq, text));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(bobTab.itemSeqs().slice(-3)).toEqual(seqs);
      expect(await logReads(two), 'instance two read nothing').toBe(twoBefore);
      expect(await logReads(one), 'instance one read nothing').toBe(oneBefore);
      // An edit carries no row: the other instance reads it from the log.
      expect((await ada.edit(slug, seqs[0]!, 'first, edited')).status).toBe(200);
      await bobTab.waitFor('the edit', hasItem(seqs[0]!, 'first, edited'));
      expect(await logReads(two)).toBe(twoBefore + 1);
    });

    it('show each other in the presence list, with join and leave notices across instances', async () => {
      const slug = await ada.createRoom('Presence Across');
      const adaTab = await enter(ada, slug);
      const bobTab = await enter(bob, slug);
      await bobTab.waitFor('both in the list on instance two', isPresence('Ada', 'Bob'));
      await adaTab.waitFor('both in the list on instance one', isPresence('Ada', 'Bob'));
      await adaTab.waitFor('the joined notice on instance one', notice('Bob joined the room'));

      const since = adaTab.frames.length;
      await bobTab.close();
      await adaTab.waitFor('the left notice on instance one', notice('Bob left the room'), { since });
      await adaTab.waitFor('Ada alone on instance one', isPresence('Ada'), { since });
    });

    it('close a session’s sockets on every instance when it signs out', async () => {
      const cy = await Person.signUp(one, 'cy_both', 'Cy');
      const slug = await ada.createRoom('Sign Out Across');
      const [onOne, onTwo] = [await enter(cy, slug), await enter(cy.at(two), slug)];
      const response = await fetch(`${one}/logout/`, { method: 'POST', headers: { cookie: cy.cookie, origin: one }, redirect: 'manual' });
      expect(response.status).toBe(303);
      expect(await onOne.waitForClose()).toBe(4001);
      expect(await onTwo.waitForClose()).toBe(4001);
      // Instance two had just read the session (the socket's handshake): it must not honour it now.
      const lobbyOnTwo = await fetch(`${two}/lobby/`, { headers: { cookie: cy.cookie }, redirect: 'manual' });
      expect(lobbyOnTwo.status).toBe(303);
      expect(lobbyOnTwo.headers.get('location')).toBe('/');
    });

    it('close a disabled person’s sockets on every instance, those opened with an access token too', async () => {
      const dee = await Person.signUp(one, 'dee_disabled', 'Dee');
      const slug = await ada.createRoom('Disabled Across');
      const tokens = await fetch(`${two}/api/token/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'dee_disabled', password: validSignup().password }) });
      const { access } = (await tokens.json()) as { access: string };
      const onTwo = await enter(dee.at(two), slug);
      const bearerOnTwo = await LiveClient.open(`${two}/lobby/${slug}/ws/`, { authorization: `Bearer ${access}` });
      open.push(bearerOnTwo);
      // Ada, the first account, is the administrator; she acts on instance one.
      expect((await ada.request('POST', '/admin/people/dee_disabled/disabled/')).status).toBe(200);
      expect(await onTwo.waitForClose()).toBe(4001);
      expect(await bearerOnTwo.waitForClose()).toBe(4001);
      const lobbyOnTwo = await fetch(`${two}/lobby/`, { headers: { cookie: dee.cookie }, redirect: 'manual' });
      expect(lobbyOnTwo.status).toBe(303);
    });

    it('close a deleted room’s sockets on every instance with 4005', async () => {
      const slug = await ada.createRoom('Deleted Across');
      const bobTab = await enter(bob, slug);
      expect((await ada.request('DELETE', `/lobby/${slug}/`)).status).toBe(200);
      expect(await bobTab.waitForClose()).toBe(4005);
    });

    it('forget a room deleted on the other instance, which they had read for a socket or a send', async () => {
      const slug = await ada.createRoom('Read Then Deleted');
      // Instance two reads the room for Bob's socket and his send, then follows it no longer.
      const bobTab = await enter(bob, slug);
      await bob.say(slug, 'hello');
      await bobTab.close();
      // A plain GET of the socket's address finds the room (426: sockets only) or not (404).
      const socketAddress = () => fetch(`${two}/lobby/${slug}/ws/`, { headers: { cookie: bob.cookie } });
      expect((await socketAddress()).status).toBe(426);

      expect((await ada.request('DELETE', `/lobby/${slug}/`)).status).toBe(200);
      await until('instance two forgets the room', async () => (await socketAddress()).status === 404);
      expect((await bob.request('POST', `/lobby/${slug}/messages/`, { body: 'anyone?' })).status).toBe(404);
    });

    it('leave no presence behind in Redis once both instances stop', async () => {
      const slug = await ada.createRoom('Last Call');
      await enter(ada, slug);
      await enter(bob, slug);
      const { leftPresenceKeys } = await running.close();
      expect(leftPresenceKeys).toEqual([]);
    });
  });
}
