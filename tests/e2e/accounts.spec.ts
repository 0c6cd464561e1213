import { expect, test } from '@playwright/test';
import {
  PASSWORD,
  expectImagesLoaded,
  expectLobby,
  expectSignInPage,
  fillSignUp,
  newAccount,
  signIn,
  signOut,
  signUp,
  topBarIcon,
  uniqueUsername,
} from './fixtures.js';

// The same journeys with JavaScript on and off: every page must work as plain HTML forms.
for (const javaScriptEnabled of [true, false]) {
  test.describe(`accounts, JavaScript ${javaScriptEnabled ? 'enabled' : 'disabled'}`, () => {
    test.use({ javaScriptEnabled });

    test('sign up with a chosen icon and land in the lobby', async ({ page }) => {
      await signUp(page, newAccount({ firstName: 'Grace', icon: 'Owl' }));
      await expectLobby(page, 'Grace');
      await expect(topBarIcon(page)).toHaveAttribute('src', /\/static\/icons\/owl\.svg$/);
      await expectImagesLoaded(topBarIcon(page));
    });

    test('sign out, and the lobby then sends you to sign in', async ({ page }) => {
      await signUp(page, newAccount({ firstName: 'Edsger' }));
      await signOut(page);
      await page.goto('/lobby/');
      await expectSignInPage(page);
    });

    test('sign in again; a wrong password keeps the username and empties the password', async ({ page }) => {
      const account = newAccount({ firstName: 'Alan' });
      await signUp(page, account);
      await signOut(page);

      await signIn(page, account.username);
      await expectLobby(page, 'Alan');
      await signOut(page);

      await signIn(page, account.username, 'not the right password');
      await expect(page.getByRole('alert')).toHaveText(/^That username and password do not match\./);
      await expect(page.getByLabel('Username')).toHaveValue(account.username);
      await expect(page.getByLabel('Password')).toHaveValue('');
      await page.goto('/lobby/');
      await expectSignInPage(page);
    });

    test('try it as a guest, then sign out', async ({ page }) => {
      await page.goto('/');
      await page.getByRole('button', { name: 'Try it without an account' }).click();
      await expectLobby(page, /[A-Z][a-z]+ [A-Z][a-z]+/);
      await expect(page.getByRole('banner').getByText('guest', { exact: true })).toBeVisible();
      await expectImagesLoaded(topBarIcon(page));
      await signOut(page);
      await page.goto('/lobby/');
      await expectSignInPage(page);
    });

    test('a taken username (in other case) is flagged at that field and nothing else is lost', async ({ page, browser }) => {
      const taken = newAccount();
      const other = await browser.newContext({ javaScriptEnabled });
      await signUp(await other.newPage(), taken);
      await other.close();

      const account = newAccount({ username: taken.username.toUpperCase(), firstName: 'Katherine', lastName: 'Johnson', icon: 'Fox' });
      await fillSignUp(page, account);
      await page.getByRole('button', { name: 'Create account' }).click();

      const message = `The username ${account.username} is taken, or looks too much like one that is; choose another.`;
      const username = page.getByLabel('Username');
      await expect(username).toHaveValue(account.username);
      await expect(username).toHaveAttribute('aria-invalid', 'true');
      await expect(username).toHaveAccessibleDescription(new RegExp(message.replace(/[.;]/g, '\\$&')));
      await expect(page.locator('.field', { has: username }).getByText(message, { exact: true })).toBeVisible();
      await expect(page.locator('.field-error')).toHaveCount(1);
      await expect(page.getByLabel('First name')).toHaveValue('Katherine');
      await expect(page.getByLabel('Last name (optional)')).toHaveValue('Johnson');
      await expect(page.getByRole('radio', { name: 'Fox', exact: true })).toBeChecked();
      // Passwords are never sent back in a page, so that one is typed again.
      await expect(page.getByLabel('Password')).toHaveValue('');

      await username.fill(uniqueUsername());
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Create account' }).click();
      await expectLobby(page, 'Katherine');
      await expect(topBarIcon(page)).toHaveAttribute('src', /\/static\/icons\/fox\.svg$/);
    });

    if (javaScriptEnabled) {
      test('sign-up and the lobby log no console errors and break no CSP rule', async ({ page }) => {
        const problems: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error') problems.push(`console: ${message.text()}`);
        });
        page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
        page.on('response', (response) => {
          if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
        });
        // Init scripts are Playwright's own and not subject to the page's CSP.
        await page.addInitScript(() =>
          document.addEventListener('securitypolicyviolation', (event) =>
            console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`),
          ),
        );

        await page.goto('/');
        await page.getByRole('link', { name: 'Create an account' }).click();
        await expect(page).toHaveURL(/\/signup\/$/);
        const account = newAccount({ firstName: 'Barbara' });
        await fillSignUp(page, account);
        await page.getByRole('button', { name: 'Create account' }).click();
        await expectLobby(page, 'Barbara');
        await expectImagesLoaded(topBarIcon(page));
        await page.reload();
        await expectLobby(page, 'Barbara');
        await signOut(page);
        expect(problems).toEqual([]);
      });
    } else {
      test('JavaScript really is off in these pages', async ({ page }) => {
        await page.setContent('<p id="out">static</p><script>document.getElementById("out").textContent = "ran"</script>');
        await expect(page.locator('#out')).toHaveText('static');
      });
    }
  });
}
