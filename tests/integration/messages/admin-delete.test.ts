import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Person } from '../../support/person.js';
import { startTestServers, type TestServers } from '../../support/server.js';
import { hasItem, item, type LiveClient } from '../../support/socket.js';

// An administrator deletes anyone's message, the same delete its author has: a new seq, live to all.
let running: TestServers;
let url: string;
let root: Person; // the first account: the administrator
let ada: Person;
let bob: Person;
const opened: LiveClient[] = [];

beforeAll(async () => {
  running = await startTestServers(1);
  url = running.servers[0]!.url;
  root = await Person.signUp(url, 'root_moderator', 'Root');
  ada = await Person.signUp(url, 'ada_author', 'Ada');
  bob = await Person.signUp(url, 'bob_reader', 'Bob');
});
afterAll(async () => {
  await Promise.allSettled(opened.map((client) => client.close()));
  await running?.close();
});

const deleteForm = (seq: number) => new RegExp(`action="/lobby/[a-z0-9-]+/messages/${seq}/"[^>]*class="delete-form"`);
const editForm = (seq: number) => `id="edit-${seq}"`;

describe('an administrator deleting a message', () => {
  it('removes someone else’s message for everyone, live, as a tombstone', async () => {
    const slug = await ada.createRoom('Moderated Talk');
    const seq = await ada.say(slug, 'something regrettable');
    const [adaTab, bobTab] = [await ada.enter(slug, opened), await bob.enter(slug, opened)];

    const answer = await root.request('DELETE', `/lobby/${slug}/messages/${seq}/`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ seq, body: null, author: { username: 'ada_author' } });
    for (const tab of [adaTab, bobTab]) {
      const frame = await tab.waitFor('the tombstone', hasItem(seq, 'This message was deleted.'));
      expect(item(frame, seq)).not.toContain('something regrettable');
    }
    const history = await bob.request('GET', `/lobby/${slug}/messages/`);
    expect((history.body.messages as { seq: number; body: string | null }[]).find((m) => m.seq === seq)?.body).toBeNull();
  });

  it('has a delete button on every message (edit only on its own); others have them only on their own', async () => {
    const slug = await ada.createRoom('Buttons');
    const adas = await ada.say(slug, 'from ada');
    const roots = await root.say(slug, 'from root');
    const asRoot = await (await fetch(`${url}/lobby/${slug}/`, { headers: { cookie: root.cookie } })).text();
    expect(asRoot).toMatch(deleteForm(adas));
    expect(asRoot).toMatch(deleteForm(roots));
    expect(asRoot).not.toContain(editForm(adas));
    expect(asRoot).toContain(editForm(roots));
    const asBob = await (await fetch(`${url}/lobby/${slug}/`, { headers: { cookie: bob.cookie } })).text();
    expect(asBob).not.toMatch(deleteForm(adas));
    expect(asBob).not.toMatch(deleteForm(roots));

    // Live too: the administrator's socket gets the delete form on a new message of Ada's; Bob's does not.
    const [rootTab, bobTab] = [await root.enter(slug, opened), await bob.enter(slug, opened)];
    const fresh = await ada.say(slug, 'arrives live');
    expect(item(await rootTab.waitFor('the new message', hasItem(fresh)), fresh)).toMatch(deleteForm(fresh));
    expect(item(await bobTab.waitFor('the new message', hasItem(fresh)), fresh)).not.toMatch(deleteForm(fresh));
  });

  it('works by the page’s plain form, but an administrator still cannot edit someone else’s message', async () => {
    const slug = await ada.createRoom('Plain Forms');
    const seq = await ada.say(slug, 'keep my words');
    const edit = await root.request('PATCH', `/lobby/${slug}/messages/${seq}/`, { body: 'words put in her mouth' });
    expect(edit.status).toBe(403);
    const removed = await fetch(`${url}/lobby/${slug}/messages/${seq}/`, {
      method: 'POST',
      headers: { cookie: root.cookie, origin: url, 'content-type': 'application/x-www-form-urlencoded' },
      body: '_method=DELETE',
      redirect: 'manual',
    });
    expect(removed.status).toBe(303);
    const page = await (await fetch(`${url}/lobby/${slug}/`, { headers: { cookie: ada.cookie } })).text();
    expect(page).toContain('This message was deleted.');
    expect(page).not.toContain('keep my words');
  });

  it('is refused to anyone else', async () => {
    const slug = await ada.createRoom('Not Yours');
    const seq = await ada.say(slug, 'mine alone');
    expect((await bob.request('DELETE', `/lobby/${slug}/messages/${seq}/`)).status).toBe(403);
    const history = await ada.request('GET', `/lobby/${slug}/messages/`);
    expect((history.body.messages as { body: string }[])[0]?.body).toBe('mine alone');
  });
});
