import { html } from 'hono/html';
import type { Child, FC } from 'hono/jsx';
import type { User } from '../src/db/schema.js';
import { iconUrl } from '../src/auth/icons.js';

// The ws extension's own reconnect codes, plus live.js's: 4003 (a silent socket), 4004 (a missed frame).
const RECONNECT_CODES = [1001, 1005, 1006, 1011, 1012, 1013, 1014, 4003, 4004];
/**
 * htmx 4 settings, hardened (keys as htmx 4.0.1 names them; htmx 2's selfRequestsOnly, allowEval and
 * allowScriptTags no longer exist): requests to our own origin only (its default, stated, and never
 * overridable per element); only the two extensions we load may register; no `data-hx-` prefix, so
 * only `hx-` attributes are live; nothing inherited implicitly; no inline indicator styles (our CSP).
 * Reconnect delays double from 0.5 s up to 10 s (not htmx's 60 s): after an outage a page is back
 * within seconds of the server, while ±30 % jitter still spreads a crowd out.
 */
const HTMX_CONFIG = JSON.stringify({
  mode: 'same-origin',
  extensions: 'ws, upsert',
  prefix: '',
  implicitInheritance: false,
  includeIndicatorCSS: false,
  ws: { reconnectCodes: RECONNECT_CODES, reconnectMaxDelay: 10_000 },
});

/** `live` pages load htmx with its WebSocket and upsert extensions; every other page works without script. */
export const Layout: FC<{ title: string; user?: User | null; live?: boolean; children?: Child }> = ({ title, user, live, children }) =>
  html`<!doctype html>${(
    <html lang="en">
      {head(title, live)}
      <body>
        <header class="topbar">
          <a class="brand" href="/">
            <img src="/static/favicon.svg" alt="" width="28" height="28" />
            Hubbub
          </a>
          {user ? <SignedInAs user={user} /> : null}
        </header>
        <main id="main">{children}</main>
      </body>
    </html>
  )}`;

const SignedInAs: FC<{ user: User }> = ({ user }) => (
  <div class="whoami">
    <img class="avatar" src={iconUrl(user.icon)} alt="" width="32" height="32" />
    <a class="whoami-name" href="/account/" hx-ignore title={`@${user.username}: your account`}>
      {user.firstName}
      {user.isGuest ? <span class="badge">guest</span> : null}
    </a>
    {/* `isAdmin` is the role held now (src/admin/roles.ts); the page behind it checks again. */}
    {user.isAdmin ? <a class="admin-link" href="/admin/" hx-ignore>Administration</a> : null}
    <form method="post" action="/logout/">
      <button type="submit" class="button-quiet">Sign out</button>
    </form>

  </div>
);

// Not deferred: the extensions must register before htmx first processes the page, or the
// socket silently never opens (a deferred htmx can start before a later deferred extension arrives).
// The head is a template, not JSX: hono/jsx renders meta, title, link and script as components that
// look after hoisting and de-duplication, which a whole page's head paid for on every request.
const LIVE_SCRIPTS = html`<meta name="htmx-config" content="${HTMX_CONFIG}" /><script src="/static/vendor/htmx/htmx.min.js"></script><script src="/static/vendor/htmx/ext/hx-ws.min.js"></script><script src="/static/vendor/htmx/ext/hx-upsert.min.js"></script><script src="/static/js/live.js"></script>`;

const head = (title: string, live: boolean | undefined) =>
  html`<head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" /><title>${title} · Hubbub</title><link rel="icon" href="/static/favicon.svg" type="image/svg+xml" /><link rel="stylesheet" href="/static/css/app.css" />${live ? LIVE_SCRIPTS : ''}</head>`;
