import { raw } from 'hono/html';
import type { FC } from 'hono/jsx';
import { iconUrl } from '../../src/auth/icons.js';
import type { User } from '../../src/db/schema.js';
import type { MessageView } from '../../src/messages/queries.js';
import { mayChangeMessage } from '../../src/rooms/access.js';
import { ids } from '../ids.js';
import { MessageTime } from './MessageTime.js';

export const messageUrl = (roomSlug: string, seq: number) => `/lobby/${roomSlug}/messages/${seq}/`;

/** The forms a reader gets on a message: its author edits and deletes it, an administrator deletes it. */
export type MessageControls = 'author' | 'delete' | 'none';

export function controlsFor(viewer: Pick<User, 'id' | 'isAdmin'>, message: Pick<MessageView, 'authorId'>): MessageControls {
  if (mayChangeMessage(viewer, message, 'edit')) return 'author';
  return mayChangeMessage(viewer, message, 'delete') ? 'delete' : 'none';
}

/**
 * One message, the same in the page, in history pages and in live fragments. `controls` adds the
 * edit and delete forms, which are plain forms so they work without JavaScript.
 */
export const MessageItem: FC<{ message: MessageView; roomSlug: string; controls: MessageControls }> = ({ message, roomSlug, controls }) => {
  const deleted = message.deletedAt !== null;
  return (
    <li id={ids.message(message.seq)} data-seq={message.seq} class={deleted ? 'message message-deleted' : 'message'}>
      <img class="avatar" src={iconUrl(message.author.icon)} alt="" width="36" height="36" />
      <div class="message-main">
        <p class="message-meta" hx-ignore>
          <span class="author">{message.author.firstName}</span>
          <span class="username">@{message.author.username}</span>
          <MessageTime at={message.createdAt} />
          {message.editedAt && !deleted ? <span class="edited">(edited)</span> : null}
        </p>
        {deleted ? (
          <p class="tombstone">This message was deleted.</p>
        ) : (
          // hx-ignore: htmx leaves anything inside a message body alone (the text is escaped as well).
          <div class="message-body" hx-ignore>
            {message.body}
          </div>
        )}
        {controls !== 'none' && !deleted ? <MessageActions message={message} roomSlug={roomSlug} edit={controls === 'author'} /> : null}
      </div>
    </li>
  );
};

const MessageActions: FC<{ message: MessageView; roomSlug: string; edit: boolean }> = ({ message, roomSlug, edit }) => {
  const url = messageUrl(roomSlug, message.seq);
  return (
    <div class="message-actions">
      {edit ? <EditForm message={message} url={url} /> : null}
      <form method="post" action={url} hx-post={url} hx-swap="none" class="delete-form">
        <input type="hidden" name="_method" value="DELETE" />
        <button type="submit" class="button-quiet">Delete</button>
      </form>
    </div>
  );
};

const EditForm: FC<{ message: MessageView; url: string }> = ({ message, url }) => (
  <details>
    <summary>Edit</summary>
    <form method="post" action={url} hx-post={url} hx-swap="none" class="edit-form">
      <input type="hidden" name="_method" value="PATCH" />
      <label for={`edit-${message.seq}`} class="visually-hidden">Edit your message</label>
      <textarea id={`edit-${message.seq}`} name="body" required rows={2}>{message.body}</textarea>
      <button type="submit" class="button-primary">Save</button>
    </form>
  </details>
);

const rendered = new WeakMap<MessageView, Map<string, ReturnType<typeof raw>>>();

/**
 * MessageItem rendered once per message as read and per form (the author's, an administrator's, everyone else's). The
 * newest page of a room is read once per state of the room and shared (src/messages/latest.ts), so
 * a room page renders only what changed since the last reader's. `raw` only keeps hono/jsx from
 * escaping the item a second time: it is MessageItem's own output, whose text was escaped as it rendered.
 */
export const SharedMessageItem: FC<{ message: MessageView; roomSlug: string; controls: MessageControls }> = (props) => {
  let forms = rendered.get(props.message);
  if (!forms) rendered.set(props.message, (forms = new Map()));
  const key = `${props.controls} ${props.roomSlug}`;
  let html = forms.get(key);
  if (!html) forms.set(key, (html = raw(String(<MessageItem {...props} />))));
  return html;
};
