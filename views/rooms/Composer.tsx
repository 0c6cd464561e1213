import type { FC } from 'hono/jsx';
import { ids } from '../ids.js';

export interface ComposerProps {
  roomSlug: string;
  roomName: string;
  /** Names this send; a retry of the same form reuses it, so the message is stored once. */
  clientId: string;
  body?: string;
  error?: string | undefined;
}

/**
 * The message form. Without JavaScript it posts and the server redirects back to the room (or shows
 * the room again with the error and the text kept). With htmx, sends queue in order; the answer
 * upserts the sender's own message and live.js clears the composer (see live.js for client_ids and
 * the outbox of sends that failed). A refused message (422) replaces the form with one showing the
 * error and keeping the text; live.js shows other refusals (signed out, too large) under the form.
 */
export const Composer: FC<ComposerProps> = ({ roomSlug, roomName, clientId, body = '', error }) => {
  const url = `/lobby/${roomSlug}/messages/`;
  return (
    <form
      id={ids.composer}
      class="composer"
      method="post"
      action={url}
      hx-post={url}
      hx-swap="none"
      hx-sync="queue all"
      {...{ 'hx-status:422': 'swap:outerHTML' }}
    >
      <input type="hidden" name="client_id" value={clientId} />
      <label for="composer-body" class="visually-hidden">Message {roomName}</label>
      <textarea
        id="composer-body"
        name="body"
        rows={2}
       
        required
        placeholder={`Message ${roomName}`}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? 'composer-error' : undefined}
        autofocus
      >
        {body}
      </textarea>
      <button type="submit" class="button-primary">Send</button>
      {error ? <p class="field-error" id="composer-error" role="alert">{error}</p> : null}
    </form>
  );
};
