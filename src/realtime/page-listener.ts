import type { User } from '../db/schema.js';
import { messagesFrame, noticeFrame, reloadFrame } from './frames.js';
import type { Change, PeopleList, RoomListener, RoomNotice } from './listener.js';

/** A room page's socket: every change, notice and list as an htmx fragment (see frames.tsx). */
export function pageListener(options: {
  user: User;
  sessionId: string | null;
  after: number;
  send: (frame: string) => void;
  close: (code: number, reason: string) => void;
}): RoomListener {
  const { user, sessionId, send, close } = options;
  return {
    user,
    sessionId,
    lastSeq: options.after,
    catchUp: 'reload',
    changes(changes: Change[], after: number, last: number) {
      send(messagesFrame(changes.map((change) => change.html(change.message.authorId === user.id)), after, last));
    },
    people(list: PeopleList) {
      send(list.html());
    },
    notice(notice: RoomNotice) {
      // Placed after the change the page had when it happened.
      send(noticeFrame({ kind: notice.kind, firstName: notice.firstName, at: notice.at, noticeKey: notice.key, afterSeq: this.lastSeq }));
    },
    reload() {
      send(reloadFrame());
    },
    close,
  };
}
