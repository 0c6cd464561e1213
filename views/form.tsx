import type { FC } from 'hono/jsx';

export type FormErrors = Record<string, string | undefined>;

interface FieldProps {
  name: string;
  label: string;
  type?: 'text' | 'password';
  value?: string;
  error?: string | undefined;
  hint?: string;
  autocomplete?: string;
  required?: boolean;
  minlength?: number;
  maxlength?: number;
  pattern?: string;
  autofocus?: boolean;
}

/** A labelled input whose error sits right under it and is announced with it. */
export const Field: FC<FieldProps> = ({ name, label, type = 'text', value, error, hint, ...input }) => {
  const describedBy = [hint ? `${name}-hint` : '', error ? `${name}-error` : ''].filter(Boolean).join(' ');
  return (
    <div class={error ? 'field field-invalid' : 'field'}>
      <label for={name}>{label}</label>
      <input
        id={name}
        name={name}
        type={type}
        value={type === 'password' ? undefined : value}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy || undefined}
        {...input}
      />
      {hint ? <p class="hint" id={`${name}-hint`}>{hint}</p> : null}
      {error ? <p class="field-error" id={`${name}-error`}>{error}</p> : null}
    </div>
  );
};

/** A message for the whole form (wrong credentials, a refused request). */
export const FormAlert: FC<{ message?: string | undefined }> = ({ message }) =>
  message ? (
    <p class="form-alert" role="alert">
      {message}
    </p>
  ) : null;

/** What a form just did, said politely (a status, not an alert); nothing when there is nothing to say. */
export const FormDone: FC<{ message?: string | undefined }> = ({ message }) =>
  message ? (
    <p class="form-done" role="status">
      {message}
    </p>
  ) : null;
