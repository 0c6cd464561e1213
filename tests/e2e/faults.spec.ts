import { type Page, type Request, expect, test } from '@playwright/test';
import { FaultProxy } from './fault-proxy.js';
import {
  type Person,
  type RoomRef,
  composer,
  createRoom,
  editMessage,
  enterRoom,
  messageItem,
  messageItems,
  newPerson,
  notices,
  postMessages,
  presentPeople,
  send,
} from './people.js';
import { SocketRelay } from './socket-relay.js';

// A bad network between one person's page and the server: a cut link, lost frames, a half-open socket,
// a server that fails a send, a slow link. Each journey ends with the page showing exactly what the
// server stored (read through the JSON API): every message once, in seq order, nothing else.
// fault-proxy.ts carries the page's real traffic (cut, half-open); socket-relay.ts loses single frames.

interface StoredMessage {
  seq: number;
  body: string | null;
  author: { username: string };
}

/** The room's whole log as the JSON API gives it, oldest first. */
async function storedMessages(person: Person, room: RoomRef): Promise<StoredMessage[]> {
  const all: StoredMessage[] = [];
  let before: number | null = null;
  do {
    const query: string = before === null ? '' : `?before=${before}`;
    const response = await person.page.request.get(`${person.baseURL}/lobby/${room.slug}/messages/${query}`, { headers: { accept: 'application/json' } });
    expect(response.status(), await response.text()).toBe(200);
    const page = (await response.json()) as { messages: StoredMessage[]; next_before: number | null };
    all.unshift(...page.messages);
    before = page.next_before;
  } while (before !== null);
  return all;
}

const describeStored = (messages: StoredMessage[]) => messages.map(({ seq, body }) => `${seq}: ${body ?? '(deleted)'}`);

/** The message items of the page, in the order shown, described like `describeStored`. */
const describeShown = (page: Page) =>
  messageItems(page).evaluateAll((items) =>
    items.map((item) => `${(item as HTMLElement).dataset.seq}: ${item.querySelector('.message-body')?.textContent?.trim() ?? '(deleted)'}`),
  );

/** The page comes to show exactly the stored log (read once; it must not change meanwhile). */
async function expectShowsLog(page: Page, stored: StoredMessage[], timeout = 10_000) {
  const expected = describeStored(stored);
  expect(new Set(stored.map(({ seq }) => seq)).size, 'stored seqs are unique').toBe(stored.length);
  await expect.poll(() => describeShown(page), { timeout, message: 'the page shows every stored message once, in seq order' }).toEqual(expected);
}

/** The POSTs of the page's composer to the room: the client_id of each attempt, as sent. */
function recordSends(page: Page, room: RoomRef): string[] {
  const clientIds: string[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname === `/lobby/${room.slug}/messages/`) clientIds.push(clientIdOf(request));
  });
  return clientIds;
}

function clientIdOf(request: Request): string {
  const body = request.postData() ?? '';
  const type = request.headers()['content-type'] ?? '';
  if (type.startsWith('application/x-www-form-urlencoded')) return new URLSearchParams(body).get('client_id') ?? '';
  return /name="client_id"\r\n\r\n([^\r]*)\r\n/.exec(body)?.[1] ?? '';
}

/** Sends a message and waits for the answer (the composer empties, the message shows), so sends never overlap. */
async function say(page: Page, body: string) {
  await send(page, body);
  await expect(composer(page)).toHaveValue('');
  await expect(messageItem(page, body)).toHaveCount(1);
}

/**
 * A slow link for the page's sends: the first POST to the room waits (before it reaches the server)
 * until `release`; every POST is recorded as `client_id body`.
 */
async function holdFirstSend(page: Page, room: RoomRef) {
  const posts: string[] = [];
  let arrived = () => {};
  let release = () => {};
  const firstArrived = new Promise<void>((resolve) => (arrived = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  await page.route(`**/lobby/${room.slug}/messages/`, async (route) => {
    const request = route.request();
    if (request.method() !== 'POST') return route.fallback();
    posts.push(`${clientIdOf(request)} ${new URLSearchParams(request.postData() ?? '').get('body')}`);
    if (posts.length === 1) {
      arrived();
      await released;
    }
    await route.continue();
  });
  return { posts, firstArrived, release };
}

/** Sends that failed and are being retried: the outbox under the messages. */
const pending = (page: Page) => page.locator('#outbox .pending');
const pendingStatus = (page: Page) => pending(page).locator('.pending-status');
const composerClientId = (page: Page) => page.locator('#composer input[name="client_id"]').inputValue();

/** The page's own view of its sockets: how many opened, and the codes they closed with. */
async function watchSockets(page: Page) {
  await page.context().addInitScript(() => {
    const seen = { opened: 0, closes: [] as number[] };
    Object.assign(window, { e2eSockets: seen });
    document.addEventListener('htmx:ws:after:connection', () => seen.opened++);
    document.addEventListener('htmx:ws:close', (event) => seen.closes.push((event as CustomEvent<{ code: number }>).detail.code));
  });
  type Seen = { opened: number; closes: number[] };
  const seen = () => page.evaluate(() => (window as unknown as { e2eSockets: Seen }).e2eSockets);
  return { opened: async () => (await seen()).opened, closes: async () => (await seen()).closes };
}

/** How long the page lets its socket stay silent (2.5 ping intervals); the e2e server pings often. */
async function silenceLimit(page: Page): Promise<number> {
  const silenceMs = Number(await page.locator('#live').getAttribute('data-silence-ms'));
  expect(silenceMs, 'a short WS_PING_INTERVAL for the e2e server (playwright.config.ts)').toBeLessThanOrEqual(5_000);
  return silenceMs;
}

/** Only what a failing network is expected to log; anything else (a page error, a CSP violation…) is a problem. */
const EXPECTED_WHEN_OFFLINE = [/net::ERR_INTERNET_DISCONNECTED/, /htmx:error: Failed to fetch/, /htmx:ws:error: \[object Event\]/];
const EXPECTED_WHEN_REFUSED = [/WebSocket connection to '[^']+' failed/, /htmx:ws:error: \[object Event\]/];
const unexpected = (problems: string[], expected: RegExp[]) => problems.filter((problem) => !expected.some((pattern) => pattern.test(problem)));

test.describe('a bad network, and the page still shows the room exactly', () => {
  test('a cut link: others keep talking and the person sends; all of it arrives once, in order', async ({ browser }) => {
    const proxy = await FaultProxy.start();
    try {
      const ada = await newPerson(browser, 'Ada', { proxy: proxy.url });
      const bob = await newPerson(browser, 'Bob');
      const room = await createRoom(bob);
      await postMessages(bob, room, ['Before the cut']);
      const sockets = await watchSockets(ada.page);
      const sends = recordSends(ada.page, room);
      await enterRoom(ada, room);
      await enterRoom(bob, room);
      await expectShowsLog(ada.page, await storedMessages(bob, room));
      expect(await sockets.opened()).toBe(1);

      // The connection drops and the machine is offline: the socket closes, sends fail.
      proxy.cut();
      await ada.context.setOffline(true);
      await expect.poll(() => sockets.closes(), { message: "the page's socket closes" }).toContain(1006);
      const bobsWords = Array.from({ length: 20 }, (_, index) => `Bob, while Ada is cut off, #${index + 1}`);
      const bobTalking = postMessages(bob, room, bobsWords);
      const adas = 'Ada, typed while cut off';
      await send(ada.page, adas);
      // Not lost and not pretended: the message waits in the outbox, marked as not sent yet, and the
      // composer is free for the next one.
      await expect(pending(ada.page)).toHaveCount(1);
      await expect(pending(ada.page).locator('.message-body')).toHaveText(adas);
      await expect(pendingStatus(ada.page)).toHaveText('Not sent yet: no connection to the server. Retrying…');
      await expect(pendingStatus(ada.page)).toHaveAttribute('role', 'status');
      await expect(composer(ada.page)).toHaveValue('');
      await bobTalking;
      // It tries again by itself (after 1 s) while the link is still down.
      await expect.poll(() => sends.length, { message: 'the send is retried while offline' }).toBeGreaterThanOrEqual(2);
      await expect(pending(ada.page)).toHaveCount(1);
      expect(await describeShown(ada.page), 'nothing arrives over a cut link').toEqual(['1: Before the cut']);

      // Back online: the send goes at once (the `online` event), and the socket reconnects and catches up.
      const restoredAt = Date.now();
      proxy.restore();
      await ada.context.setOffline(false);
      await expect.poll(async () => (await storedMessages(bob, room)).length, { message: "Ada's message is stored", timeout: 5_000 }).toBe(22);
      const stored = await storedMessages(bob, room);
      expect(stored).toHaveLength(22);
      await expectShowsLog(ada.page, stored, 15_000);
      // Shown as a message now, so no longer in the outbox.
      await expect(pending(ada.page)).toHaveCount(0);
      const caughtUpMs = Date.now() - restoredAt;
      test.info().annotations.push({ type: 'caught up after the link came back', description: `${caughtUpMs} ms` });
      expect(caughtUpMs, 'caught up within seconds of the link coming back').toBeLessThan(10_000);

      // Stored once (every try carried the same client_id), shown once, after Bob's twenty.
      const mine = stored.filter(({ body }) => body === adas);
      expect(mine).toHaveLength(1);
      expect(mine[0]!.author.username).toBe(ada.account.username);
      expect(mine[0]!.seq).toBe(22);
      expect(new Set(sends).size, `one client_id for every try: ${sends.join(', ')}`).toBe(1);
      expect(sends[0]).toMatch(/^[A-Za-z0-9._:-]{1,100}$/);
      // The next message gets a client_id of its own.
      expect(await composerClientId(ada.page)).not.toBe(sends[0]);
      await expectShowsLog(bob.page, stored);

      expect(unexpected(ada.problems, EXPECTED_WHEN_OFFLINE)).toEqual([]);
      expect(bob.problems).toEqual([]);
      await Promise.all([ada.context.close(), bob.context.close()]);
    } finally {
      await proxy.close();
    }
  });

  test("lost frames: one's own echo, and another person's message, which the next frame brings back", async ({ browser }) => {
    const ada = await newPerson(browser, 'Ada');
    const bob = await newPerson(browser, 'Bob');
    const room = await createRoom(ada);
    const relay = await SocketRelay.of(ada.page);
    await enterRoom(ada, room);
    await enterRoom(bob, room);
    expect(relay.opened).toBe(1);

    // The frame echoing Ada's own message is lost: the answer to her send shows it all the same.
    const ownEcho = relay.dropNext((frame) => frame.includes('Ada: my echo gets lost'));
    await send(ada.page, 'Ada: my echo gets lost');
    expect(await ownEcho).toMatch(/id="room-cursor"[^>]*data-after="0"/);
    await expect(messageItem(ada.page, 'Ada: my echo gets lost')).toHaveCount(1);
    await expect(composer(ada.page)).toHaveValue('');
    await expectShowsLog(ada.page, await storedMessages(ada, room));
    expect(relay.pageCloses).toEqual([]);

    // The next frame follows a change the page never got: it reconnects (4004) and gets both again.
    await say(bob.page, 'Bob: after the lost echo');
    await expect.poll(() => relay.pageCloses, { message: 'a frame after a lost one makes the page reconnect' }).toEqual([4004]);
    await expectShowsLog(ada.page, await storedMessages(ada, room));
    await expect.poll(() => relay.opened).toBe(2);

    // Bob's next message is lost on the way to Ada; nothing shows it missing until the next frame.
    const bobsFrame = relay.dropNext((frame) => frame.includes('Bob: this one gets lost'));
    await say(bob.page, 'Bob: this one gets lost');
    await bobsFrame;
    expect(await messageItem(ada.page, 'Bob: this one gets lost').count()).toBe(0);
    await say(bob.page, 'Bob: and this one brings it back');
    await expect.poll(() => relay.pageCloses).toEqual([4004, 4004]);
    const stored = await storedMessages(bob, room);
    expect(describeStored(stored)).toEqual([
      '1: Ada: my echo gets lost',
      '2: Bob: after the lost echo',
      '3: Bob: this one gets lost',
      '4: Bob: and this one brings it back',
    ]);
    await expectShowsLog(ada.page, stored);
    await expect.poll(() => relay.opened).toBe(3);
    await expectShowsLog(bob.page, stored);

    expect(ada.problems).toEqual([]);
    expect(bob.problems).toEqual([]);
    await Promise.all([ada.context.close(), bob.context.close()]);
  });

  // A half-open link (a dead NAT entry, a laptop waking up elsewhere) tells neither end: both must find out.
  test('a half-open socket: the page notices within its silence limit, reconnects and catches up', async ({ browser }) => {
    const proxy = await FaultProxy.start();
    try {
      const ada = await newPerson(browser, 'Ada', { proxy: proxy.url });
      const bob = await newPerson(browser, 'Bob');
      const room = await createRoom(ada);
      const sockets = await watchSockets(ada.page);
      await enterRoom(ada, room);
      await enterRoom(bob, room);
      const silenceMs = await silenceLimit(ada.page);

      proxy.blackhole();
      const silentAt = Date.now();
      await say(bob.page, 'Bob, into the void 1');
      await say(bob.page, 'Bob, into the void 2');
      // Silent for `silenceMs` (the watchdog looks every 5 s), then a reconnect after 0.5 s ± 30 %.
      await expectShowsLog(ada.page, await storedMessages(bob, room), silenceMs + 5_000 + 5_000);
      test.info().annotations.push({ type: 'caught up after the link went half-open', description: `${Date.now() - silentAt} ms` });
      expect(await sockets.opened()).toBe(2);
      await say(bob.page, 'Bob, after the reconnect');
      await expectShowsLog(ada.page, await storedMessages(bob, room));

      expect(ada.problems).toEqual([]);
      expect(bob.problems).toEqual([]);
      await Promise.all([ada.context.close(), bob.context.close()]);
    } finally {
      await proxy.close();
    }
  });

  test('a link that stays dead: the server lets the person go; back online, the page catches up', async ({ browser }) => {
    const proxy = await FaultProxy.start();
    try {
      const ada = await newPerson(browser, 'Ada', { proxy: proxy.url });
      const bob = await newPerson(browser, 'Bob');
      const [adaName, bobName] = [ada.account.firstName, bob.account.firstName];
      const room = await createRoom(ada);
      await enterRoom(ada, room);
      await enterRoom(bob, room);
      await expect(presentPeople(bob.page)).toHaveText([adaName, bobName]);
      const silenceMs = await silenceLimit(ada.page);

      // Nothing gets through any more, and nobody is told: the server finds out by its pings (a missed
      // one drops the socket), then waits out the leave grace period (3 s) before Ada is gone.
      proxy.blackhole({ refuseNew: true });
      const deadAt = Date.now();
      await say(bob.page, 'Bob, while Ada is gone');
      await expect(presentPeople(bob.page)).toHaveText([bobName], { timeout: 2 * (silenceMs / 2.5) + 3_000 + 5_000 });
      await expect(notices(bob.page, `${adaName} left the room`)).toHaveCount(1);
      test.info().annotations.push({ type: 'left the presence list after', description: `${Date.now() - deadAt} ms` });

      // The link comes back: by then the page has given up on its silent socket, so its next try gets through.
      proxy.restore();
      const restoredAt = Date.now();
      await expect(presentPeople(bob.page)).toHaveText([adaName, bobName], { timeout: silenceMs + 5_000 + 5_000 });
      test.info().annotations.push({ type: 'back in the room after the link came back', description: `${Date.now() - restoredAt} ms` });
      await say(bob.page, 'Bob, welcome back');
      const stored = await storedMessages(bob, room);
      expect(stored).toHaveLength(2);
      await expectShowsLog(ada.page, stored);
      await expectShowsLog(bob.page, stored);

      expect(unexpected(ada.problems, EXPECTED_WHEN_REFUSED)).toEqual([]);
      expect(bob.problems).toEqual([]);
      await Promise.all([ada.context.close(), bob.context.close()]);
    } finally {
      await proxy.close();
    }
  });

  test('the server fails a send: the page keeps the message and retries with the same client_id', async ({ browser }) => {
    const ada = await newPerson(browser, 'Ada', { allowedStatuses: [503] });
    const bob = await newPerson(browser, 'Bob');
    const room = await createRoom(ada);
    await enterRoom(ada, room);
    await enterRoom(bob, room);
    await say(bob.page, 'Bob, first');
    await expect(messageItem(ada.page, 'Bob, first')).toBeVisible();

    // 1st try: stored, but the answer is lost (a gateway answers 503 instead). 2nd: 503 without reaching
    // the server. 3rd: through.
    const tries: string[] = [];
    await ada.page.route(`**/lobby/${room.slug}/messages/`, async (route) => {
      if (route.request().method() !== 'POST') return route.fallback();
      tries.push(clientIdOf(route.request()));
      const gatewayError = { status: 503, contentType: 'text/plain', body: 'Service Unavailable' };
      if (tries.length === 1) {
        const answer = await route.fetch();
        expect(answer.status()).toBe(200);
        return route.fulfill(gatewayError);
      }
      if (tries.length === 2) return route.fulfill(gatewayError);
      return route.continue();
    });
    const clientId = await composerClientId(ada.page);
    const text = 'Ada, third time lucky';
    await send(ada.page, text);
    await expect(pendingStatus(ada.page)).toHaveText('Not sent yet: the server could not store it. Retrying…');
    await expect(pending(ada.page).locator('.message-body')).toHaveText(text);
    await expect(composer(ada.page)).toHaveValue('');
    await expect.poll(() => tries.length, { message: 'the send is tried again' }).toBeGreaterThanOrEqual(2);

    // The third try (1 s and 2 s later) goes through: the outbox empties, the message is shown once.
    await expect(pending(ada.page)).toHaveCount(0, { timeout: 10_000 });
    expect(tries).toEqual([clientId, clientId, clientId]);
    expect(await composerClientId(ada.page)).not.toBe(clientId);

    const stored = await storedMessages(bob, room);
    expect(describeStored(stored)).toEqual(['1: Bob, first', `2: ${text}`]);
    expect(stored[1]!.author.username).toBe(ada.account.username);
    await expectShowsLog(ada.page, stored);
    await expectShowsLog(bob.page, stored);
    // The next message goes at once.
    await ada.page.unroute(`**/lobby/${room.slug}/messages/`);
    await say(ada.page, 'Ada, and the next one');
    await expectShowsLog(ada.page, await storedMessages(bob, room));

    expect(ada.problems).toEqual([]);
    expect(bob.problems).toEqual([]);
    await Promise.all([ada.context.close(), bob.context.close()]);
  });
  // Sends take a while on a slow link; people do not wait for them.
  test('a slow link: a message sent while the previous one is on its way is stored and shown too', async ({ browser }) => {
    const ada = await newPerson(browser, 'Ada');
    const room = await createRoom(ada);
    await enterRoom(ada, room);
    const slow = await holdFirstSend(ada.page, room);

    await send(ada.page, 'Ada, first');
    await slow.firstArrived;
    await send(ada.page, 'Ada, second, right after');
    slow.release();
    await expect(composer(ada.page)).toHaveValue('');
    await expect.poll(() => slow.posts.length, { message: 'the second message is sent' }).toBe(2);
    await expect
      .poll(async () => describeStored(await storedMessages(ada, room)), { message: `both messages are stored; the page sent: ${slow.posts.join(' | ')}` })
      .toEqual(['1: Ada, first', '2: Ada, second, right after']);
    expect(new Set(slow.posts.map((post) => post.split(' ')[0])).size, `a client_id of its own for each message: ${slow.posts.join(' | ')}`).toBe(2);
    await expectShowsLog(ada.page, await storedMessages(ada, room));

    expect(ada.problems).toEqual([]);
    await ada.context.close();
  });

  test('a slow link: what the person types while a send is on its way stays in the composer', async ({ browser }) => {
    const ada = await newPerson(browser, 'Ada');
    const room = await createRoom(ada);
    await enterRoom(ada, room);
    const slow = await holdFirstSend(ada.page, room);

    await send(ada.page, 'Ada, on its way');
    await slow.firstArrived;
    // The person goes on with the next message while the first is still on its way.
    await composer(ada.page).press('End');
    await composer(ada.page).pressSequentially('and the next one, half typed');
    slow.release();
    await expect(messageItem(ada.page, 'Ada, on its way')).toHaveCount(1);
    await expect(composer(ada.page), 'the draft typed meanwhile is kept').toHaveValue(/and the next one, half typed/);
    await expectShowsLog(ada.page, await storedMessages(ada, room));
    expect(describeStored(await storedMessages(ada, room))).toEqual(['1: Ada, on its way']);

    expect(ada.problems).toEqual([]);
    await ada.context.close();
  });

  test('an edit that cannot be saved says so, and the next one that works clears the alert', async ({ browser }) => {
    const ada = await newPerson(browser, 'Ada', { allowedStatuses: [422] });
    const room = await createRoom(ada);
    await enterRoom(ada, room);
    await say(ada.page, 'Ada, a first draft');
    const status = ada.page.locator('#live-status');

    // No connection: the edit is not saved and the page says so.
    await ada.page.route(`**/lobby/${room.slug}/messages/*/`, (route) => route.abort('internetdisconnected'));
    await editMessage(ada.page, 'Ada, a first draft', 'Ada, the final word');
    await expect(status).toHaveText('Not saved: no connection to the server. Please try again.');
    await expect(status).toHaveClass(/live-status-alert/);
    await expect(messageItem(ada.page, 'Ada, a first draft')).toHaveCount(1);
    await ada.page.unroute(`**/lobby/${room.slug}/messages/*/`);

    // Refused by the server (only spaces): its reason is shown.
    const item = messageItem(ada.page, 'Ada, a first draft');
    await item.getByLabel('Edit your message').fill('   ');
    await item.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(status).toHaveText(/^Not saved: .+/);
    await expect(status).not.toHaveText(/no connection/);

    // Saved: the alert goes.
    await item.getByLabel('Edit your message').fill('Ada, the final word');
    await item.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(messageItem(ada.page, 'Ada, the final word')).toHaveCount(1);
    await expect(status).toHaveText('');
    await expectShowsLog(ada.page, await storedMessages(ada, room));

    expect(unexpected(ada.problems, [/net::ERR_INTERNET_DISCONNECTED/, /htmx:error: Failed to fetch/])).toEqual([]);
    await ada.context.close();
  });
});
