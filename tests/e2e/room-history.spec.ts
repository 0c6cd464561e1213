import { type Locator, expect, test } from '@playwright/test';
import { createRoom, enterRoom, messageItem, messageItems, messageList, newPerson, postMessages, scrollToOldest } from './people.js';

const SEEDED = 65;
const PAGE = 50;
const bodies = Array.from({ length: SEEDED }, (_, i) => `History message ${String(i + 1).padStart(2, '0')}`);

/** Where an item sits relative to the top of the scroller, in px. */
const offsetInScroller = (item: Locator) =>
  item.evaluate((el) => el.getBoundingClientRect().top - el.closest('.scroller')!.getBoundingClientRect().top);

// A long conversation: the newest page first, older pages loaded in place as the reader scrolls up.
test.describe('a room with a long history', () => {
  test('scrolling to the top loads older messages in place and keeps the reader where they were', async ({ browser }) => {
    const ada = await newPerson(browser, 'Ada');
    const room = await createRoom(ada);
    await postMessages(ada, room, bodies);

    await enterRoom(ada, room);
    const { page } = ada;
    await expect(messageItems(page)).toHaveCount(PAGE);
    await expect(messageItems(page).first()).toHaveText(new RegExp(bodies[SEEDED - PAGE]!));
    await expect(messageItem(page, bodies[SEEDED - 1]!)).toBeInViewport();
    await expect(page.getByText('This is the start of the conversation.')).toHaveCount(0);
    const olderLink = messageList(page).getByRole('link', { name: 'Older messages' });
    await expect(olderLink).toHaveAttribute('href', `/lobby/${room.slug}/messages/?before=${SEEDED - PAGE + 1}`);

    // Hold the older page back until we know where the reader's first visible message sits.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(/\/messages\/\?before=\d+$/, async (route) => {
      await held;
      await route.continue();
    });
    const firstShown = messageItem(page, bodies[SEEDED - PAGE]!);
    await scrollToOldest(page);
    await expect(firstShown).toBeInViewport();
    const before = await offsetInScroller(firstShown);
    release();

    await expect(messageItems(page)).toHaveCount(SEEDED);
    await expect(olderLink).toHaveCount(0);
    await expect(messageItems(page).first()).toContainText(bodies[0]!);
    await expect(messageItems(page).locator('.message-body')).toHaveText(bodies);
    // The older page arrived above the reader: what they were reading is still in view.
    await expect(firstShown).toBeInViewport();
    expect(Math.abs((await offsetInScroller(firstShown)) - before)).toBeLessThan(2);

    await scrollToOldest(page);
    await expect(messageItem(page, bodies[0]!)).toBeInViewport();
    await expect(messageList(page).getByText('This is the start of the conversation.')).toBeVisible();
    expect(ada.problems).toEqual([]);
    await ada.context.close();
  });

  test('a new message while reading older ones shows "New messages ↓" instead of jumping', async ({ browser }) => {
    const ada = await newPerson(browser, 'Ada');
    const bob = await newPerson(browser, 'Bob');
    const room = await createRoom(ada);
    await postMessages(ada, room, bodies.slice(0, 30));

    await enterRoom(ada, room);
    const { page } = ada;
    const jump = page.getByRole('link', { name: 'New messages ↓' });
    await expect(jump).toBeHidden();
    await scrollToOldest(page);
    const reading = messageItem(page, bodies[0]!);
    await expect(reading).toBeInViewport();
    const before = await offsetInScroller(reading);

    await postMessages(bob, room, ['Bob says something new']);
    const news = messageItem(page, 'Bob says something new');
    await expect(news).toBeAttached();
    await expect(jump).toBeVisible();
    await expect(news).not.toBeInViewport();
    await expect(reading).toBeInViewport();
    expect(Math.abs((await offsetInScroller(reading)) - before)).toBeLessThan(2);

    // The link takes the reader down to the newest message and goes away.
    await jump.click();
    await expect(news).toBeInViewport();
    await expect(jump).toBeHidden();
    await expect(page.locator('#composer-body')).toBeFocused();

    // At the bottom, a new message simply shows: no link.
    await postMessages(bob, room, ['And one more from Bob']);
    await expect(messageItem(page, 'And one more from Bob')).toBeInViewport();
    await expect(jump).toBeHidden();
    expect(ada.problems).toEqual([]);
    await Promise.all([ada.context.close(), bob.context.close()]);
  });
});
