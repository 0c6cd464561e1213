import { expect, test } from '@playwright/test';
import { signIn } from './fixtures.js';
import {
  composer,
  createRoom,
  deleteMessage,
  editMessage,
  enterRoom,
  messageItem,
  messageItems,
  newPerson,
  postMessages,
  send,
} from './people.js';

const older = Array.from({ length: 55 }, (_, i) => `Earlier note ${String(i + 1).padStart(2, '0')}`);

// Without JavaScript the room is plain HTML: links and forms that post and come back to the room.
test.describe('a room without JavaScript', () => {
  test('read, post, page back through history, edit and delete; a live reader sees the post', async ({ browser }) => {
    const noJs = await newPerson(browser, 'Nora', { javaScriptEnabled: false });
    const live = await newPerson(browser, 'Liam');
    const room = await createRoom(live);
    await postMessages(live, room, older);

    // Signs in through the form, like anyone without script.
    await noJs.context.clearCookies();
    await signIn(noJs.page, noJs.account.username);
    await expect(noJs.page).toHaveURL(/\/lobby\/$/);
    const { page } = noJs;
    await page.goto(`/lobby/${room.slug}/`);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(room.name);
    await expect(page.getByRole('link', { name: '← Lobby' })).toHaveAttribute('href', '/lobby/');
    await expect(messageItems(page)).toHaveCount(50);
    await expect(messageItems(page).last()).toContainText('Earlier note 55');
    expect(await page.evaluate(() => 'htmx' in window)).toBe(false);

    await enterRoom(live, room);

    // Posting lands back on the room with the message in it, and the live reader gets it at once.
    await send(page, 'Sent without any script', 'button');
    await expect(page).toHaveURL(new RegExp(`/lobby/${room.slug}/$`));
    const mine = messageItem(page, 'Sent without any script');
    await expect(mine).toBeVisible();
    await expect(mine.locator('.author')).toHaveText(noJs.account.firstName);
    await expect(composer(page)).toHaveValue('');
    await expect(messageItem(live.page, 'Sent without any script').locator('.author')).toHaveText(noJs.account.firstName);

    // Older messages: a page of their own, with a way back.
    await page.getByRole('link', { name: 'Older messages' }).click();
    await expect(page).toHaveURL(new RegExp(`/lobby/${room.slug}/messages/\\?before=\\d+$`));
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Older messages in ${room.name}`);
    const olderItems = page.locator('li.message');
    await expect(olderItems).toHaveCount(6);
    await expect(olderItems.first()).toContainText('Earlier note 01');
    await expect(olderItems.last()).toContainText('Earlier note 06');
    await expect(page.getByText('This is the start of the conversation.')).toBeVisible();
    await page.getByRole('link', { name: `← Back to ${room.name}` }).click();
    await expect(page).toHaveURL(new RegExp(`/lobby/${room.slug}/$`));
    await expect(mine).toBeVisible();

    // Edit: open the <details>, change the text, save.
    await editMessage(page, 'Sent without any script', 'Edited without any script');
    await expect(page).toHaveURL(new RegExp(`/lobby/${room.slug}/#m-\\d+$`));
    const edited = messageItem(page, 'Edited without any script');
    await expect(edited.locator('.edited')).toHaveText('(edited)');
    await expect(messageItem(live.page, 'Edited without any script').locator('.edited')).toHaveText('(edited)');

    // Delete: the message becomes a tombstone, here and live.
    const id = await edited.getAttribute('id');
    await deleteMessage(page, 'Edited without any script');
    await expect(page.locator(`#${id} .tombstone`)).toHaveText('This message was deleted.');
    await expect(page.getByText('Edited without any script')).toHaveCount(0);
    await expect(live.page.locator(`#${id} .tombstone`)).toHaveText('This message was deleted.');

    expect(live.problems).toEqual([]);
    await Promise.all([noJs.context.close(), live.context.close()]);
  });

  test('an empty message comes back with an error next to the composer', async ({ browser }) => {
    const noJs = await newPerson(browser, 'Nora', { javaScriptEnabled: false });
    const room = await createRoom(noJs);
    await noJs.page.goto(`/lobby/${room.slug}/`);
    // The browser would refuse an empty required field; whitespace passes it and the server says no.
    await send(noJs.page, '   ', 'button');
    await expect(noJs.page.getByRole('alert')).toHaveText('Write something before sending.');
    await expect(composer(noJs.page)).toHaveAttribute('aria-invalid', 'true');
    await expect(messageItems(noJs.page)).toHaveCount(0);
    await noJs.context.close();
  });
});
