// The limits as a person meets them: sending too fast shows "slow down" and the messages go later,
// once each; one tab too many says why it is not live. A server of this file's own with low limits.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { freePort, spawnServer, waitForHealthy } from '../support/process.js';
import { composer, createRoom, enterRoom, messageItem, messageItems, newPerson, send } from './people.js';

let server: ReturnType<typeof spawnServer>;
let baseURL = '';
let dataDir = '';

test.beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'hubbub-limits-'));
  const port = await freePort();
  baseURL = `http://127.0.0.1:${port}`;
  server = spawnServer({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', RATE_LIMIT_MESSAGES: '3', SOCKETS_PER_USER: '1' });
  await waitForHealthy(baseURL, 60_000);
});
test.afterAll(async () => {
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  await rm(dataDir, { recursive: true, force: true });
});

test('sending too fast says "slow down", keeps the messages and sends them when allowed, once each', async ({ browser }) => {
  test.setTimeout(60_000);
  const ada = await newPerson(browser, 'Ada', { baseURL, allowedStatuses: [429] });
  const room = await createRoom(ada);
  await enterRoom(ada, room);
  const bodies = ['one', 'two', 'three', 'four', 'five'];
  for (const body of bodies) {
    await send(ada.page, body);
    await expect(composer(ada.page)).toHaveValue('');
  }
  // Three writes per 10 s (creating the room was one): the rest wait in the outbox, saying why.
  const outbox = ada.page.locator('#outbox li');
  await expect.poll(() => outbox.count()).toBeGreaterThan(0);
  await expect(outbox.last()).toContainText('five');
  await expect(outbox.last()).toContainText(/Not sent yet: slow down, you are sending too fast\. Retrying in \d+ s…/);
  expect(await messageItems(ada.page).count()).toBeLessThan(bodies.length);
  // The window is 10 s: then both go, in order, and the outbox empties.
  await expect(outbox).toHaveCount(0, { timeout: 25_000 });
  await expect(messageItems(ada.page)).toHaveText(bodies.map((body) => new RegExp(body)));
  for (const body of bodies) await expect(messageItem(ada.page, body)).toHaveCount(1);
  await ada.context.close();
});

test('a tab over the connection limit says so instead of silently going stale', async ({ browser }) => {
  const bo = await newPerson(browser, 'Bo', { baseURL });
  const room = await createRoom(bo);
  await enterRoom(bo, room);
  const second = await bo.context.newPage();
  await second.goto(`${baseURL}/lobby/${room.slug}/`);
  await expect(second.locator('#live-status')).toHaveText('Too many open connections for your account: close some tabs, then reload.');
  // The first tab is still live.
  await send(bo.page, 'still here');
  await expect(messageItem(bo.page, 'still here')).toHaveCount(1);
  await bo.context.close();
});
