import type { FC } from 'hono/jsx';
import { iconUrl } from '../../src/auth/icons.js';
import type { User } from '../../src/db/schema.js';
import { FormAlert, FormDone } from '../form.js';
import { Layout } from '../layout.js';

/** A person as the administrator's list shows them; `admin` is the role they hold now. */
export type Person = Pick<User, 'id' | 'username' | 'firstName' | 'lastName' | 'icon' | 'isGuest' | 'disabledAt'> & { admin: boolean };

export interface AdminProps {
  user: User;
  people: Person[];
  search: string;
  /** True when more people match than are listed. */
  more: boolean;
  /** What the last action did ("@bob is disabled…"). */
  done?: string | undefined;
  error?: string | undefined;
}

/** People, newest first, each with a button to disable or enable them. Plain forms. */
export const AdminPage: FC<AdminProps> = ({ user, people, search, more, done, error }) => (
  <Layout title="Administration" user={user}>
    <section class="card admin-card" aria-labelledby="admin-title">
      <h1 id="admin-title">People</h1>
      <p class="lede">
        A disabled person is signed out everywhere at once and cannot sign in until enabled again. Administrators cannot be disabled.
        Rooms are renamed or deleted from their own page (“Room settings”).
      </p>
      <FormDone message={done} />
      <FormAlert message={error} />
      <form method="get" action="/admin/" class="admin-search" role="search">
        <label for="q">Find people</label>
        <input id="q" name="q" type="search" value={search} maxlength={64} placeholder="username or first name" />
        <button type="submit" class="button-quiet">Search</button>
      </form>
      <ul class="people-admin">
        {people.map((person) => (
          <PersonRow person={person} self={person.id === user.id} />
        ))}
      </ul>
      {people.length === 0 ? <p>Nobody matches “{search}”.</p> : null}
      {more ? <p class="hint">Only the newest {people.length} are listed: search to find others.</p> : null}
    </section>
  </Layout>
);

const PersonRow: FC<{ person: Person; self: boolean }> = ({ person, self }) => {
  const url = `/admin/people/${person.username}/disabled/`;
  return (
    <li id={`person-${person.username}`} class={person.disabledAt ? 'person person-disabled' : 'person'}>
      <img class="avatar" src={iconUrl(person.icon)} alt="" width="32" height="32" />
      <span class="person-name">
        {person.firstName} {person.lastName} <span class="username">@{person.username}</span>
        {person.admin ? <span class="badge">administrator</span> : null}
        {person.isGuest ? <span class="badge">guest</span> : null}
        {person.disabledAt ? <span class="badge badge-alert">disabled</span> : null}
      </span>
      {person.admin ? (
        <span class="hint">{self ? 'you' : ''}</span>
      ) : (
        <form method="post" action={url}>
          {person.disabledAt ? <input type="hidden" name="_method" value="DELETE" /> : null}
          <button type="submit" class={person.disabledAt ? 'button-quiet' : 'button-danger'} aria-label={`${person.disabledAt ? 'Enable' : 'Disable'} @${person.username}`}>
            {person.disabledAt ? 'Enable' : 'Disable'}
          </button>
        </form>
      )}
    </li>
  );
};
