import type { FC } from 'hono/jsx';

const utc = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: 'UTC',
});

/** UTC with the zone shown; /static/js/room.js rewrites it in the reader's own zone. */
export const MessageTime: FC<{ at: Date }> = ({ at }) => (
  <time datetime={at.toISOString()} title={at.toISOString()}>
    {`${utc.format(at)} UTC`}
  </time>
);
