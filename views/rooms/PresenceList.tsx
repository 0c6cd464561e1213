import type { FC } from 'hono/jsx';
import { iconUrl } from '../../src/auth/icons.js';
import type { User } from '../../src/db/schema.js';
import { ids } from '../ids.js';

export type PresentUser = Pick<User, 'id' | 'username' | 'firstName' | 'icon'>;

// A crowded room lists this many by name and counts the rest: a list of a thousand names helps
// nobody, and every socket in the room is sent the list whenever someone arrives or leaves.
export const LISTED = 50;

/** `oob` when it travels in a live frame, replacing the list on the page. */
export const PresenceList: FC<{ people: PresentUser[]; oob?: boolean }> = ({ people, oob }) => (
  <div id={ids.presence} class="presence" hx-swap-oob={oob ? 'true' : undefined}>
    <h2>
      In the room now <span class="count">{people.length}</span>
    </h2>
    <ul hx-ignore>
      {people.slice(0, LISTED).map((person) => (
        <li>
          <img class="avatar" src={iconUrl(person.icon)} alt="" width="28" height="28" />
          <span title={`@${person.username}`}>{person.firstName}</span>
        </li>
      ))}
    </ul>
    {people.length > LISTED ? <p class="presence-more">and {(people.length - LISTED).toLocaleString('en')} more</p> : null}
  </div>
);
