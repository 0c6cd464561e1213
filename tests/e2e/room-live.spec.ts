import { expect, test } from '@playwright/test';
import {
  composer,
  createRoom,
  deleteMessage,
  editMessage,
  enterRoom,
  messageItem,
  newPerson,
  notices,
  presentPeople,
  send,
} from './people.js';

// Two people in one room, each in a browser context of their own, JavaScript on: everything arrives live.
test.describe('a room, live', () => {
  test('messages, joins, presence and leaves reach the other person without a reload', async ({ browser }) => {
    const ada = await newPerson(browser, 'Ada');
    const bob = await newPerson(browser, 'Bob');
    const adaName = ada.account.firstName;
    const bobName = bob.account.firstName;
    const room = await createRoom(ada);

    await enterRoom(ada, room);
    await enterRoom(bob, room);
    await expect(notices(ada.page, `${bobName} joined the room`)).toHaveCount(1);
    await expect(presentPeople(ada.page)).toHaveText([adaName, bobName]);
    await expect(presentPeople(bob.page)).toHaveText([adaName, bobName]);
    await expect(ada.page.locator('#presence h2 .count')).toHaveText('2');

    // Enter sends, and the composer is empty again for the next message.
    await send(ada.page, 'Hello from Ada');
    await expect(composer(ada.page)).toHaveValue('');
    await expect(messageItem(ada.page, 'Hello from Ada')).toBeVisible();
    const received = messageItem(bob.page, 'Hello from Ada');
    await expect(received).toBeVisible();
    await expect(received.locator('.author')).toHaveText(adaName);
    await expect(received.locator('.username')).toHaveText(`@${ada.account.username}`);
    await expect(received.locator('time')).toHaveAttribute('datetime', /^\d{4}-\d\d-\d\dT/);

    // Shift+Enter makes a new line instead of sending.
    await composer(ada.page).click();
    await ada.page.keyboard.type('line one');
    await ada.page.keyboard.press('Shift+Enter');
    await ada.page.keyboard.type('line two');
    await expect(composer(ada.page)).toHaveValue('line one\nline two');
    await ada.page.keyboard.press('Enter');
    await expect(messageItem(bob.page, 'line one').locator('.message-body')).toHaveText('line one\nline two');

    // Markup typed in a message is text, never markup.
    await send(bob.page, '<b>hi</b> <img src=x>', 'button');
    await expect(composer(bob.page)).toHaveValue('');
    const markup = messageItem(ada.page, '<b>hi</b>');
    await expect(markup.locator('.message-body')).toHaveText('<b>hi</b> <img src=x>');
    await expect(markup.locator('.message-body b, .message-body img')).toHaveCount(0);

    // A reload is within the grace period: nobody is told Bob left and came back.
    await bob.page.reload();
    await expect(presentPeople(bob.page)).toContainText([bobName]);
    await expect(messageItem(bob.page, 'Hello from Ada')).toBeVisible();

    await bob.page.close();
    await expect(notices(ada.page, `${bobName} left the room`)).toHaveCount(1, { timeout: 6_000 });
    await expect(presentPeople(ada.page)).toHaveText([adaName]);
    await expect(notices(ada.page, `${bobName} joined the room`)).toHaveCount(1);

    expect(ada.problems).toEqual([]);
    expect(bob.problems).toEqual([]);
    await Promise.all([ada.context.close(), bob.context.close()]);
  });

  test('edits and deletes by the author show live; nobody else can change a message', async ({ browser }) => {
    const ada = await newPerson(browser, 'Ada');
    const bob = await newPerson(browser, 'Bob');
    const room = await createRoom(ada);
    await enterRoom(ada, room);
    await enterRoom(bob, room);

    await send(ada.page, 'A first draft from Ada');
    await send(bob.page, 'Words of Bob');
    const adasAtBob = messageItem(bob.page, 'A first draft from Ada');
    await expect(adasAtBob).toBeVisible();
    const id = await adasAtBob.getAttribute('id');
    expect(id).toMatch(/^m-\d+$/);

    // Only one's own messages carry Edit and Delete.
    await expect(adasAtBob.locator('summary')).toHaveCount(0);
    await expect(adasAtBob.getByRole('button')).toHaveCount(0);
    await expect(messageItem(bob.page, 'Words of Bob').locator('summary')).toHaveText('Edit');
    await expect(messageItem(bob.page, 'Words of Bob').getByRole('button', { name: 'Delete' })).toBeVisible();
    await expect(messageItem(ada.page, 'Words of Bob').locator('summary')).toHaveCount(0);
    await expect(messageItem(ada.page, 'Words of Bob').getByRole('button')).toHaveCount(0);

    await editMessage(ada.page, 'A first draft from Ada', 'The final word from Ada');
    for (const page of [ada.page, bob.page]) {
      const item = page.locator(`#${id}`);
      await expect(item.locator('.message-body')).toHaveText('The final word from Ada');
      await expect(item.locator('.edited')).toHaveText('(edited)');
    }
    await expect(messageItem(bob.page, 'A first draft')).toHaveCount(0);

    await deleteMessage(ada.page, 'The final word from Ada');
    for (const page of [ada.page, bob.page]) {
      const item = page.locator(`#${id}`);
      await expect(item.locator('.tombstone')).toHaveText('This message was deleted.');
      await expect(item.locator('.message-body, .edited')).toHaveCount(0);
      await expect(item.getByRole('button')).toHaveCount(0);
    }
    await expect(bob.page.getByText('The final word from Ada')).toHaveCount(0);
    // The rest of the conversation is untouched.
    await expect(messageItem(ada.page, 'Words of Bob')).toBeVisible();

    expect(ada.problems).toEqual([]);
    expect(bob.problems).toEqual([]);
    await Promise.all([ada.context.close(), bob.context.close()]);
  });

  test('the room goes live even when the WebSocket extension script arrives late', async ({ browser }) => {
    const ada = await newPerson(browser, 'Ada');
    const room = await createRoom(ada);
    // A slow network: htmx.js arrives at once, its ws extension (the next deferred script) half a second later.
    await ada.page.route('**/static/vendor/htmx/ext/hx-ws.min.js', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await route.continue();
    });
    await enterRoom(ada, room);
    await send(ada.page, 'Still live');
    await expect(messageItem(ada.page, 'Still live')).toBeVisible();
    expect(ada.problems).toEqual([]);
    await ada.context.close();
  });
});
