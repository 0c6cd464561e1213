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

  // A session that ended closes the socket with 4001: say so instead of silently going stale.
  document.addEventListener('htmx:ws:close', (event) => {
    const code = event.detail && event.detail.code;
    const status = document.getElementById('live-status');
    if (!status) return;
    if (code === 4001) {
      status.textContent = 'You are signed out. Sign in again to keep chatting.';
      status.classList.add('live-status-alert');
    }
  });

  // Watchdog: the server sends something at least every 30 s. A socket silent for much longer
  // (data-silence-ms) is half-open: a sleeping laptop, a dead NAT entry. Closing it makes htmx
  // reconnect and catch up.
  let socket = null;
  let lastHeard = Date.now();
  document.addEventListener('htmx:ws:after:connection', (event) => {
    socket = event.detail && event.detail.connection && event.detail.connection.socket;
    lastHeard = Date.now();
  });
  document.addEventListener('htmx:ws:after:message:incoming', () => {
    lastHeard = Date.now();
  });
  setInterval(() => {
    const silenceMs = Number(live() && live().dataset.silenceMs) || 75000;
    if (socket && socket.readyState === WebSocket.OPEN && Date.now() - lastHeard > silenceMs) {
      lastHeard = Date.now();
      socket.close(4003, 'silent');
    }
  }, 5000);

  // A send that fails (no connection, or the server could not store it) keeps its text and is tried
  // again with the same client_id, so it is stored once however many tries it takes. The composer
  // says so; a success replaces it with a fresh, empty one.
  const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 15000];
  let failedSends = 0;
  let retryTimer = null;
  function retrySend(form, reason) {
    let status = form.querySelector('.composer-status');
    if (!status) {
      status = document.createElement('p');
      status.className = 'composer-status';
      status.setAttribute('role', 'status');
      form.append(status);
    }
    status.textContent = `Not sent yet: ${reason}. Retrying…`;
    form.classList.add('composer-retrying');
    clearTimeout(retryTimer);
    const delay = RETRY_DELAYS_MS[Math.min(failedSends, RETRY_DELAYS_MS.length - 1)];
    failedSends++;
    retryTimer = setTimeout(() => {
      if (form.isConnected) form.requestSubmit();
    }, delay);
  }
  const isComposer = (element) => element instanceof HTMLFormElement && element.id === 'composer';
  document.addEventListener('htmx:error', (event) => {
    if (isComposer(event.target)) retrySend(event.target, 'no connection to the server');
  });
  document.addEventListener('htmx:response:error', (event) => {
    const status = event.detail && event.detail.ctx && event.detail.ctx.response && event.detail.ctx.response.status;
    if (isComposer(event.target) && status >= 500) retrySend(event.target, 'the server could not store it');
  });
  document.addEventListener('htmx:after:request', (event) => {
    const status = event.detail && event.detail.ctx && event.detail.ctx.response && event.detail.ctx.response.status;
    if (isComposer(event.target) && status < 500) {
      failedSends = 0;
      clearTimeout(retryTimer);
    }
  });
  // Back online: try at once rather than waiting out the delay.
  window.addEventListener('online', () => {
    const form = document.getElementById('composer');
    if (form && form.classList.contains('composer-retrying')) {
      clearTimeout(retryTimer);
      form.requestSubmit();
    }
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
