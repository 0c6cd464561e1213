import { randomBytes } from 'node:crypto';
import { type BrowserContext, type Locator, type Page, expect } from '@playwright/test';

/** Long, and not on the common-password list. */
export const PASSWORD = 'correct horse battery 42';

export interface Account {
  username: string;
  firstName: string;
  lastName: string;
  /** The icon's picture as the picker names it (its alt text), e.g. "Owl". */
  icon: string;
}

/** 3–32 of [A-Za-z0-9_], and unlikely to be taken by any other test or earlier run. */
export const uniqueUsername = () => `u_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

export const newAccount = (overrides: Partial<Account> = {}): Account => ({
  username: uniqueUsername(),
  firstName: 'Ada',
  lastName: 'Lovelace',
  icon: 'Owl',
  ...overrides,
});

export async function fillSignUp(page: Page, account: Account, password = PASSWORD) {
  await page.goto('/signup/');
  await page.getByLabel('Username').fill(account.username);
  await page.getByLabel('First name').fill(account.firstName);
  await page.getByLabel('Last name (optional)').fill(account.lastName);
  await page.getByLabel('Password').fill(password);
  // The radio button is invisible, laid over its picture: people click the picture's label.
  await page.locator('label', { has: page.getByRole('img', { name: account.icon, exact: true }) }).click();
  await expect(page.getByRole('radio', { name: account.icon, exact: true })).toBeChecked();
}

export async function signUp(page: Page, account: Account) {
  await fillSignUp(page, account);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/lobby\/$/);
}

export async function signIn(page: Page, username: string, password = PASSWORD) {
  await page.goto('/');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

export async function signOut(page: Page) {
  await page.getByRole('banner').getByRole('button', { name: 'Sign out', exact: true }).click();
  await expectSignInPage(page);
}

export async function expectSignInPage(page: Page) {
  await expect(page).toHaveURL(/^http:\/\/[^/]+\/$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in to Hubbub');
  await expect(page.getByRole('banner').getByRole('button', { name: 'Sign out', exact: true })).toHaveCount(0);
}

/** Every image the locator matches has finished loading and has real pixels. */
export async function expectImagesLoaded(images: Locator) {
  const count = await images.count();
  expect(count).toBeGreaterThan(0);
  await expect
    .poll(() => images.evaluateAll((all) => all.map((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0)))
    .toEqual(Array(count).fill(true));
}

export const ROOMS = ['Game', 'Study', 'Movie', 'Music'];

/**
 * The lobby as a signed-in person sees it: the greeting and the four built-in room cards with their pictures,
 * first (rooms other tests created follow them, oldest first).
 */
export async function expectLobby(page: Page, firstName: string | RegExp) {
  await expect(page).toHaveURL(/\/lobby\/$/);
  const greeting = typeof firstName === 'string' ? `Welcome, ${firstName}` : new RegExp(`^Welcome, ${firstName.source}$`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(greeting);
  const cards = page.getByRole('main').getByRole('listitem');
  const headings = cards.getByRole('heading', { level: 2 });
  for (const [index, room] of ROOMS.entries()) await expect(headings.nth(index)).toHaveText(room);
  for (const room of ROOMS) {
    const card = cards.filter({ has: page.getByRole('heading', { level: 2, name: room }) });
    await expect(card).toBeVisible();
    await expect(card.getByRole('link')).toHaveAttribute('href', `/lobby/${room.toLowerCase()}/`);
  }
  await expectImagesLoaded(cards.locator('img'));
}

/** The person's icon in the top bar (decorative there: the name sits right next to it). */
export const topBarIcon = (page: Page) => page.getByRole('banner').locator('img.avatar');

/**
 * Collects console errors, page errors, CSP violations and failed responses (4xx/5xx other than
 * `allowedStatuses`) of every page of the context; a JavaScript journey ends with the list empty.
 */
export async function watchProblems(context: BrowserContext, allowedStatuses: number[] = []): Promise<string[]> {
  const problems: string[] = [];
  const allowed = (text: string) => allowedStatuses.some((status) => text.includes(`responded with a status of ${status} `));
  context.on('console', (message) => {
    if (message.type() === 'error' && !allowed(message.text())) problems.push(`console: ${message.text()}`);
  });
  context.on('weberror', (error) => problems.push(`page error: ${error.error().message}`));
  context.on('response', (response) => {
    if (response.status() >= 400 && !allowedStatuses.includes(response.status())) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  // Init scripts are Playwright's own and not subject to the page's CSP.
  await context.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (event) =>
      console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`),
    ),
  );
  return problems;
}
