import type { User } from '../db/schema.js';
import { type MessageView, publicMessage } from '../messages/queries.js';
import type { PresentUser } from '../../views/rooms/PresenceList.js';
import { changeHtml, presenceFrame } from './frames.js';

/**
 * One change of a room's log (a message created, edited or deleted), rendered at most once in each
 * form whoever asks: the hub reads a change once and hands the same object to every listener.
 */
export class Change {
  private htmlForAuthor: string | undefined;
  private htmlForOthers: string | undefined;
  private asJson: ReturnType<typeof publicMessage> | undefined;

  constructor(
    readonly message: MessageView,
    private readonly roomSlug: string,
  ) {}

  get updatedSeq(): number {
    return this.message.updatedSeq;
  }

  /** The message item; the author's copy carries the edit and delete forms. */
  html(forAuthor: boolean): string {
    if (forAuthor) return (this.htmlForAuthor ??= changeHtml(this.message, this.roomSlug, true));
    return (this.htmlForOthers ??= changeHtml(this.message, this.roomSlug, false));
  }

  json(): ReturnType<typeof publicMessage> {
    return (this.asJson ??= publicMessage(this.message, this.roomSlug));
  }
}

/** Who is in the room, rendered once per form. */
export class PeopleList {
  private asHtml: string | undefined;

  constructor(readonly people: PresentUser[]) {}

  html(): string {
    return (this.asHtml ??= presenceFrame(this.people));
  }

  json() {
    return this.people.map((person) => ({ username: person.username, first_name: person.firstName, icon: person.icon }));
  }
}

/** "Ada joined" / "Ada left": of the moment, not part of the log. */
export interface RoomNotice {
  kind: 'joined' | 'left';
  firstName: string;
  username: string;
  at: Date;
  key: string;
}

/**
 * A member of a room on this instance, in whatever form it listens: a page's socket (HTML
 * fragments), an event stream (JSON), an old-protocol socket. The hub and the room's feed only
 * speak to this.
 */
export interface RoomListener {
  readonly user: User;
  /** The cookie session that opened it (null for a bearer token): signing out closes it. */
  readonly sessionId: string | null;
  /** The last change this listener has (from its `after`, then from what was delivered). */
  lastSeq: number;
  /**
   * Further behind than one replay: 'reload' tells it to start afresh (a page cannot hold the
   * whole log); 'stream' keeps sending the log in batches (a stream reader wants every change).
   */
  readonly catchUp: 'reload' | 'stream';
  /** Changes above `after` (this listener's lastSeq before them), in order, up to `last`. */
  changes(changes: Change[], after: number, last: number): void;
  people(list: PeopleList): void;
  notice(notice: RoomNotice): void;
  /** Too far behind to replay ('reload' listeners): it is closed right after. */
  reload(): void;
  close(code: number, reason: string): void;
}
