import type { FC } from 'hono/jsx';
import { ICONS, iconUrl } from '../../src/auth/icons.js';
import { Field, type FormErrors, FormAlert } from '../form.js';
import { Layout } from '../layout.js';

export interface SignUpValues {
  username?: string;
  first_name?: string;
  last_name?: string;
  icon?: string;
}

export const SignUpPage: FC<{ values: SignUpValues; errors?: FormErrors }> = ({ values, errors = {} }) => (
  <Layout title="Create an account">
    <section class="card auth-card" aria-labelledby="signup-title">
      <h1 id="signup-title">Create your Hubbub account</h1>
      <form method="post" action="/signup/" class="stack">
        <FormAlert message={errors.form} />
        <Field name="username" label="Username" value={values.username} error={errors.username}
          hint="3 to 32 letters, digits or _. This is how people can find you."
          autocomplete="username" required minlength={3} maxlength={32} pattern="[A-Za-z0-9_]+" autofocus />
        <div class="field-row">
          <Field name="first_name" label="First name" value={values.first_name} error={errors.first_name}
            autocomplete="given-name" required maxlength={50} />
          <Field name="last_name" label="Last name (optional)" value={values.last_name} error={errors.last_name}
            autocomplete="family-name" maxlength={50} />
        </div>
        <Field name="password" label="Password" type="password" error={errors.password}
          hint="At least 8 characters. Long phrases are great; very common passwords are refused."
          autocomplete="new-password" required minlength={8} maxlength={256} />
        <IconPicker selected={values.icon} error={errors.icon} />
        <button type="submit" class="button-primary">Create account</button>
      </form>
      <p class="alt-action">
        Already have an account? <a href="/">Sign in</a>
      </p>
    </section>
  </Layout>
);

const IconPicker: FC<{ selected?: string | undefined; error?: string | undefined }> = ({ selected, error }) => (
  <fieldset class={error ? 'icon-picker field-invalid' : 'icon-picker'} aria-describedby={error ? 'icon-error' : undefined}>
    <legend>Icon</legend>
    <div class="icon-grid">
      {ICONS.map((icon) => (
        <label class="icon-choice">
          <input type="radio" name="icon" value={icon} checked={icon === selected} required />
          <img src={iconUrl(icon)} alt={icon[0]?.toUpperCase() + icon.slice(1)} width="48" height="48" />
        </label>
      ))}
    </div>
    {error ? <p class="field-error" id="icon-error">{error}</p> : null}
  </fieldset>
);
