import type { FC } from 'hono/jsx';
import type { Room } from '../../src/db/schema.js';
import { roomImageUrl } from '../../src/rooms/images.js';
import { ids } from '../ids.js';

const peopleHere = (count: number) => (count === 0 ? 'Nobody here yet' : count === 1 ? '1 person here' : `${count} people here`);

/** The lobby's room cards; live frames resend the whole grid with fresh counts (`oob`). */
export const RoomCards: FC<{ rooms: Room[]; counts: Map<number, number>; oob?: boolean }> = ({ rooms, counts, oob }) => (
  <ul id={ids.roomGrid} class="room-grid" hx-swap-oob={oob ? 'true' : undefined}>
    {rooms.map((room) => (
      <li class="room-card" hx-ignore>
        <a href={`/lobby/${room.slug}/`}>
          <img src={roomImageUrl(room.image)} alt="" width="320" height="180" />
          <h2>{room.name}</h2>
          <p>{room.description}</p>
          <p class="room-online" data-room={room.slug}>
            {peopleHere(counts.get(room.id) ?? 0)}
          </p>
        </a>
      </li>
    ))}
  </ul>
);
