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
 * The message form. Without JavaScript it posts and the server redirects back to the room; with htmx
 * the answer is a fresh composer (new client_id) that replaces this one, so it clears only once the
 * message was accepted, and keeps the text with the error otherwise.
 */
export const Composer: FC<ComposerProps> = ({ roomSlug, roomName, clientId, body = '', error }) => {
  const url = `/lobby/${roomSlug}/messages/`;
  return (
    // A 5xx answer is not swapped in: live.js keeps the text and retries with the same client_id.
    <form id={ids.composer} class="composer" method="post" action={url} hx-post={url} hx-swap="outerHTML" {...{ 'hx-status:5xx': 'swap:none' }}>
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
