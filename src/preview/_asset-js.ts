/**
 * The preview's script, served at /assets/preview.js. It runs in the preview page only, never in
 * the email (the email frame is sandboxed without scripts). It switches tabs and widths, emulates
 * dark mode, and swaps `#app` for a fresh copy when the server says the sources changed.
 */
export const PREVIEW_JS = `'use strict';
(() => {
  const KEY = 'digest-preview-state';
  const defaults = { tab: 'email', view: 'desktop', dark: false };
  const load = () => {
    try { return { ...defaults, ...JSON.parse(sessionStorage.getItem(KEY) || '{}') }; }
    catch { return { ...defaults }; }
  };
  let state = load();
  const save = () => { try { sessionStorage.setItem(KEY, JSON.stringify(state)); } catch {} };

  // Apply the view state to an #app element (the live one, or a fresh one before it is swapped in).
  function apply(app) {
    if (!app || app.dataset.page !== 'digest') return;
    app.dataset.currentTab = state.tab;
    app.dataset.currentView = state.view;
    app.dataset.currentDark = String(state.dark);
    for (const b of app.querySelectorAll('[data-tab]')) b.setAttribute('aria-selected', String(b.dataset.tab === state.tab));
    for (const b of app.querySelectorAll('[data-view]')) b.setAttribute('aria-pressed', String(b.dataset.view === state.view));
    for (const b of app.querySelectorAll('[data-dark]')) b.setAttribute('aria-pressed', String(state.dark));
    for (const p of app.querySelectorAll('[data-panel]')) p.hidden = p.dataset.panel !== state.tab;
    const frame = app.querySelector('#email-frame');
    if (frame) {
      const want = state.dark ? frame.dataset.srcDark : frame.dataset.srcLight;
      if (want && frame.getAttribute('src') !== want) frame.setAttribute('src', want);
    }
  }

  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target.closest('[data-tab],[data-view],[data-dark]') : null;
    if (!target) return;
    if (target.dataset.tab) state.tab = target.dataset.tab;
    else if (target.dataset.view) state.view = target.dataset.view;
    else state.dark = !state.dark;
    save();
    apply(document.getElementById('app'));
  });

  document.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (event.target instanceof Element && event.target.closest('input, textarea, select, [contenteditable]')) return;
    const rel = event.key === 'ArrowLeft' ? 'prev' : event.key === 'ArrowRight' ? 'next' : '';
    const link = rel && document.querySelector('#app a[data-nav="' + rel + '"]');
    if (link) location.href = link.href;
  });

  const live = () => document.getElementById('live');
  const status = (name, text) => { const el = live(); if (el) { el.dataset.state = name; el.textContent = text; } };

  // Fetch this page again and swap #app, keeping the view state and which sections are open.
  let busy = false;
  let again = false;
  async function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    status('updating', 'Updating…');
    try {
      const res = await fetch(location.href, { cache: 'no-store' });
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
      const next = doc.getElementById('app');
      const current = document.getElementById('app');
      if (next && current) {
        const open = [...current.querySelectorAll('details[id], details[class]')]
          .filter((d) => d.open).map((d) => d.id || d.className);
        for (const d of next.querySelectorAll('details')) if (open.includes(d.id || d.className)) d.open = true;
        apply(next);
        current.replaceWith(next);
        document.title = doc.title;
      }
      status('live', 'Live');
    } catch {
      status('offline', 'Reconnecting…');
    } finally {
      busy = false;
      if (again) { again = false; refresh(); }
    }
  }

  function connect() {
    if (!('EventSource' in window)) return;
    const source = new EventSource('/events');
    source.addEventListener('hello', (event) => {
      status('live', 'Live');
      const app = document.getElementById('app');
      const { version } = JSON.parse(event.data);
      // The server restarted or changed while we were away: what we show may be stale.
      if (app && String(version) !== app.dataset.version) refresh();
    });
    source.addEventListener('change', () => refresh());
    source.addEventListener('built', () => {
      const app = document.getElementById('app');
      if (app && app.querySelector('.is-pending')) refresh();
    });
    source.addEventListener('error', () => status('offline', 'Reconnecting…'));
  }

  const start = () => { apply(document.getElementById('app')); connect(); };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
`;
