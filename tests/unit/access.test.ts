import { describe, expect, it } from 'vitest';
import { mayChangeMessage, mayInRoom, type RoomAction } from '../../src/rooms/access.js';

// The policy itself, without HTTP: tests/integration/security/access.test.ts proves every route
// asks it (and answers the status it should).
const account = { id: 1, isGuest: false };
const otherAccount = { id: 2, isGuest: false };
const guest = { id: 3, isGuest: true };
const room = { id: 10 };
const ROOM_ACTIONS: RoomAction[] = ['read', 'post'];

describe('mayInRoom', () => {
  it.each(ROOM_ACTIONS)('lets anyone signed in, account or guest, %s in any room', (action) => {
    for (const user of [account, otherAccount, guest]) expect(mayInRoom(user, action, room)).toBe(true);
  });

  it('lets anyone signed in, guests included, create a room', () => {
    for (const user of [account, otherAccount, guest]) expect(mayInRoom(user, 'create')).toBe(true);
  });

  it.each([null, undefined])('refuses everything to nobody (%s)', (nobody) => {
    for (const action of [...ROOM_ACTIONS, 'create'] as RoomAction[]) expect(mayInRoom(nobody, action, room)).toBe(false);
  });

  it.each(ROOM_ACTIONS)('refuses to %s without a room to do it in', (action) => {
    expect(mayInRoom(account, action)).toBe(false);
  });
});

describe('mayChangeMessage', () => {
  it('lets the author change their message, a guest author included', () => {
    expect(mayChangeMessage(account, { authorId: account.id })).toBe(true);
    expect(mayChangeMessage(guest, { authorId: guest.id })).toBe(true);
  });

  it('refuses everyone else: another account, a guest, nobody', () => {
    const message = { authorId: account.id };
    expect(mayChangeMessage(otherAccount, message)).toBe(false);
    expect(mayChangeMessage(guest, message)).toBe(false);
    expect(mayChangeMessage(null, message)).toBe(false);
    expect(mayChangeMessage(undefined, message)).toBe(false);
  });
});
