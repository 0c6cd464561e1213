import { type Browser, expect, test } from '@playwright/test';
import { PASSWORD, expectSignInPage, signIn, watchProblems } from './fixtures.js';
import { createRoom, enterRoom, messageItem, newPerson, type Person, postMessages } from './people.js';
import { BASE_URL, E2E_ADMIN } from './servers.js';

/** The administrator (ADMIN_USERNAMES in playwright.config.ts): signed up the first time, signed in after. */
async function administrator(browser: Browser): Promise<Person> {
  const context = await browser.newContext({ baseURL: BASE_URL });
  const problems = await watchProblems(context);
  const page = await context.newPage();
  const account = { username: E2E_ADMIN, firstName: 'Root', lastName: 'Admin', icon: 'Owl' };
  const form = { username: account.username, first_name: account.firstName, last_name: account.lastName, password: PASSWORD, icon: 'owl' };
  const headers = { origin: BASE_URL };
  const signedUp = await page.request.post('/signup/', { form, headers, maxRedirects: 0 });
  if (signedUp.status() === 409) await page.request.post('/login/', { form: { username: account.username, password: PASSWORD }, headers, maxRedirects: 0 });
  return { context, page, account, baseURL: BASE_URL, javaScriptEnabled: true, problems };
}

test.describe('the administrator', () => {
  test('deletes someone else’s message, and it vanishes live for everyone in the room', async ({ browser }) => {
    const root = await administrator(browser);
    const ada = await newPerson(browser, 'Ada');
    const bob = await newPerson(browser, 'Bob');
    const room = await createRoom(ada);
    await postMessages(ada, room, ['Ada says something regrettable', 'Ada says something fine']);
    for (const person of [ada, bob, root]) await enterRoom(person, room);

    // Bob sees no delete button on Ada's message; the administrator does, on every message.
    await expect(messageItem(bob.page, 'something regrettable').getByRole('button', { name: 'Delete' })).toHaveCount(0);
    await expect(messageItem(root.page, 'something fine').getByRole('button', { name: 'Delete', exact: true })).toBeVisible();
    await messageItem(root.page, 'something regrettable').getByRole('button', { name: 'Delete', exact: true }).click();

    for (const person of [ada, bob, root]) {
      await expect(messageItem(person.page, 'something regrettable')).toHaveCount(0);
      await expect(person.page.locator('li.message-deleted')).toHaveText(/This message was deleted\./);
      await expect(messageItem(person.page, 'something fine')).toBeVisible();
    }
    for (const person of [ada, bob, root]) expect(person.problems).toEqual([]);
  });

  test('renames a room from its settings, and the open pages in it show the new name at once', async ({ browser }) => {
    const root = await administrator(browser);
    const ada = await newPerson(browser, 'Ada');
    const room = await createRoom(ada);
    await enterRoom(ada, room);
    await enterRoom(root, room);

    await root.page.getByRole('link', { name: 'Room settings' }).click();
    await root.page.getByRole('textbox', { name: 'Name' }).fill('Renamed Live');
    await root.page.getByRole('textbox', { name: 'Description (optional)' }).fill('Now with a description');
    await root.page.getByRole('button', { name: 'Save' }).click();
    await expect(root.page.getByRole('heading', { level: 1 })).toHaveText('Renamed Live');

    // Ada never reloaded: her page took the new heading from its socket.
    await expect(ada.page.getByRole('heading', { level: 1 })).toHaveText('Renamed Live');
    await expect(ada.page.locator('.room-description')).toHaveText('Now with a description');
    // What the heading frame does not carry follows it: the tab, the composer and the log's name.
    await expect(ada.page).toHaveTitle('Renamed Live · Hubbub');
    await expect(ada.page.getByRole('textbox', { name: 'Message Renamed Live' })).toHaveAttribute('placeholder', 'Message Renamed Live');
    await expect(ada.page.getByRole('log', { name: 'Messages in Renamed Live' })).toBeVisible();
    await expect(ada.page.locator('#live-status')).toBeEmpty();
    for (const person of [ada, root]) expect(person.problems).toEqual([]);
  });

  test('disables a person: their open page says they are signed out, and they cannot sign in again', async ({ browser }) => {
    const root = await administrator(browser);
    const troll = await newPerson(browser, 'Troll', { allowedStatuses: [403] });
    const room = await createRoom(troll);
    await enterRoom(troll, room);

    await root.page.goto('/lobby/');
    await root.page.getByRole('banner').getByRole('link', { name: 'Administration' }).click();
    await expect(root.page.getByRole('heading', { level: 1 })).toHaveText('People');
    await root.page.getByRole('searchbox', { name: 'Find people' }).fill(troll.account.username);
    await root.page.getByRole('button', { name: 'Search' }).click();
    await root.page.getByRole('button', { name: `Disable @${troll.account.username}` }).click();
    await expect(root.page.getByRole('status')).toHaveText(`@${troll.account.username} is disabled: signed out everywhere, and cannot sign in.`);
    await expect(root.page.getByRole('button', { name: `Enable @${troll.account.username}` })).toBeVisible();

    // The troll's page hears it at once over its socket, and does not reconnect.
    await expect(troll.page.locator('#live-status')).toHaveText('You are signed out. Sign in again to keep chatting.');
    await troll.page.reload();
    await expectSignInPage(troll.page);
    await signIn(troll.page, troll.account.username);
    await expect(troll.page.getByRole('alert')).toHaveText('This account has been disabled by an administrator.');
    await expect(troll.page.getByLabel('Username')).toHaveValue(troll.account.username);
    expect(root.problems).toEqual([]);
  });
});
