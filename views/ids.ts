/**
 * DOM ids shared by the pages and the live fragments. Items of the message list sort by id with
 * numeric-aware comparison (the upsert swap), so every id in it starts with `m-<seq>`.
 */
export const ids = {
  messages: 'messages',
  message: (seq: number) => `m-${seq}`,
  /** A join/leave notice, placed after the change the reader had seen when it happened. */
  notice: (afterSeq: number, key: string) => `m-${afterSeq}-n${key}`,
  /** The top of the loaded history, just before the oldest message shown (and any notice after it). */
  historyStart: (beforeSeq: number) => `m-${beforeSeq - 1}-0-older`,
  presence: 'presence',
  composer: 'composer',
  cursor: 'room-cursor',
  live: 'live',
  liveStatus: 'live-status',
  roomGrid: 'room-grid',
} as const;
