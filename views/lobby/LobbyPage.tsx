import type { FC } from 'hono/jsx';
import type { Room, User } from '../../src/db/schema.js';
import { roomImageUrl } from '../../src/rooms/images.js';
import { Layout } from '../layout.js';

export const LobbyPage: FC<{ user: User; rooms: Room[] }> = ({ user, rooms }) => (
  <Layout title="Lobby" user={user}>
    <section aria-labelledby="lobby-title">
      <h1 id="lobby-title">Welcome, {user.firstName}</h1>
      <p class="lede">Pick a room to join the conversation.</p>
      <ul class="room-grid">
        {rooms.map((room) => (
          <li class="room-card">
            <a href={`/lobby/${room.slug}/`}>
              <img src={roomImageUrl(room.image)} alt="" width="320" height="180" />
              <h2>{room.name}</h2>
              <p>{room.description}</p>
            </a>
          </li>
        ))}
      </ul>
    </section>
  </Layout>
);
