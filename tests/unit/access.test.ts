import { describe, expect, it } from 'vitest';
import { mayChangeMessage, mayInRoom, type RoomAction } from '../../src/rooms/access.js';

// The policy itself, without HTTP: tests/integration/security/access.test.ts proves every route
// asks it (and answers the status it should).
const account = { id: 1, isGuest: false };
const otherAccount = { id: 2, isGuest: false };
const guest = { id: 3, isGuest: true };
const room = { id: 10, slug: 'chess-club' };
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

describe('the administrator', () => {
  const admin = { id: 4, isGuest: false, isAdmin: true };
  const message = { authorId: account.id };

  it('deletes anyone’s message but edits only their own', () => {
    expect(mayChangeMessage(admin, message, 'delete')).toBe(true);
    expect(mayChangeMessage(admin, message, 'edit')).toBe(false);
    expect(mayChangeMessage(admin, { authorId: admin.id }, 'edit')).toBe(true);
    expect(mayChangeMessage(otherAccount, message, 'delete')).toBe(false);
  });

  it('alone renames and deletes rooms; the four original rooms are never deleted', () => {
    expect(mayInRoom(admin, 'rename', room)).toBe(true);
    expect(mayInRoom(admin, 'delete', room)).toBe(true);
    for (const slug of ['game', 'study', 'movie', 'music']) {
      expect(mayInRoom(admin, 'rename', { id: 1, slug })).toBe(true);
      expect(mayInRoom(admin, 'delete', { id: 1, slug })).toBe(false);
    }
    for (const user of [account, guest, { ...guest, isAdmin: false }, null]) {
      expect(mayInRoom(user, 'rename', room)).toBe(false);
      expect(mayInRoom(user, 'delete', room)).toBe(false);
    }
  });
});
