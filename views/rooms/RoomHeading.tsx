import type { FC } from 'hono/jsx';

export interface RoomHeadingProps {
  name: string;
  description: string;
}

/**
 * The room's name and description at the top of its page. `oob` when it travels in a live frame
 * (an administrator renamed the room), replacing the one on the page.
 */
export const RoomHeading: FC<RoomHeadingProps & { oob?: boolean }> = ({ name, description, oob }) => (
  <div id="room-heading" class="room-heading" hx-swap-oob={oob ? 'true' : undefined}>
    <h1 id="room-title">{name}</h1>
    {description ? <p class="room-description">{description}</p> : null}
  </div>
);
