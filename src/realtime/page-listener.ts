import { controlsFor } from '../../views/messages/MessageItem.js';
import type { User } from '../db/schema.js';
import type { RoomHeadingProps } from '../../views/rooms/RoomHeading.js';
import { headingFrame, messagesFrame, noticeFrame, reloadFrame } from './frames.js';
import type { Change, FrameMemo, NoticeGroup, PeopleList, RoomListener } from './listener.js';

/** A room page's socket: every change, notice and list as an htmx fragment (see frames.tsx). */
export function pageListener(options: {
  user: User;
  sessionId: string | null;
  after: number;
  send: (frame: string | Buffer) => void;
  close: (code: number, reason: string) => void;
}): RoomListener {
  const { user, sessionId, send, close } = options;
  return {
    user,
    sessionId,
    lastSeq: options.after,
    catchUp: 'reload',
    changes(changes: Change[], after: number, last: number, memo: FrameMemo) {
      const controls = changes.map((change) => controlsFor(user, change.message));
      const frame = () => messagesFrame(changes.map((change, i) => change.html(controls[i]!)), after, last);
      // The author's own copy carries the edit and delete forms (an administrator's, delete forms on
      // every message); everyone else shares one frame.
      const personal = controls.some((forms) => forms !== 'none');
      // The memo outlives one delivery (room-feed.ts), so the key names the frame's content: the
      // changes between `after` and `last`. Each change takes a new seq, so a change can only leave
      // that range later (edited or deleted anew), never join it: the same count is the same changes.
      send(personal ? frame() : memo.get(`page ${after} ${last} ${changes.length}`, frame));
    },
    people(list: PeopleList) {
      send(list.html());
    },
    notices(groups: NoticeGroup[], memo: FrameMemo) {
      // Placed after the change the page had when they happened.
      const afterSeq = this.lastSeq;
      const frame = () =>
        noticeFrame(
          groups.map(({ kind, notices }) => ({
            kind,
            firstNames: notices.map((notice) => notice.firstName),
            at: notices[notices.length - 1]!.at,
            noticeKey: notices[0]!.key,
            afterSeq,
          })),
        );
      send(memo.get(`page ${afterSeq}`, frame));
    },
    renamed(heading: RoomHeadingProps, memo: FrameMemo) {
      send(memo.get('page heading', () => headingFrame(heading)));
    },
    reload() {
      send(reloadFrame());
    },
    close,
  };
}
