import type { FC } from 'hono/jsx';
import { Field, type FormErrors, FormAlert } from '../form.js';
import { Layout } from '../layout.js';

export interface SignInProps {
  username?: string;
  errors?: FormErrors;
}

export const SignInPage: FC<SignInProps> = ({ username = '', errors = {} }) => (
  <Layout title="Sign in">
    <section class="card auth-card" aria-labelledby="signin-title">
      <h1 id="signin-title">Sign in to Hubbub</h1>
      <p class="lede">Group chat for games, study, movies, music and whatever else you start.</p>
      <form method="post" action="/login/" class="stack">
        <FormAlert message={errors.form} />
        <Field name="username" label="Username" value={username} error={errors.username}
          autocomplete="username" required maxlength={64} autofocus />
        <Field name="password" label="Password" type="password" error={errors.password}
          autocomplete="current-password" required maxlength={1024} />
        <button type="submit" class="button-primary">Sign in</button>
      </form>
      <p class="alt-action">
        New here? <a href="/signup/">Create an account</a>
      </p>
      <form method="post" action="/guest/" class="guest-form">
        <button type="submit" class="button-secondary">Try it without an account</button>
        <p class="hint">You get a guest name and a random icon; no password needed.</p>
      </form>
    </section>
  </Layout>
);
