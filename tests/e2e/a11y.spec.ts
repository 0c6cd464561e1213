import AxeBuilder from '@axe-core/playwright';
import { type Locator, type Page, expect, test } from '@playwright/test';
import { PASSWORD, watchProblems } from './fixtures.js';
import { createRoom, enterRoom, messageItem, newPerson, postMessages } from './people.js';

/** axe's serious and critical findings, one line each, so a failure names them. */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.impact} ${violation.id}: ${violation.help} — ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
}

/** Presses Tab until `target` has the focus (at most `limit` times): keyboard only, no clicks. */
async function tabTo(page: Page, target: Locator, limit = 40) {
  for (let presses = 0; presses < limit; presses++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  await expect(target).toBeFocused();
}

test.describe('accessibility', () => {
  for (const [name, path, heading] of [
    ['sign-in page', '/', 'Sign in to Hubbub'],
    ['sign-up page', '/signup/', 'Create your Hubbub account'],
  ] as const) {
    test(`the ${name} has no serious or critical axe violations`, async ({ context, page }) => {
      const problems = await watchProblems(context);
      await page.goto(path);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(heading);
      expect(await seriousViolations(page), name).toEqual([]);
      expect(problems).toEqual([]);
    });
  }

  test('the lobby has no serious or critical axe violations', async ({ browser }) => {
    const ada = await newPerson(browser, 'Ada');
    await ada.page.goto('/lobby/');
    await expect(ada.page.getByRole('heading', { level: 1 })).toHaveText(`Welcome, ${ada.account.firstName}`);
    expect(await seriousViolations(ada.page), 'lobby').toEqual([]);
    expect(ada.problems).toEqual([]);
    await ada.context.close();
  });

  test('a room with messages has no serious or critical axe violations', async ({ browser }) => {
    const ada = await newPerson(browser, 'Ada');
    const room = await createRoom(ada, undefined, 'A room to check');
    await postMessages(ada, room, ['First message', 'A <em>second</em> one', 'And a third, rather longer message than the others']);
    await enterRoom(ada, room);
    await expect(messageItem(ada.page, 'And a third')).toBeVisible();
    expect(await seriousViolations(ada.page), 'room').toEqual([]);
    expect(ada.problems).toEqual([]);
    await ada.context.close();
  });

  test('keyboard only: sign in, pick a room in the lobby, send a message with Enter', async ({ browser }) => {
    const ada = await newPerson(browser, 'Kay');
    await ada.context.clearCookies();
    const { page } = ada;

    await page.goto('/');
    await tabTo(page, page.getByLabel('Username'));
    await page.keyboard.type(ada.account.username);
    await page.keyboard.press('Tab');
    await expect(page.getByLabel('Password')).toBeFocused();
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/lobby\/$/);

    const studyCard = page.getByRole('link', { name: /^Study\b/ });
    await tabTo(page, studyCard);
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/lobby\/study\/$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Study');

    const body = `Typed with the keyboard only ${Date.now()}`;
    await tabTo(page, page.getByRole('textbox', { name: 'Message Study' }));
    await page.keyboard.type(body);
    await page.keyboard.press('Enter');
    await expect(messageItem(page, body)).toBeVisible();
    await expect(messageItem(page, body).locator('.author')).toHaveText(ada.account.firstName);
    await expect(page.getByRole('textbox', { name: 'Message Study' })).toHaveValue('');
    expect(ada.problems).toEqual([]);
    await ada.context.close();
  });
});
