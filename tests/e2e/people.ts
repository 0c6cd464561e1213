// Helpers for the chatroom journeys: people in browser contexts of their own, rooms and messages made
// quickly over HTTP (the page's cookies are shared with page.request), and locators for the room page.
import { randomBytes } from 'node:crypto';
import { type Browser, type BrowserContext, type Page, expect } from '@playwright/test';
import { type Account, PASSWORD, newAccount, watchProblems } from './fixtures.js';
import { BASE_URL } from './servers.js';

export const tag = () => randomBytes(3).toString('hex');

export interface Person {
  context: BrowserContext;
  page: Page;
  account: Account;
  /** The instance this person uses: http://127.0.0.1:<port>. */
  baseURL: string;
  javaScriptEnabled: boolean;
  /** Console errors, CSP violations and failed responses (JavaScript contexts only). */
  problems: string[];
}

export interface PersonOptions {
  javaScriptEnabled?: boolean;
  baseURL?: string;
  allowedStatuses?: number[];
  /** An HTTP proxy for everything the context sends (see fault-proxy.ts). */
  proxy?: string;
}

/** A fresh person, signed up over HTTP (no page load); first names are unique so notices are unambiguous. */
export async function newPerson(browser: Browser, firstName: string, options: PersonOptions = {}): Promise<Person> {
  const { javaScriptEnabled = true, baseURL = BASE_URL, allowedStatuses = [], proxy } = options;
  const context = await browser.newContext({ baseURL, javaScriptEnabled, ...(proxy ? { proxy: { server: proxy } } : {}) });
  const problems = javaScriptEnabled ? await watchProblems(context, allowedStatuses) : [];
  if (javaScriptEnabled) {
    // Marks the page once htmx's WebSocket is open (see liveConnected).
    await context.addInitScript(() =>
      document.addEventListener('htmx:ws:after:connection', () => Object.assign(window, { e2eLiveOpen: true })),
    );
  }
  const page = await context.newPage();
  const account = newAccount({ firstName: `${firstName} ${tag()}` });
  const form = { username: account.username, first_name: account.firstName, last_name: account.lastName, password: PASSWORD, icon: 'owl' };
  const response = await page.request.post(`${baseURL}/signup/`, { form, headers: { origin: baseURL }, maxRedirects: 0 });
  expect(response.status(), await response.text()).toBe(303);
  return { context, page, account, baseURL, javaScriptEnabled, problems };
}

export interface RoomRef {
  name: string;
  slug: string;
}

/** A room of the test's own, so its history and presence are not shared with other tests. */
export async function createRoom(person: Person, name = `Room ${tag()}`, description = ''): Promise<RoomRef> {
  const response = await person.page.request.post(`${person.baseURL}/lobby/`, {
    form: { name, description, image: 'chat' },
    headers: { origin: person.baseURL },
    maxRedirects: 0,
  });
  expect(response.status(), await response.text()).toBe(303);
  const slug = /^\/lobby\/([a-z0-9-]+)\/$/.exec(new URL(response.headers().location!, person.baseURL).pathname)?.[1];
  expect(slug).toBeTruthy();
  return { name, slug: slug! };
}

/** Posts messages the way the no-JavaScript form does, one after another (seqs follow `bodies`). */
export async function postMessages(person: Person, room: RoomRef, bodies: string[]) {
  for (const body of bodies) {
    const response = await person.page.request.post(`${person.baseURL}/lobby/${room.slug}/messages/`, {
      form: { body },
      headers: { origin: person.baseURL },
      maxRedirects: 0,
    });
    expect(response.status(), await response.text()).toBe(303);
  }
}

/** Opens the room; with JavaScript, waits until the socket is live (the person shows in their own presence list). */
export async function enterRoom(person: Person, room: RoomRef) {
  await person.page.goto(`${person.baseURL}/lobby/${room.slug}/`);
  await expect(person.page.getByRole('heading', { level: 1 })).toHaveText(room.name);
  if (person.javaScriptEnabled) await expect(presentPeople(person.page), NO_SOCKET).toContainText([person.account.firstName]);
}

const NO_SOCKET = "the page's live socket did not open (htmx's ws extension must be registered before htmx processes the page)";

/** Waits until the page's live socket is open (the lobby says nothing on connecting). */
export async function liveConnected(page: Page) {
  await expect.poll(() => page.evaluate(() => (window as { e2eLiveOpen?: boolean }).e2eLiveOpen === true), { message: NO_SOCKET }).toBe(true);
}

export const messageList = (page: Page) => page.locator('ol#messages');
export const messageItems = (page: Page) => messageList(page).locator('li.message');
export const messageItem = (page: Page, text: string) => messageItems(page).filter({ hasText: text });
export const presentPeople = (page: Page) => page.locator('#presence li');
export const notices = (page: Page, text: string) => messageList(page).locator('li.notice').filter({ hasText: text });
export const composer = (page: Page) => page.locator('#composer-body');

/** Types a message in the composer and sends it with Enter (JavaScript) or the Send button. */
export async function send(page: Page, body: string, how: 'enter' | 'button' = 'enter') {
  await composer(page).fill(body);
  if (how === 'enter') await composer(page).press('Enter');
  else await page.getByRole('button', { name: 'Send', exact: true }).click();
}

/** Edits one's own message through its Edit <details> form. */
export async function editMessage(page: Page, oldText: string, newText: string) {
  const item = messageItem(page, oldText);
  await item.locator('summary', { hasText: 'Edit' }).click();
  await item.getByLabel('Edit your message').fill(newText);
  await item.getByRole('button', { name: 'Save', exact: true }).click();
}

export async function deleteMessage(page: Page, text: string) {
  await messageItem(page, text).getByRole('button', { name: 'Delete', exact: true }).click();
}

/** Scrolls the column-reverse message scroller all the way up (its scrollTop runs from 0 down to negative). */
export async function scrollToOldest(page: Page) {
  await page.locator('.scroller').evaluate((scroller) => {
    scroller.scrollTop = -scroller.scrollHeight;
  });
}
