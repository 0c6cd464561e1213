import type { Child, FC } from 'hono/jsx';
import { ids } from '../ids.js';

/**
 * Every htmx WebSocket attribute lives here. A room's socket asks for the changes after `afterSeq`;
 * /static/js/live.js moves that cursor forward as fragments arrive, so a reconnect resumes from the
 * last change shown. hx-swap="none": frames only carry out-of-band swaps.
 */
// The server sends a frame at least every 30 s; live.js treats a much longer silence as a dead link.
const SILENCE_MS = 75_000;

export const Live: FC<{ url: string; afterSeq?: number; children?: Child }> = ({ url, afterSeq, children }) => (
  <div
    id={ids.live}
    class="live"
    hx-ws:connect={afterSeq === undefined ? url : `${url}?after=${afterSeq}`}
    hx-swap="none"
    data-live-url={url}
    data-silence-ms={SILENCE_MS}
  >
    {afterSeq === undefined ? null : <div id={ids.cursor} data-seq={afterSeq} hidden />}
    <LiveStatus message="" />
    {children}
  </div>
);

/** The cursor a frame moves forward: the last change of the room it carried. */
export const Cursor: FC<{ seq: number }> = ({ seq }) => <div id={ids.cursor} data-seq={seq} hidden hx-swap-oob="true" />;

/** Connection news for the reader ("signed out", "catching up"); `reload` asks live.js to reload. */
export const LiveStatus: FC<{ message: string; reload?: boolean; oob?: boolean }> = ({ message, reload, oob }) => (
  <p id={ids.liveStatus} class="live-status" role="status" data-reload={reload ? '' : undefined} hx-swap-oob={oob ? 'true' : undefined}>
    {message}
  </p>
);
