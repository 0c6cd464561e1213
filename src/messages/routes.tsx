import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import type { Context } from 'hono';
import { HistoryPage, HistoryFragment } from '../../views/messages/History.js';
import { controlsFor, MessageItem } from '../../views/messages/MessageItem.js';
import { Composer } from '../../views/rooms/Composer.js';
import { ids } from '../../views/ids.js';
import type { AppEnv, Deps } from '../context.js';
import { formFields } from '../http/forms.js';
import { isHtmx } from '../http/htmx.js';
import { wantsJson } from '../http/negotiate.js';
import { problem } from '../http/problem.js';
import { duration, retryAfter } from '../limits/wording.js';
import { noSuchRoom } from '../rooms/middleware.js';
import { showRoom } from '../rooms/page.js';
import { findRoomBySlug, forgetRoom } from '../rooms/queries.js';
import { broadcastChange } from './broadcasts.js';
import { transcript, wantsText } from './transcript.js';
import { roomHistory } from './latest.js';
import { type Appended, appendedView, appendMessage, changeMessage, findMessage, type MessageView, type NewMessage, publicMessage, RoomGone } from './queries.js';
import { editSchema, historySchema, PAGE_SIZE, sendSchema } from './validation.js';

/** /lobby/<room>/messages/: history pages, sending, and editing or deleting one's own messages (an administrator deletes anyone's). */
export function messageRoutes(deps: Deps) {
  const { db, realtime, log, metrics } = deps;

  /** The message as the one who sent or changed it sees it, upserted into the page's list from an htmx response. */
  async function ownItemOob(c: Context<AppEnv>, seq: number, known?: MessageView | null) {
    const message = known ?? (await findMessage(db, c.get('room').id, seq));
    if (!message) return '';
    const item = <MessageItem message={message} roomSlug={c.get('room').slug} controls={controlsFor(c.get('user')!, message)} />;
    return `<ol id="${ids.messages}" hx-swap-oob="upsert">${String(item)}</ol>`;
  }

  /** Over the person's write budget: the sentence to show them (and Retry-After is set); else null. */
  async function tooFast(c: Context<AppEnv>): Promise<string | null> {
    const verdict = await deps.limits.write(c.get('user')!.id);
    if (verdict.ok) return null;
    retryAfter(c, verdict.retryAfter);
    return `Slow down: you are sending faster than this room allows. You can send again in ${duration(verdict.retryAfter)}.`;
  }

  /**
   * The room's page again, with the composer as the person left it (a form sent without JavaScript
   * and refused). The room on the context may be a write's earlier read (`findRecentRoom`), whose
   * last_seq would leave the newest messages off the page: it is read again.
   */
  async function roomPageAgain(c: Context<AppEnv>, composer: Parameters<typeof showRoom>[2], status: 422 | 429) {
    const room = await findRoomBySlug(db, c.get('room').slug);
    if (!room) return noSuchRoom(c, c.get('room').slug);
    c.set('room', room);
    return showRoom(c, deps, composer, status);
  }

  /**
   * Appends to the room on the context, which may have been read for an earlier write
   * (`findRecentRoom`). A room deleted since is read again: a room made anew under its address takes
   * the message (and replaces the context's room); none answers null.
   */
  async function appendHere(c: Context<AppEnv>, input: NewMessage): Promise<{ input: NewMessage; appended: Appended } | null> {
    try {
      return { input, appended: await appendMessage(db, input) };
    } catch (error) {
      if (!(error instanceof RoomGone)) throw error;
      forgetRoom(db, input.roomId);
      const room = await findRoomBySlug(db, c.get('room').slug);
      if (!room) return null;
      c.set('room', room);
      const again = { ...input, roomId: room.id };
      return { input: again, appended: await appendMessage(db, again) };
    }
  }

  return new Hono<AppEnv>()
    .get('/', async (c) => {
      if (wantsText(c)) return transcript(c, deps, `/lobby/${c.get('room').slug}/messages.txt`);
      const room = c.get('room');
      const query = historySchema.safeParse(c.req.query());
      if (!query.success) return problem(c, 400, query.error.issues[0]!.message);
      const { before } = query.data;
      const { messages, hasOlder } = await roomHistory(db, room, PAGE_SIZE, before);
      c.header('Vary', 'Accept, HX-Request');
      if (wantsJson(c)) {
        const oldest = messages[0]?.seq ?? null;
        return c.json({ messages: messages.map((m) => publicMessage(m, room.slug)), has_older: hasOlder, next_before: hasOlder ? oldest : null });
      }
      const props = { room, messages, hasOlder, before, viewer: c.get('user')! };
      return c.html(isHtmx(c) ? <HistoryFragment {...props} /> : <HistoryPage {...props} user={c.get('user')!} />);
    })
    .post('/', async (c) => {
      const room = c.get('room');
      const form = await formFields(c);
      const clientId = form.client_id ?? c.req.header('idempotency-key');
      const parsed = sendSchema.safeParse({ body: form.body, client_id: clientId });
      if (!parsed.success) {
        metrics.rejected.inc({ action: 'send', via: 'http', reason: 'invalid' });
        const error = parsed.error.issues[0]!.message;
        if (wantsJson(c)) return problem(c, 422, error, { [String(parsed.error.issues[0]!.path[0])]: error });
        const composer = { body: form.body ?? '', error, clientId: clientId ?? randomUUID() };
        if (isHtmx(c)) return c.html(<Composer roomSlug={room.slug} roomName={room.name} {...composer} />, 422);
        return roomPageAgain(c, composer, 422);
      }
      const slowDown = await tooFast(c);
      if (slowDown) {
        metrics.rejected.inc({ action: 'send', via: 'http', reason: 'rate_limited' });
        // Never dropped in silence: JSON clients get 429 + Retry-After, pages keep the text (live.js
        // holds it in the outbox and sends it again when the wait is over).
        if (wantsJson(c) || isHtmx(c)) return problem(c, 429, slowDown, { body: slowDown });
        return roomPageAgain(c, { body: form.body ?? '', error: slowDown, clientId: parsed.data.client_id ?? randomUUID() }, 429);
      }
      const user = c.get('user')!;
      const done = await appendHere(c, { roomId: room.id, authorId: user.id, body: parsed.data.body, clientId: parsed.data.client_id ?? null });
      if (!done) return problem(c, 404, `The room “${room.name}” was deleted, and your message was not sent. Pick another room from the lobby.`);
      const { input, appended } = done;
      const { seq, created } = appended;
      const here = c.get('room');
      // A new message is sent and answered as stored without reading it back; a retry's is read (it may have changed since).
      const stored = appendedView(input, appended, user);
      if (created) {
        metrics.accepted.inc({ action: 'send', via: 'http' });
        broadcastChange(realtime, log, here.id, seq, stored);
      }
      if (wantsJson(c)) return c.json(publicMessage(stored ?? (await findMessage(db, here.id, seq))!, here.slug), created ? 201 : 200);
      // The page keeps its composer (live.js clears it): the answer only upserts the sender's message.
      if (isHtmx(c)) return c.html(await ownItemOob(c, seq, stored));
      // No #fragment: it would keep the browser from focusing the composer for the next message.
      return c.redirect(`/lobby/${here.slug}/`, 303);
    })
    .on(['PATCH', 'DELETE', 'POST'], '/:seq', async (c) => {
      const room = c.get('room');
      const seq = Number(c.req.param('seq'));
      if (!Number.isSafeInteger(seq) || seq < 1) return problem(c, 404, 'There is no such message.');
      const form = await formFields(c);
      // Plain HTML forms can only POST: they name the method in a hidden _method field.
      const method = c.req.method === 'POST' ? (form._method ?? '').toUpperCase() : c.req.method;
      if (method !== 'PATCH' && method !== 'DELETE') return problem(c, 405, 'Edit (PATCH) or delete (DELETE) a message.');
      const action = method === 'PATCH' ? 'edit' : 'delete';
      let body: string | null = null;
      if (method === 'PATCH') {
        const parsed = editSchema.safeParse({ body: form.body });
        if (!parsed.success) {
          metrics.rejected.inc({ action, via: 'http', reason: 'invalid' });
          return problem(c, 422, parsed.error.issues[0]!.message, { body: parsed.error.issues[0]!.message });
        }
        body = parsed.data.body;
      }
      const slowDown = await tooFast(c);
      if (slowDown) {
        metrics.rejected.inc({ action, via: 'http', reason: 'rate_limited' });
        return problem(c, 429, slowDown);
      }
      const user = c.get('user')!;
      const result = await changeMessage(db, room.id, seq, user, body);
      if ('error' in result) {
        metrics.rejected.inc({ action, via: 'http', reason: result.error });
        return result.error === 'forbidden'
          ? problem(c, 403, 'You can only change your own messages.')
          : problem(c, 404, 'There is no such message (it may have been deleted).');
      }
      metrics.accepted.inc({ action, via: 'http' });
      if (result.authorId !== user.id) {
        log.info({ event: 'admin-message-deleted', adminId: user.id, targetId: result.authorId, roomId: room.id, seq }, 'administrator deleted a message');
      }
      broadcastChange(realtime, log, room.id, result.seq);
      if (wantsJson(c)) return c.json(publicMessage((await findMessage(db, room.id, seq))!, room.slug));
      if (isHtmx(c)) return c.html(await ownItemOob(c, seq));
      return c.redirect(`/lobby/${room.slug}/#${ids.message(seq)}`, 303);
    });
}
