import { expect, test } from '@playwright/test';
import {
  createRoom,
  deleteMessage,
  editMessage,
  enterRoom,
  liveConnected,
  messageItem,
  newPerson,
  notices,
  presentPeople,
  send,
} from './people.js';
import { BASE_URL, SECOND_BASE_URL, TWO_INSTANCES } from './servers.js';

// Two app instances on one PostgreSQL database, talking through Redis: Ada uses the first, Bob the
// second. Only with DATABASE_URL and REDIS_URL set (playwright.config.ts then starts both servers).
if (TWO_INSTANCES) {
  test.describe('two instances, one room', () => {
    test('messages, edits, deletes, joins, leaves and presence cross instances', async ({ browser }) => {
      const ada = await newPerson(browser, 'Ada', { baseURL: BASE_URL });
      const bob = await newPerson(browser, 'Bob', { baseURL: SECOND_BASE_URL });
      const [adaName, bobName] = [ada.account.firstName, bob.account.firstName];
      const room = await createRoom(ada);

      await enterRoom(ada, room);
      await enterRoom(bob, room);
      expect(new URL(ada.page.url()).origin).toBe(BASE_URL);
      expect(new URL(bob.page.url()).origin).toBe(SECOND_BASE_URL);
      await expect(notices(ada.page, `${bobName} joined the room`)).toHaveCount(1);
      await expect(presentPeople(ada.page)).toHaveText([adaName, bobName]);
      await expect(presentPeople(bob.page)).toHaveText([adaName, bobName]);

      await send(ada.page, 'Hello from instance A');
      await expect(messageItem(bob.page, 'Hello from instance A').locator('.author')).toHaveText(adaName);
      await send(bob.page, 'Hello back from instance B');
      await expect(messageItem(ada.page, 'Hello back from instance B').locator('.author')).toHaveText(bobName);
      // Only the author's own instance page carries the forms.
      await expect(messageItem(bob.page, 'Hello from instance A').getByRole('button')).toHaveCount(0);

      await editMessage(ada.page, 'Hello from instance A', 'Hello, edited on A');
      const edited = messageItem(bob.page, 'Hello, edited on A');
      await expect(edited.locator('.edited')).toHaveText('(edited)');
      await expect(messageItem(bob.page, 'Hello from instance A')).toHaveCount(0);

      const id = await messageItem(ada.page, 'Hello back from instance B').getAttribute('id');
      await deleteMessage(bob.page, 'Hello back from instance B');
      await expect(ada.page.locator(`#${id} .tombstone`)).toHaveText('This message was deleted.');
      await expect(ada.page.getByText('Hello back from instance B')).toHaveCount(0);

      await bob.page.close();
      await expect(notices(ada.page, `${bobName} left the room`)).toHaveCount(1, { timeout: 6_000 });
      await expect(presentPeople(ada.page)).toHaveText([adaName]);

      expect(ada.problems).toEqual([]);
      expect(bob.problems).toEqual([]);
      await Promise.all([ada.context.close(), bob.context.close()]);
    });

    test('the lobby on one instance counts people in a room on the other', async ({ browser }) => {
      const ada = await newPerson(browser, 'Ada', { baseURL: BASE_URL });
      const bob = await newPerson(browser, 'Bob', { baseURL: SECOND_BASE_URL });
      const room = await createRoom(bob);

      await ada.page.goto(`${BASE_URL}/lobby/`);
      await liveConnected(ada.page);
      const count = ada.page.locator('#room-grid > li').filter({ hasText: room.name }).locator('.room-online');
      await expect(count).toHaveText('Nobody here yet');

      await enterRoom(bob, room);
      await expect(count).toHaveText('1 person here');
      await bob.page.close();
      await expect(count).toHaveText('Nobody here yet', { timeout: 6_000 });

      expect(ada.problems).toEqual([]);
      expect(bob.problems).toEqual([]);
      await Promise.all([ada.context.close(), bob.context.close()]);
    });
  });
}
