// Hubbub's only script of its own. Everything works without it; it adds what HTML cannot:
// the socket's resume cursor, local times, Enter to send, the "new messages" hint and reloads.
(() => {
  'use strict';

  const live = () => document.getElementById('live');
  const cursor = () => document.getElementById('room-cursor');

  // Reconnects ask for the changes after the last one this page shows (htmx reads the URL once).
  // The URL is also brought up to date after every frame: htmx's reconnect after a hidden tab comes
  // back skips the before:connection event.
  function resumeFrom(connection) {
    const seq = cursor() && cursor().dataset.seq;
    if (!connection || !(live() && live().dataset.liveUrl) || seq == null) return;
    connection.url = connection.url.replace(/\?after=\d*$/, '') + '?after=' + encodeURIComponent(seq);
  }
  document.addEventListener('htmx:ws:before:connection', (event) => resumeFrom(event.detail && event.detail.connection));
  document.addEventListener('htmx:ws:after:message:incoming', (event) => resumeFrom(event.detail && event.detail.connection));

  // Each frame of changes names the change it follows (data-after). One that follows a change this
  // page never got means something was lost on the way: drop the frame and reconnect (4004), which
  // replays everything after the last change shown.
  document.addEventListener('htmx:ws:before:message:incoming', (event) => {
    const detail = event.detail;
    const data = detail && detail.message && detail.message.data;
    const seq = cursor() && Number(cursor().dataset.seq);
    if (typeof data !== 'string' || seq == null || Number.isNaN(seq)) return;
    const match = /id="room-cursor"[^>]*data-after="(\d+)"/.exec(data);
    if (!match || Number(match[1]) <= seq) return;
    detail.cancelled = true;
    const socket = detail.connection && detail.connection.socket;
    if (socket && socket.readyState === WebSocket.OPEN) socket.close(4004, 'gap');
  });

  // A session that ended closes the socket with 4001, one too many for the account with 1008, and
  // a deleted room with 4005: say so instead of silently going stale (htmx does not reconnect on
  // any of them). A deleted room's page goes on to the lobby after a moment to read why.
  document.addEventListener('htmx:ws:close', (event) => {
    const code = event.detail && event.detail.code;
    const status = document.getElementById('live-status');
    if (!status) return;
    const text = code === 4001 ? 'You are signed out. Sign in again to keep chatting.'
      : code === 1008 ? 'Too many open connections for your account: close some tabs, then reload.'
      : code === 4005 ? 'An administrator deleted this room. Taking you to the lobby…' : '';
    if (text) {
      status.textContent = text;
      status.classList.add('live-status-alert');
    }
    if (code === 4005) setTimeout(() => window.location.assign('/lobby/'), 3000);
  });

  // A renamed room's heading arrives in a frame; the tab's title, the composer's label and hint and
  // the message log's name are outside it and follow here.
  document.addEventListener('htmx:ws:after:message:incoming', () => {
    const heading = document.getElementById('room-title');
    const name = heading && heading.textContent;
    if (!name || document.title === name + ' · Hubbub') return;
    document.title = name + ' · Hubbub';
    const composer = document.getElementById('composer-body');
    if (composer) composer.placeholder = 'Message ' + name;
    const label = document.querySelector('label[for="composer-body"]');
    if (label) label.textContent = 'Message ' + name;
    const log = document.querySelector('.scroller[role="log"]');
    if (log) log.setAttribute('aria-label', 'Messages in ' + name);
  });

  // Watchdog: the server sends something at least every 30 s. A socket silent for much longer
  // (data-silence-ms) is half-open: a sleeping laptop, a dead NAT entry. Closing it makes htmx
  // reconnect and catch up.
  let connection = null;
  let socket = null;
  let lastHeard = Date.now();
  document.addEventListener('htmx:ws:after:connection', (event) => {
    connection = event.detail && event.detail.connection;
    socket = connection && connection.socket;
    lastHeard = Date.now();
  });
  document.addEventListener('htmx:ws:after:message:incoming', () => {
    lastHeard = Date.now();
  });
  setInterval(() => {
    const silenceMs = Number(live() && live().dataset.silenceMs) || 75000;
    if (socket && socket.readyState === WebSocket.OPEN && Date.now() - lastHeard > silenceMs) {
      lastHeard = Date.now();
      const dead = socket;
      dead.close(4003, 'silent');
      // Over a dead link the closing handshake never completes, and the browser reports the close
      // only when it gives up (about a minute later). Report it now, so htmx reconnects at once,
      // and detach the old socket so htmx ignores its late close.
      if (connection && connection.socket === dead) {
        dead.dispatchEvent(new CloseEvent('close', { code: 4003, reason: 'silent', wasClean: false }));
        if (connection.socket === dead) connection.socket = null;
      }
    }
  }, 5000);

  // Sending. Each message has its own client_id, kept while its text is unchanged: sending the same
  // text again reuses it (the server stores a client_id once), new text gets a new one. htmx sends
  // in order (hx-sync="queue all"); once stored, the composer clears unless the person has typed
  // something else meanwhile.
  const isComposer = (element) => element instanceof HTMLFormElement && element.id === 'composer';
  const composerFields = (form) => ({
    id: form.querySelector('input[name="client_id"]'),
    body: form.querySelector('textarea[name="body"]'),
  });
  function newClientId() {
    if (window.crypto.randomUUID) return window.crypto.randomUUID();
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  // Capture phase: runs before htmx reads the form.
  document.addEventListener('submit', (event) => {
    const form = event.target;
    if (!isComposer(form)) return;
    const { id, body } = composerFields(form);
    if (!id || !body) return;
    if (form.dataset.sentId === id.value && form.dataset.sentBody !== body.value) id.value = newClientId();
    form.dataset.sentId = id.value;
    form.dataset.sentBody = body.value;
  }, true);
  /** What an htmx request of the composer sent. */
  function sentBy(event) {
    const ctx = event.detail && event.detail.ctx;
    const fields = ctx && ctx.request && ctx.request.body;
    if (!fields || typeof fields.get !== 'function') return null;
    return { clientId: fields.get('client_id'), body: fields.get('body'), url: ctx.request.action };
  }
  /** That message is stored (or in the outbox): the composer moves on unless it holds new text. */
  function release(form, sent) {
    const { id, body } = composerFields(form);
    if (id && id.value === sent.clientId) id.value = newClientId();
    if (body && body.value === sent.body) body.value = '';
  }
  document.addEventListener('htmx:after:request', (event) => {
    const status = event.detail && event.detail.ctx && event.detail.ctx.response && event.detail.ctx.response.status;
    const sent = sentBy(event);
    if (!isComposer(event.target) || !sent || status < 200 || status >= 300) return;
    release(event.target, sent);
    const refusal = event.target.querySelector('.composer-status');
    if (refusal) refusal.remove();
  });

  // A send that fails (no connection, or the server could not store it) moves to the outbox below
  // the messages, marked "Not sent yet", and is tried again with the same client_id (1 s, 2 s, 4 s,
  // 8 s, then every 15 s, and at once when the browser is back online) until the server has it;
  // the composer is free for the next message meanwhile. Once stored, the message arrives over the
  // socket like any other and its outbox entry goes.
  const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 15000];
  const outbox = () => document.getElementById('outbox');
  /** Retry-After (seconds) of a 429, in milliseconds; undefined when absent. */
  function retryAfterMs(response) {
    const headers = response && response.headers;
    const seconds = Number(headers && typeof headers.get === 'function' ? headers.get('retry-after') : NaN);
    return seconds > 0 ? seconds * 1000 : undefined;
  }
  function toOutbox(sent, reason, delayMs) {
    const box = outbox();
    if (!box || !sent.body) return;
    let entry = Array.from(box.children).find((item) => item.dataset.clientId === sent.clientId);
    if (!entry) {
      entry = document.createElement('li');
      entry.className = 'pending';
      entry.dataset.clientId = sent.clientId;
      const text = document.createElement('div');
      text.className = 'message-body';
      text.textContent = sent.body;
      const status = document.createElement('p');
      status.className = 'pending-status';
      status.setAttribute('role', 'status');
      entry.append(text, status);
      box.append(entry);
      entry.sent = sent;
      entry.attempts = 0;
    }
    retryLater(entry, reason, delayMs);
  }
  function retryLater(entry, reason, delayMs) {
    const delay = delayMs || RETRY_DELAYS_MS[Math.min(entry.attempts, RETRY_DELAYS_MS.length - 1)];
    const when = delayMs ? ` in ${Math.ceil(delayMs / 1000)} s` : '';
    entry.querySelector('.pending-status').textContent = `Not sent yet: ${reason}. Retrying${when}…`;
    clearTimeout(entry.timer);
    entry.timer = setTimeout(flushOutbox, delay);
    entry.attempts++;
  }
  // The outbox goes out oldest first, one at a time, and stops at the first message that must wait,
  // so a later message never overtakes an earlier one (they would be stored out of order).
  const isPending = (entry) => !entry.dataset.seq && !entry.classList.contains('pending-refused');
  let flushing = null;
  function flushOutbox() {
    flushing = flushing || (async () => {
      for (;;) {
        const box = outbox();
        const next = box && Array.from(box.children).find(isPending);
        if (!next || !(await resend(next))) return;
      }
    })().finally(() => (flushing = null));
    return flushing;
  }
  /** Sends one outbox entry again; true when it is done (stored, or refused for good). */
  async function resend(entry) {
    clearTimeout(entry.timer);
    if (!entry.isConnected || entry.dataset.seq) return true;
    const { clientId, body, url } = entry.sent;
    let response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: clientId, body }),
        credentials: 'same-origin',
      });
    } catch {
      retryLater(entry, 'no connection to the server');
      return false;
    }
    if (response.status >= 500 || response.status === 429) {
      if (response.status === 429) retryLater(entry, 'slow down, you are sending too fast', retryAfterMs(response));
      else retryLater(entry, 'the server could not store it');
      return false;
    }
    const answer = await response.json().catch(() => ({}));
    if (response.ok && answer.seq) {
      entry.dataset.seq = String(answer.seq);
      entry.querySelector('.pending-status').textContent = 'Sent.';
      clearDelivered();
      return true;
    }
    entry.classList.add('pending-refused');
    entry.querySelector('.pending-status').textContent = `Not sent: ${answer.error || 'the server refused it'}`;
    return true;
  }
  /** Outbox entries whose message the page now shows. */
  function clearDelivered() {
    const box = outbox();
    if (!box) return;
    for (const entry of Array.from(box.children)) {
      if (entry.dataset.seq && document.getElementById(`m-${entry.dataset.seq}`)) entry.remove();
    }
  }
  document.addEventListener('htmx:error', (event) => {
    const sent = sentBy(event);
    if (!isComposer(event.target) || !sent) return;
    toOutbox(sent, 'no connection to the server');
    release(event.target, sent);
  });
  document.addEventListener('htmx:response:error', (event) => {
    const ctx = event.detail && event.detail.ctx;
    const status = ctx && ctx.response && ctx.response.status;
    const sent = sentBy(event);
    if (!isComposer(event.target) || !sent) return;
    if (status >= 500) {
      toOutbox(sent, 'the server could not store it');
      release(event.target, sent);
    } else if (status === 429) {
      toOutbox(sent, 'slow down, you are sending too fast', retryAfterMs(ctx.response));
      release(event.target, sent);
    } else if (status !== 422) {
      // Refused for good (signed out, not allowed, too large): say why; the text stays.
      showRefusal(event.target, ctx.text);
    }
  });
  /** The reason an error page gives (problem() in the server renders it as `.error-card p`). */
  function reasonIn(html) {
    const reason = new DOMParser().parseFromString(html || '', 'text/html').querySelector('.error-card p');
    return reason ? reason.textContent : '';
  }

  // Edits and deletes (forms with hx-swap="none") that fail say so in the room's status line.
  function showLiveProblem(text) {
    const status = document.getElementById('live-status');
    if (!status) return;
    status.textContent = text;
    status.classList.add('live-status-alert');
  }
  const isMessageForm = (element) => element instanceof HTMLFormElement && element.closest('.message-actions');
  document.addEventListener('htmx:response:error', (event) => {
    const ctx = event.detail && event.detail.ctx;
    if (!isMessageForm(event.target) || !ctx) return;
    showLiveProblem(`Not saved: ${reasonIn(ctx.text) || 'the server refused it.'}`);
  });
  document.addEventListener('htmx:error', (event) => {
    if (isMessageForm(event.target)) showLiveProblem('Not saved: no connection to the server. Please try again.');
  });
  // A new attempt clears the last complaint. (Not on success: the live update of the message often
  // replaces its form before the answer arrives, and events of a detached form reach nobody.)
  document.addEventListener('htmx:before:request', (event) => {
    const line = document.getElementById('live-status');
    if (isMessageForm(event.target) && line && line.textContent.startsWith('Not saved')) {
      line.textContent = '';
      line.classList.remove('live-status-alert');
    }
  });

  function showRefusal(form, html) {
    const reason = reasonIn(html);
    let status = form.querySelector('.composer-status');
    if (!status) {
      status = document.createElement('p');
      status.className = 'composer-status';
      status.setAttribute('role', 'alert');
      form.append(status);
    }
    status.textContent = `Not sent: ${reason || 'the server refused it.'}`;
  }
  window.addEventListener('online', () => {
    const box = outbox();
    if (box) void flushOutbox();
  });

  // Back/forward cache: the extension closed the socket on pagehide; open it again.
  window.addEventListener('pageshow', (event) => {
    if (event.persisted && live() && window.htmx) window.htmx.process(live(), true);
  });

  // Times arrive in UTC; show them in the reader's zone.
  const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
  const dayFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'long' });
  function localizeTimes(root) {
    for (const time of root.querySelectorAll('time[datetime]:not([data-local])')) {
      const at = new Date(time.getAttribute('datetime'));
      if (Number.isNaN(at.getTime())) continue;
      const today = new Date().toDateString() === at.toDateString();
      time.textContent = (today ? timeFormat : dayFormat).format(at);
      time.title = fullFormat.format(at);
      time.dataset.local = '';
    }
  }

  // Enter sends, Shift+Enter makes a new line.
  document.addEventListener('keydown', (event) => {
    const field = event.target;
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
    if (!(field instanceof HTMLTextAreaElement) || field.id !== 'composer-body') return;
    event.preventDefault();
    if (field.value.trim() !== '') field.form.requestSubmit();
  });

  // The list sits in a column-reverse scroller, which stays pinned to the newest message by itself;
  // when the reader has scrolled up, new messages show a "new messages" link instead of moving.
  function watchMessages() {
    const list = document.getElementById('messages');
    const scroller = list && list.closest('.scroller');
    const jump = document.querySelector('.jump-to-latest');
    if (!list || !scroller || !jump) return;
    const atBottom = () => Math.abs(scroller.scrollTop) < 40;
    scroller.addEventListener('scroll', () => {
      if (atBottom()) jump.hidden = true;
    });
    jump.addEventListener('click', (event) => {
      event.preventDefault();
      scroller.scrollTop = 0;
      jump.hidden = true;
      document.getElementById('composer-body')?.focus();
    });
    // Older history loading in at the top is not news: only a higher seq at the bottom is.
    const newestSeq = () => {
      const messages = list.querySelectorAll('.message');
      return messages.length ? Number(messages[messages.length - 1].dataset.seq) : 0;
    };
    let newest = newestSeq();
    new MutationObserver(() => {
      localizeTimes(list);
      clearDelivered();
      const seq = newestSeq();
      if (seq > newest && !atBottom()) jump.hidden = false;
      newest = seq;
    }).observe(list, { childList: true, subtree: true });
  }

  // The server says this page is too far behind to catch up by replay: start afresh.
  new MutationObserver(() => {
    if (document.querySelector('[data-reload]')) window.location.reload();
  }).observe(document.documentElement, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-reload'] });

  document.addEventListener('DOMContentLoaded', () => {
    localizeTimes(document);
    watchMessages();
  });
})();
