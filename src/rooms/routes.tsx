import { Hono } from 'hono';
import { LobbyPage } from '../../views/lobby/LobbyPage.js';
import { publicUser } from '../auth/users.js';
import type { AppEnv, Deps } from '../context.js';
import { wantsJson } from '../http/negotiate.js';
import { listRooms, publicRoom } from './queries.js';

export function roomRoutes({ db }: Deps) {
  return new Hono<AppEnv>().get('/', async (c) => {
    const user = c.get('user')!;
    const rooms = await listRooms(db);
    c.header('Vary', 'Accept');
    if (wantsJson(c)) return c.json({ user: publicUser(user), rooms: rooms.map(publicRoom) });
    return c.html(<LobbyPage user={user} rooms={rooms} />);
  });
}
