import type { Child, FC } from 'hono/jsx';
import { RoomHeading } from './RoomHeading.js';
import type { Room, User } from '../../src/db/schema.js';
import type { MessageView } from '../../src/messages/queries.js';
import { ids } from '../ids.js';
import { Layout } from '../layout.js';
import { controlsFor, SharedMessageItem } from '../messages/MessageItem.js';
import { Composer, type ComposerProps } from './Composer.js';
import { HistoryStart } from './HistoryStart.js';
import { Live } from './Live.js';
import { PresenceList, type PresentUser } from './PresenceList.js';

export interface RoomPageProps {
  user: User;
  room: Room;
  /** The room's last seq read before the messages: the socket resumes after it. */
  lastSeq: number;
  people: PresentUser[];
  composer: Omit<ComposerProps, 'roomSlug' | 'roomName'>;
  pingIntervalMs: number;
  /**
   * What goes inside the message list: src/rooms/page.tsx renders RoomMessages once per state of
   * the room and form, keeps it as bytes, and puts a marker here where they go.
   */
  list: Child;
}

/** The message list's items: where the history starts, then the messages, each in the viewer's form. */
export const RoomMessages: FC<{ user: User; roomSlug: string; messages: MessageView[]; hasOlder: boolean }> = ({ user, roomSlug, messages, hasOlder }) => (
  <>
    <HistoryStart roomSlug={roomSlug} oldestSeq={messages[0]?.seq ?? null} hasOlder={hasOlder} />
    {messages.map((message) => (
      <SharedMessageItem message={message} roomSlug={roomSlug} controls={controlsFor(user, message)} />
    ))}
  </>
);

export const RoomPage: FC<RoomPageProps> = ({ user, room, lastSeq, people, composer, pingIntervalMs, list }) => (
  <Layout title={room.name} user={user} live>
    <div class="room">
      <header class="room-header" hx-ignore>
        <a class="back-link" href="/lobby/">← Lobby</a>
        <RoomHeading name={room.name} description={room.description} />
        {user.isAdmin ? <a class="room-settings-link" href={`/lobby/${room.slug}/edit/`}>Room settings</a> : null}
      </header>
      <Live url={`/lobby/${room.slug}/ws/`} afterSeq={lastSeq} pingIntervalMs={pingIntervalMs}>
        <div class="room-body">
          <section class="chat" aria-labelledby="room-title">
            {/* The scroller is the live log (keyboard reachable); the list inside stays a list. */}
            <div class="scroller" role="log" tabindex={0} aria-label={`Messages in ${room.name}`}>
              {/* Sends that failed and are being retried (live.js); first, as the scroller runs bottom-up. */}
              <ol id="outbox" class="outbox" aria-label="Not sent yet" />
              <ol id={ids.messages} class="messages">
                {list}
              </ol>
            </div>
            <a class="jump-to-latest" href="#composer" hidden>New messages ↓</a>
            <Composer roomSlug={room.slug} roomName={room.name} {...composer} />
          </section>
          <aside class="people">
            <PresenceList people={people} />
          </aside>
        </div>
      </Live>
    </div>
  </Layout>
);
