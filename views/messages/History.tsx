import type { FC } from 'hono/jsx';
import type { Room, User } from '../../src/db/schema.js';
import type { MessageView } from '../../src/messages/queries.js';
import { ids } from '../ids.js';
import { Layout } from '../layout.js';
import { HistoryStart, SpentHistoryStart } from '../rooms/HistoryStart.js';
import { controlsFor, SharedMessageItem } from './MessageItem.js';

interface HistoryProps {
  room: Room;
  messages: MessageView[];
  hasOlder: boolean;
  before?: number | undefined;
  viewer: Pick<User, 'id' | 'isAdmin'>;
}

const Items: FC<HistoryProps> = ({ room, messages, viewer }) => (
  <>
    {messages.map((message) => (
      <SharedMessageItem message={message} roomSlug={room.slug} controls={controlsFor(viewer, message)} />
    ))}
  </>
);

/** For htmx: the older messages upserted into the list, with a new top-of-history marker. */
export const HistoryFragment: FC<HistoryProps> = (props) => (
  <ol id={ids.messages} hx-swap-oob="upsert">
    {props.before ? <SpentHistoryStart beforeSeq={props.before} /> : null}
    <HistoryStart roomSlug={props.room.slug} oldestSeq={props.messages[0]?.seq ?? null} hasOlder={props.hasOlder} />
    <Items {...props} />
  </ol>
);

/** Without JavaScript: a page of older messages with links further back and back to the room. */
export const HistoryPage: FC<HistoryProps & { user: User }> = (props) => {
  const oldest = props.messages[0]?.seq;
  return (
    <Layout title={`${props.room.name}: older messages`} user={props.user}>
      <div class="room history">
        <header class="room-header">
          <a class="back-link" href={`/lobby/${props.room.slug}/`} hx-ignore>← Back to {props.room.name}</a>
          <h1 hx-ignore>Older messages in {props.room.name}</h1>
        </header>
        <ol class="messages" aria-label={`Older messages in ${props.room.name}`}>
          {props.hasOlder && oldest ? (
            <li class="history-start">
              <a href={`/lobby/${props.room.slug}/messages/?before=${oldest}`}>Older messages</a>
            </li>
          ) : (
            <li class="history-start">This is the start of the conversation.</li>
          )}
          <Items {...props} />
        </ol>
        <p>
          <a href={`/lobby/${props.room.slug}/`}>Back to the newest messages</a>
        </p>
      </div>
    </Layout>
  );
};
