import { raw } from 'hono/html';
import type { FC } from 'hono/jsx';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { Room, User } from '../../src/db/schema.js';
import { ROOM_IMAGES, roomImageUrl } from '../../src/rooms/images.js';
import { Field, type FormErrors, FormAlert } from '../form.js';
import { Layout } from '../layout.js';
import { Live } from '../rooms/Live.js';
import { RoomCards } from './RoomCards.js';

export interface NewRoomValues {
  name?: string;
  description?: string;
  image?: string;
}

export interface LobbyProps {
  user: User;
  rooms: Room[];
  counts: Map<number, number>;
  newRoom?: NewRoomValues;
  errors?: FormErrors;
  pingIntervalMs: number;
}

export const LobbyPage: FC<LobbyProps> = ({ user, rooms, counts, newRoom, errors, pingIntervalMs }) => (
  <Layout title="Lobby" user={user} live>
    <Live url="/lobby/ws/" pingIntervalMs={pingIntervalMs}>
      <section aria-labelledby="lobby-title">
        <h1 id="lobby-title" hx-ignore>Welcome, {user.firstName}</h1>
        <p class="lede">Pick a room to join the conversation.</p>
        <RoomCards rooms={rooms} counts={counts} />
      </section>
    </Live>
    {newRoom || errors ? <NewRoomForm values={newRoom ?? {}} errors={errors} /> : blankNewRoomForm()}
  </Layout>
);

// The form as every lobby shows it until one is sent back (nothing typed, no errors), rendered once.
let blank: HtmlEscapedString | undefined;
const blankNewRoomForm = () => (blank ??= raw(String(<NewRoomForm values={{}} />)));

const NewRoomForm: FC<{ values: NewRoomValues; errors?: FormErrors | undefined }> = ({ values, errors = {} }) => (
  <section class="card new-room" aria-labelledby="new-room-title" id="new-room">
    <h2 id="new-room-title">Start a new room</h2>
    <form method="post" action="/lobby/" class="stack">
      <FormAlert message={errors.form} />
      <div class="field-row">
        <Field name="name" label="Name" value={values.name} error={errors.name} required minlength={2} maxlength={40} />
        <Field name="description" label="Description (optional)" value={values.description} error={errors.description} maxlength={200} />
      </div>
      <fieldset class="icon-picker room-picker" aria-describedby={errors.image ? 'image-error' : undefined}>
        <legend>Picture</legend>
        <div class="room-image-grid">
          {ROOM_IMAGES.map((image, index) => (
            <label class="icon-choice">
              <input type="radio" name="image" value={image} required checked={values.image ? values.image === image : index === 0} />
              <img src={roomImageUrl(image)} alt={image} width="96" height="54" />
            </label>
          ))}
        </div>
        {errors.image ? <p class="field-error" id="image-error">{errors.image}</p> : null}
      </fieldset>
      <button type="submit" class="button-primary">Create room</button>
    </form>
  </section>
);
