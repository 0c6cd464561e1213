import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { createLogger } from '../../src/log.js';
import { type Bus, type BusEvent, InProcessBus } from '../../src/realtime/bus.js';
import { LobbyLive, nudgeLobbies } from '../../src/realtime/lobby.js';
import type { Presence } from '../../src/realtime/presence.js';

// A stand-in for the bus that records what is published.
function recordingBus() {
  const published: Array<{ channel: string; event: BusEvent }> = [];
  const bus: Bus = {
    publish: async (channel, event) => void published.push({ channel, event }),
    subscribe: async () => {},
    unsubscribe: async () => {},
    onResubscribe: () => {},
    ping: async () => {},
    close: async () => {},
  };
  return { bus, published };
}

describe('nudging the lobbies', () => {
  it('publishes once for every call made while a nudge waits to go out, and again for a call after it went', async () => {
    const { bus, published } = recordingBus();
    const first = Array.from({ length: 10 }, () => nudgeLobbies(bus));
    expect(published).toEqual([]);
    await Promise.all(first);
    expect(published).toEqual([{ channel: 'lobby', event: { type: 'lobby' } }]);
    await nudgeLobbies(bus);
    expect(published).toHaveLength(2);
  });

  it('keeps each bus’s nudges apart', async () => {
    const [a, b] = [recordingBus(), recordingBus()];
    await Promise.all([nudgeLobbies(a.bus), nudgeLobbies(b.bus), nudgeLobbies(a.bus)]);
    expect([a.published.length, b.published.length]).toEqual([1, 1]);
  });
});

describe('the lobby channel’s room events', () => {
  it('close a deleted room’s sockets here (those that joined before its own channel could tell them), and no others', async () => {
    const bus = new InProcessBus();
    const deleted: number[] = [];
    const lobby = new LobbyLive({ db: {} as Db, bus, presence: {} as Presence, log: createLogger('silent'), roomDeleted: (roomId) => deleted.push(roomId) });
    await lobby.start();
    await lobby.changed({ renamedRoom: 7 });
    await lobby.changed({ deletedRoom: 8 });
    await lobby.changed();
    await new Promise((resolve) => setImmediate(resolve));
    expect(deleted).toEqual([8]);
  });
});
