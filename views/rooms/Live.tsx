import type { Child, FC } from 'hono/jsx';
import { ids } from '../ids.js';

/**
 * Every htmx WebSocket attribute lives here. A room's socket asks for the changes after `afterSeq`;
 * /static/js/live.js moves that cursor forward as fragments arrive, so a reconnect resumes from the
 * last change shown. hx-swap="none": frames only carry out-of-band swaps.
 */
// The server sends a frame every ping interval; live.js treats 2.5 intervals of silence as a dead link.
const silenceMs = (pingIntervalMs: number) => Math.round(pingIntervalMs * 2.5);

export const Live: FC<{ url: string; afterSeq?: number; pingIntervalMs: number; children?: Child }> = ({ url, afterSeq, pingIntervalMs, children }) => (
  <div
    id={ids.live}
    class="live"
    hx-ws:connect={afterSeq === undefined ? url : `${url}?after=${afterSeq}`}
    hx-swap="none"
    data-live-url={url}
    data-silence-ms={silenceMs(pingIntervalMs)}
  >
    {afterSeq === undefined ? null : <div id={ids.cursor} data-seq={afterSeq} hidden />}
    <LiveStatus message="" />
    {children}
  </div>
);

/**
 * The cursor a frame moves forward: the last change of the room it carried, and the change it
 * follows (the socket's cursor before it), so the page can tell when it missed a frame.
 */
export const Cursor: FC<{ seq: number; after: number }> = ({ seq, after }) => (
  <div id={ids.cursor} data-seq={seq} data-after={after} hidden hx-swap-oob="true" />
);

/** Connection news for the reader ("signed out", "catching up"); `reload` asks live.js to reload. */
export const LiveStatus: FC<{ message: string; reload?: boolean; oob?: boolean }> = ({ message, reload, oob }) => (
  <p id={ids.liveStatus} class="live-status" role="status" data-reload={reload ? '' : undefined} hx-swap-oob={oob ? 'true' : undefined}>
    {message}
  </p>
);
