import type { FC } from 'hono/jsx';
import type { Room, User } from '../../src/db/schema.js';
import { Field, type FormErrors, FormAlert } from '../form.js';
import { Layout } from '../layout.js';

export interface RoomSettingsValues {
  name?: string | undefined;
  description?: string | undefined;
}

export interface RoomSettingsProps {
  user: User;
  room: Room;
  /** What was typed, when the rename was refused. */
  values?: RoomSettingsValues;
  errors?: FormErrors;
  /** False for the four rooms every Hubbub starts with. */
  deletable: boolean;
}

/** An administrator's page for one room: rename it (the address stays) or delete it. Plain forms. */
export const RoomSettingsPage: FC<RoomSettingsProps> = ({ user, room, values = {}, errors = {}, deletable }) => {
  const url = `/lobby/${room.slug}/`;
  return (
    <Layout title={`Settings of ${room.name}`} user={user}>
      <section class="card auth-card" aria-labelledby="settings-title">
        <a class="back-link" href={url}>← Back to {room.name}</a>
        <h1 id="settings-title">Settings of {room.name}</h1>
        <form method="post" action={url} class="stack" aria-labelledby="rename-title">
          <h2 id="rename-title">Rename</h2>
          <input type="hidden" name="_method" value="PATCH" />
          <FormAlert message={errors.form} />
          <Field name="name" label="Name" value={values.name ?? room.name} error={errors.name} required minlength={2} maxlength={40} />
          <Field name="description" label="Description (optional)" value={values.description ?? room.description} error={errors.description} maxlength={200} />
          <p class="hint">The room keeps its address, {url}, so links to it keep working.</p>
          <button type="submit" class="button-primary">Save</button>
        </form>
        <div class="stack danger-zone">
          <h2>Delete</h2>
          {deletable ? (
            <form method="post" action={url} class="stack">
              <input type="hidden" name="_method" value="DELETE" />
              <p class="hint">The room and every message in it are deleted for good. Everyone in it is taken to the lobby.</p>
              <button type="submit" class="button-danger">Delete {room.name} and its messages</button>
            </form>
          ) : (
            <p class="hint">This is one of the four rooms every Hubbub starts with: it can be renamed, not deleted, because the old app's clients open it by its address.</p>
          )}
        </div>
      </section>
    </Layout>
  );
};
