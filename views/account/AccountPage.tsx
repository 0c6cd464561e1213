import type { FC } from 'hono/jsx';
import type { User } from '../../src/db/schema.js';
import { Field, type FormErrors, FormAlert, FormDone } from '../form.js';
import { Layout } from '../layout.js';

export interface AccountProps {
  user: User;
  errors?: FormErrors;
  /** Shown after a change went through. */
  done?: string | undefined;
}

/** The person's account: change the password, sign out of every browser and app. */
export const AccountPage: FC<AccountProps> = ({ user, errors = {}, done }) => (
  <Layout title="Your account" user={user}>
    <section class="card auth-card" aria-labelledby="account-title">
      <h1 id="account-title">Your account</h1>
      <p class="lede">
        Signed in as <strong>@{user.username}</strong>.
      </p>
      <FormDone message={done} />
      {user.isGuest ? (
        <p>Guests have no password. Create an account to keep a name of your own.</p>
      ) : (
        <form method="post" action="/account/password/" class="stack" aria-labelledby="password-title">
          <h2 id="password-title">Change your password</h2>
          <FormAlert message={errors.form} />
          <Field name="current_password" label="Current password" type="password" error={errors.current_password}
            autocomplete="current-password" required maxlength={1024} />
          <Field name="new_password" label="New password" type="password" error={errors.new_password}
            hint="8 to 256 characters, not a common password. Your other sessions are signed out."
            autocomplete="new-password" required minlength={8} maxlength={256} />
          <button type="submit" class="button-primary">Change password</button>
        </form>
      )}
      <form method="post" action="/logout/everywhere/" class="stack">
        <h2>Every browser and app</h2>
        <p class="hint">Ends all your sessions, here and everywhere else, and the old app's tokens.</p>
        <button type="submit" class="button-secondary">Sign out everywhere</button>
      </form>
    </section>
  </Layout>
);
