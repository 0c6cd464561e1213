import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BusEvent } from '../../src/realtime/bus.js';
import type { NoticeGroup, RoomListener } from '../../src/realtime/listener.js';
import { pageListener } from '../../src/realtime/page-listener.js';
import { RoomPresence, refreshPeriodMs } from '../../src/realtime/room-presence.js';
import { namesSentence } from '../../views/rooms/Notice.js';

type NoticeEvent = Extract<BusEvent, { type: 'notice' }>;

const event = (firstName: string, kind: 'joined' | 'left' = 'joined'): NoticeEvent => ({
  type: 'notice',
  roomId: 1,
  kind,
  userId: 1,
  firstName,
  username: firstName.toLowerCase(),
  at: new Date().toISOString(),
  key: `k${firstName}`,
});

/** A room's presence with listeners that record the notice groups they were given. */
function roomWith(listeners: number) {
  const received: NoticeGroup[][][] = Array.from({ length: listeners }, () => []);
  const sockets = new Set(received.map((log) => ({ notices: (groups: NoticeGroup[]) => log.push(groups) }) as unknown as RoomListener));
  // Showing notices uses nothing but the room's sockets.
  const presence = new RoomPresence({ roomId: 1, sockets: () => sockets } as unknown as ConstructorParameters<typeof RoomPresence>[0]);
  return { presence, received };
}

const said = (groups: NoticeGroup[]) => groups.map((group) => `${namesSentence(group.notices.map((n) => n.firstName))} ${group.kind}`);

describe('join and leave notices', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shows a lone arrival at once', () => {
    const { presence, received } = roomWith(2);
    presence.showNotice(event('Ada'));
    expect(received.map((log) => log.map(said))).toEqual([[['Ada joined']], [['Ada joined']]]);
  });

  it('gathers a crowd arriving within a moment into one line per kind, in order, for every socket', () => {
    const { presence, received } = roomWith(3);
    presence.showNotice(event('Ada'));
    for (const name of ['Bob', 'Cy', 'Dee', 'Eve', 'Fay']) presence.showNotice(event(name));
    presence.showNotice(event('Gus', 'left'));
    expect(received[0]!.map(said)).toEqual([['Ada joined']]);
    vi.advanceTimersByTime(100);
    for (const log of received) expect(log.map(said)).toEqual([['Ada joined'], ['Bob, Cy, Dee and 2 others joined', 'Gus left']]);
    // Quiet for a moment: the next one goes out at once again.
    vi.advanceTimersByTime(500);
    presence.showNotice(event('Hal', 'left'));
    expect(received[0]!.map(said).at(-1)).toEqual(['Hal left']);
  });

  it('renders one frame for everyone on the page protocol, with every name counted once', () => {
    const frames: string[] = [];
    const listener = () => pageListener({ user: { id: 99 } as never, sessionId: null, after: 0, send: (frame) => frames.push(frame.toString()), close: () => {} });
    const sockets = new Set([listener(), listener()]);
    const presence = new RoomPresence({ roomId: 1, sockets: () => sockets } as unknown as ConstructorParameters<typeof RoomPresence>[0]);
    presence.showNotice(event('Ada'));
    presence.showNotice(event('Bob'));
    presence.showNotice(event('Cy'));
    vi.advanceTimersByTime(100);
    expect(frames).toHaveLength(4);
    expect(frames[2]).toBe(frames[3]);
    expect(frames[2]).toContain('<span>Bob and Cy joined the room</span>');
    expect(frames[2]).toContain('id="m-0-nkBob"');
  });
});

describe('the moment notices and lists are gathered over', () => {
  it('is 100 ms up to 100 sockets, then 1 ms per socket, at most 2 s', () => {
    expect([0, 1, 100, 101, 1000, 1999, 2000, 19_000].map(refreshPeriodMs)).toEqual([100, 100, 100, 101, 1000, 1999, 2000, 2000]);
  });

  it('holds the notices of a crowd in a room of 500 sockets for half a second', () => {
    vi.useFakeTimers();
    try {
      const { presence, received } = roomWith(500);
      presence.showNotice(event('Ada'));
      presence.showNotice(event('Bob'));
      vi.advanceTimersByTime(499);
      expect(received[0]!.map(said)).toEqual([['Ada joined']]);
      vi.advanceTimersByTime(1);
      expect(received[499]!.map(said)).toEqual([['Ada joined'], ['Bob joined']]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('the sentence of a notice', () => {
  it('names up to three people and counts the rest', () => {
    expect(namesSentence(['Ada'])).toBe('Ada');
    expect(namesSentence(['Ada', 'Bob'])).toBe('Ada and Bob');
    expect(namesSentence(['Ada', 'Bob', 'Cy'])).toBe('Ada, Bob and Cy');
    expect(namesSentence(['Ada', 'Bob', 'Cy', 'Dee'])).toBe('Ada, Bob, Cy and 1 other');
    expect(namesSentence(['Ada', 'Bob', 'Cy', 'Dee', 'Eve'])).toBe('Ada, Bob, Cy and 2 others');
  });
});
