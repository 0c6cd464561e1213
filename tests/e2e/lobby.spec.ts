import { type Page, expect, test } from '@playwright/test';
import { expectImagesLoaded } from './fixtures.js';
import { createRoom, enterRoom, liveConnected, newPerson, tag } from './people.js';

const roomCard = (page: Page, name: string) =>
  page.locator('#room-grid > li').filter({ has: page.getByRole('heading', { level: 2, name, exact: true }) });

/** Picks a room picture by clicking it (the radio button lies invisible over it). */
async function pickPicture(page: Page, image: string) {
  await page.locator('.room-picker label', { has: page.getByRole('img', { name: image, exact: true }) }).click();
  await expect(page.getByRole('radio', { name: image, exact: true })).toBeChecked();
}

test.describe('the lobby', () => {
  test('start a new room, land in it, and find it in the lobby; a taken name is flagged at the name', async ({ browser }) => {
    // The refused duplicate answers 409 with the form: that one failed response is expected.
    const ada = await newPerson(browser, 'Ada', { allowedStatuses: [409] });
    const { page } = ada;
    const name = `Knitting Circle ${tag()}`;
    const slug = name.toLowerCase().replaceAll(' ', '-');

    await page.goto('/lobby/');
    const form = page.locator('#new-room');
    await expect(form.getByRole('heading', { name: 'Start a new room' })).toBeVisible();
    await form.getByLabel('Name').fill(name);
    await form.getByLabel('Description (optional)').fill('Purl, knit, repeat.');
    await pickPicture(page, 'food');
    await form.getByRole('button', { name: 'Create room' }).click();

    await expect(page).toHaveURL(new RegExp(`/lobby/${slug}/$`));
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(name);
    await expect(page.locator('.room-description')).toHaveText('Purl, knit, repeat.');
    await expect(page.locator('#composer-body')).toBeVisible();

    await page.getByRole('link', { name: '← Lobby' }).click();
    await expect(page).toHaveURL(/\/lobby\/$/);
    const card = roomCard(page, name);
    await expect(card).toBeVisible();
    await expect(card.getByRole('link')).toHaveAttribute('href', `/lobby/${slug}/`);
    await expect(card).toContainText('Purl, knit, repeat.');
    await expect(card.locator('img')).toHaveAttribute('src', '/static/rooms/food.svg');
    await expectImagesLoaded(card.locator('img'));

    // Same name in other case: the same address, so it is refused, and nothing typed is lost.
    const duplicate = name.toUpperCase();
    await form.getByLabel('Name').fill(duplicate);
    await form.getByLabel('Description (optional)').fill('A second circle');
    await pickPicture(page, 'travel');
    await form.getByRole('button', { name: 'Create room' }).click();

    const message = `There is already a room at /lobby/${slug}/; choose another name.`;
    const nameField = form.getByLabel('Name');
    await expect(nameField).toHaveValue(duplicate);
    await expect(nameField).toHaveAttribute('aria-invalid', 'true');
    await expect(nameField).toHaveAccessibleDescription(message);
    await expect(form.locator('.field', { has: page.getByLabel('Name', { exact: true }) }).locator('.field-error')).toHaveText(message);
    await expect(form.locator('.field-error')).toHaveCount(1);
    await expect(form.getByLabel('Description (optional)')).toHaveValue('A second circle');
    await expect(page.getByRole('radio', { name: 'travel', exact: true })).toBeChecked();
    await expect(roomCard(page, duplicate)).toHaveCount(0);
    await expect(roomCard(page, name)).toHaveCount(1);

    expect(ada.problems).toEqual([]);
    await ada.context.close();
  });

  test('counts and new rooms show live in the lobby, without a reload', async ({ browser }) => {
    const ada = await newPerson(browser, 'Ada');
    const bob = await newPerson(browser, 'Bob');
    const room = await createRoom(bob);

    await ada.page.goto('/lobby/');
    await liveConnected(ada.page);
    const count = roomCard(ada.page, room.name).locator('.room-online');
    await expect(count).toHaveText('Nobody here yet');

    await enterRoom(bob, room);
    await expect(count).toHaveText('1 person here');

    const second = await bob.context.newPage();
    await second.goto(`/lobby/${room.slug}/`);
    await expect(second.locator('#presence li')).toHaveText([bob.account.firstName]);

    // A room made meanwhile appears, and the fresh counts (sent with it) count Bob's two tabs once.
    const other = await createRoom(bob, `Late Arrivals ${tag()}`);
    await expect(roomCard(ada.page, other.name)).toBeVisible();
    await expect(roomCard(ada.page, other.name).locator('.room-online')).toHaveText('Nobody here yet');
    await expect(count).toHaveText('1 person here');

    // Leaving is announced after the grace period.
    await Promise.all([bob.page.close(), second.close()]);
    await expect(count).toHaveText('Nobody here yet', { timeout: 6_000 });

    expect(ada.problems).toEqual([]);
    expect(bob.problems).toEqual([]);
    await Promise.all([ada.context.close(), bob.context.close()]);
  });

  test("the lobby's socket is opened without a room cursor", async ({ browser }) => {
    const ada = await newPerson(browser, 'Ada');
    const socket = ada.page.waitForEvent('websocket');
    await ada.page.goto('/lobby/');
    // The lobby has no #room-cursor: live.js must leave its URL alone (it appended "?after=null").
    expect((await socket).url()).toBe(`${ada.baseURL.replace(/^http/, 'ws')}/lobby/ws/`);
    expect(ada.problems).toEqual([]);
    await ada.context.close();
  });
});
