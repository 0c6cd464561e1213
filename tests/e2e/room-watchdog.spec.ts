import { expect, test } from '@playwright/test';
import { createRoom, enterRoom, messageItem, newPerson, send } from './people.js';

// A link that stays open but carries nothing (half-open) must not leave a page silently stale.
test('a page whose socket falls silent reconnects by itself and catches up', async ({ browser }) => {
  const ada = await newPerson(browser, 'Ada');
  const bob = await newPerson(browser, 'Bob');
  const room = await createRoom(ada);

  // Bob's first socket passes through a switch that can stop everything the server sends;
  // the sockets the page opens after it are left alone.
  let silent = false;
  let connections = 0;
  const beats: Array<() => void> = [];
  await bob.page.routeWebSocket(/\/ws\/(\?.*)?$/, (socket) => {
    const first = ++connections === 1;
    const server = socket.connectToServer();
    if (first) beats.push(() => socket.send('<!-- beat -->'));
    server.onMessage((message) => {
      if (!(first && silent)) socket.send(message);
    });
  });

  await enterRoom(ada, room);
  await enterRoom(bob, room);
  expect(connections).toBe(1);
  // The server's keep-alive frame (sent every 30 s) changes nothing on the page and logs no error.
  const before = await bob.page.locator('ol#messages').innerHTML();
  beats.forEach((beat) => beat());
  await expect(bob.page.locator('ol#messages')).toHaveJSProperty('innerHTML', before);

  silent = true;
  // The page waits 75 s of silence by default; shorten it for the test (the script reads it live).
  await bob.page.evaluate(() => {
    document.getElementById('live')!.dataset.silenceMs = '1500';
  });
  await send(ada.page, 'sent while Bob heard nothing');
  await expect.poll(() => connections, { timeout: 20_000, message: 'the silent socket was never replaced' }).toBe(2);

  await expect(messageItem(bob.page, 'sent while Bob heard nothing')).toBeVisible();
  await send(ada.page, 'and after the reconnect');
  await expect(messageItem(bob.page, 'and after the reconnect')).toBeVisible();
  expect(bob.problems).toEqual([]);
});
