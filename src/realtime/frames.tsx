import type { Room } from '../db/schema.js';
import type { MessageView } from '../messages/queries.js';
import { ids } from '../../views/ids.js';
import { RoomCards } from '../../views/lobby/RoomCards.js';
import { type MessageControls, MessageItem } from '../../views/messages/MessageItem.js';
import { Cursor, LiveStatus } from '../../views/rooms/Live.js';
import { Notice, type NoticeProps } from '../../views/rooms/Notice.js';
import { PresenceList, type PresentUser } from '../../views/rooms/PresenceList.js';
import { RoomHeading, type RoomHeadingProps } from '../../views/rooms/RoomHeading.js';

/**
 * The HTML frames the room socket sends. Each is a set of out-of-band swaps: message items are
 * upserted into the list by id (a repeat replaces instead of doubling), the rest replace by id.
 */
const html = (node: unknown) => String(node);

/** One message item; the author's copy carries the edit and delete forms, an administrator's the delete form. */
export function changeHtml(message: MessageView, roomSlug: string, controls: MessageControls): string {
  return html(<MessageItem message={message} roomSlug={roomSlug} controls={controls} />);
}

export function messagesFrame(items: string[], after: number, cursor: number): string {
  return `<ol id="${ids.messages}" hx-swap-oob="upsert">${items.join('')}</ol>${html(<Cursor seq={cursor} after={after} />)}`;
}

/** Notices of one moment (a crowd's arrivals come as one line per kind), in one swap. */
export function noticeFrame(notices: NoticeProps[]): string {
  return `<ol id="${ids.messages}" hx-swap-oob="upsert">${notices.map((notice) => html(<Notice {...notice} />)).join('')}</ol>`;
}

/** The room's new name and description, after an administrator renamed it. */
export function headingFrame(heading: RoomHeadingProps): string {
  return html(<RoomHeading {...heading} oob />);
}

export function presenceFrame(people: PresentUser[]): string {
  return html(<PresenceList people={people} oob />);
}

export function lobbyFrame(rooms: Room[], counts: Map<number, number>): string {
  return html(<RoomCards rooms={rooms} counts={counts} oob />);
}

/** Too far behind to replay: the page reloads itself (see live.js). */
export function reloadFrame(): string {
  return html(<LiveStatus message="Catching up…" reload oob />);
}
