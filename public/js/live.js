// Hubbub's only script of its own. Everything works without it; it adds what HTML cannot:
// the socket's resume cursor, local times, Enter to send, the "new messages" hint and reloads.
(() => {
  'use strict';

  const live = () => document.getElementById('live');
  const cursor = () => document.getElementById('room-cursor');

  // Reconnects ask for the changes after the last one this page shows (htmx reads the URL once).
  document.addEventListener('htmx:ws:before:connection', (event) => {
    const connection = event.detail && event.detail.connection;
    const base = live() && live().dataset.liveUrl;
    const seq = cursor() && cursor().dataset.seq;
    if (!connection || !base || seq == null) return;
    connection.url = connection.url.replace(/\?after=\d*$/, '') + '?after=' + encodeURIComponent(seq);
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
