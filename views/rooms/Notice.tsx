import type { FC } from 'hono/jsx';
import { ids } from '../ids.js';
import { MessageTime } from '../messages/MessageTime.js';

export interface NoticeProps {
  afterSeq: number;
  noticeKey: string;
  kind: 'joined' | 'left';
  firstName: string;
  at: Date;
}

/** "Ada joined the room" / "Ada left the room", placed in the message list where it happened. */
export const Notice: FC<NoticeProps> = ({ afterSeq, noticeKey, kind, firstName, at }) => (
  <li id={ids.notice(afterSeq, noticeKey)} class={`notice notice-${kind}`} hx-ignore>
    <span>{kind === 'joined' ? `${firstName} joined the room` : `${firstName} left the room`}</span>{' '}
    <MessageTime at={at} />
  </li>
);
