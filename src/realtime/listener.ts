import type { User } from '../db/schema.js';
import { type MessageView, publicMessage } from '../messages/queries.js';
import type { PresentUser } from '../../views/rooms/PresenceList.js';
import type { RoomHeadingProps } from '../../views/rooms/RoomHeading.js';
import type { MessageControls } from '../../views/messages/MessageItem.js';
import { changeHtml, presenceFrame } from './frames.js';

/**
 * One change of a room's log (a message created, edited or deleted), rendered at most once in each
 * form whoever asks: the hub reads a change once and hands the same object to every listener.
 */
export class Change {
  private readonly htmlFor = new Map<MessageControls, string>();
  private asJson: ReturnType<typeof publicMessage> | undefined;

  constructor(
    readonly message: MessageView,
    private readonly roomSlug: string,
  ) {}

  get updatedSeq(): number {
    return this.message.updatedSeq;
  }

  /** The message item with the forms this reader gets (the author's, an administrator's, none). */
  html(controls: MessageControls): string {
    let html = this.htmlFor.get(controls);
    if (html === undefined) this.htmlFor.set(controls, (html = changeHtml(this.message, this.roomSlug, controls)));
    return html;
  }

  json(): ReturnType<typeof publicMessage> {
    return (this.asJson ??= publicMessage(this.message, this.roomSlug));
  }
}

/**
 * Frames built while serving one change (or notice) to a room's listeners, shared by every listener
 * that needs the same frame: rendered and encoded to UTF-8 once, then the same bytes are written to
 * each socket. Keys name the frame's form and whatever it depends on.
 */
export class FrameMemo {
  private readonly frames = new Map<string, Buffer>();

  /** `max`: a memo kept from one delivery to the next forgets its oldest frames beyond this many. */
  constructor(private readonly max = Infinity) {}

  clear(): void {
    this.frames.clear();
  }

  get(key: string, build: () => string): Buffer {
    let frame = this.frames.get(key);
    if (!frame) {
      frame = Buffer.from(build());
      this.frames.set(key, frame);
      if (this.frames.size > this.max) this.frames.delete(this.frames.keys().next().value!);
    }
    return frame;
  }
}

/** Who is in the room, rendered once per form. */
export class PeopleList {
  private asHtml: Buffer | undefined;

  constructor(readonly people: PresentUser[]) {}

  html(): Buffer {
    return (this.asHtml ??= Buffer.from(presenceFrame(this.people)));
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

/** Consecutive notices of the same kind, as one line says them: "Ada, Bob and 3 others joined". */
export interface NoticeGroup {
  kind: RoomNotice['kind'];
  notices: RoomNotice[];
}

export function groupNotices(notices: RoomNotice[]): NoticeGroup[] {
  const groups: NoticeGroup[] = [];
  for (const notice of notices) {
    const last = groups[groups.length - 1];
    if (last?.kind === notice.kind) last.notices.push(notice);
    else groups.push({ kind: notice.kind, notices: [notice] });
  }
  return groups;
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
  /**
   * Changes above `after` (this listener's lastSeq before them), in order, up to `last`. Listeners
   * that would send the same frame take it from `memo`.
   */
  changes(changes: Change[], after: number, last: number, memo: FrameMemo): void;
  people(list: PeopleList): void;
  /** Notices gathered over a moment (see RoomPresence), grouped, in the order they happened. */
  notices(groups: NoticeGroup[], memo: FrameMemo): void;
  /** The room was renamed (pages show it at once; other listeners may ignore it). */
  renamed?(heading: RoomHeadingProps, memo: FrameMemo): void;
  /** Too far behind to replay ('reload' listeners): it is closed right after. */
  reload(): void;
  close(code: number, reason: string): void;
}
