import type { FC } from 'hono/jsx';
import { ids } from '../ids.js';
import { MessageTime } from '../messages/MessageTime.js';

export interface NoticeProps {
  afterSeq: number;
  noticeKey: string;
  kind: 'joined' | 'left';
  /** First names, in the order they came; a crowd names its first few and counts the rest. */
  firstNames: string[];
  at: Date;
}

// A crowd's notice names this many and counts the rest.
const NAMED = 3;

/** "Ada", "Ada and Bob", "Ada, Bob and Cy", "Ada, Bob, Cy and 4 others". */
export function namesSentence(names: string[]): string {
  if (names.length === 1) return names[0]!;
  if (names.length <= NAMED) return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  const others = names.length - NAMED;
  return `${names.slice(0, NAMED).join(', ')} and ${others} ${others === 1 ? 'other' : 'others'}`;
}

/** "Ada joined the room" / "Ada and Bob left the room", placed in the message list where it happened. */
export const Notice: FC<NoticeProps> = ({ afterSeq, noticeKey, kind, firstNames, at }) => (
  <li id={ids.notice(afterSeq, noticeKey)} class={`notice notice-${kind}`} hx-ignore>
    <span>{`${namesSentence(firstNames)} ${kind} the room`}</span> <MessageTime at={at} />
  </li>
);
