/** The preview's stylesheet, served at /assets/preview.css (the CSP allows no inline styles). */
export const PREVIEW_CSS = `
:root {
  --bg: #f6f7f9; --surface: #ffffff; --surface-2: #f0f2f5; --border: #e3e6eb; --text: #1c2230;
  --muted: #687083; --accent: #3b5bdb; --accent-soft: #e8edff; --good: #1f8a4c; --good-soft: #e3f5ea;
  --warn: #a35c00; --warn-soft: #fff1dc; --bad: #c92a2a; --bad-soft: #ffe8e8; --info: #5f3dc4;
  --info-soft: #efe9ff; --shadow: 0 1px 2px rgba(16, 24, 40, .06), 0 1px 3px rgba(16, 24, 40, .08);
  --radius: 10px; --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace;
  color-scheme: light;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #111318; --surface: #1a1d24; --surface-2: #22262f; --border: #2e333d; --text: #e6e8ee;
    --muted: #9aa1b2; --accent: #8ea6ff; --accent-soft: #243058; --good: #5fd38d; --good-soft: #173626;
    --warn: #ffb457; --warn-soft: #3a2a12; --bad: #ff8787; --bad-soft: #3d1a1a; --info: #b9a3ff;
    --info-soft: #2b2345; --shadow: none; color-scheme: dark;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--text); line-height: 1.5;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "DejaVu Sans", sans-serif;
}
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre { font-family: var(--mono); font-size: 12.5px; }
h1 { font-size: 26px; line-height: 1.2; margin: 0 0 4px; letter-spacing: -.01em; }
h2 { font-size: 17px; margin: 0 0 12px; }
.muted { color: var(--muted); }
.pill {
  display: inline-block; padding: 1px 8px; border-radius: 999px; background: var(--surface-2);
  border: 1px solid var(--border); font-size: 12.5px; color: var(--text);
}

.topbar {
  position: sticky; top: 0; z-index: 10; display: flex; align-items: center; justify-content: space-between;
  gap: 16px; padding: 10px 24px; background: color-mix(in srgb, var(--surface) 88%, transparent);
  backdrop-filter: blur(8px); border-bottom: 1px solid var(--border);
}
.brand { display: flex; align-items: center; gap: 8px; color: var(--text); font-weight: 650; }
.brand:hover { text-decoration: none; }
.brand-mark {
  width: 18px; height: 18px; border-radius: 5px;
  background: linear-gradient(135deg, var(--accent), var(--info));
}
.brand-sub { color: var(--muted); font-weight: 500; }
.live { font-size: 12.5px; color: var(--muted); display: inline-flex; align-items: center; gap: 6px; }
.live::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: var(--muted); }
.live[data-state="live"]::before { background: var(--good); box-shadow: 0 0 0 3px var(--good-soft); }
.live[data-state="updating"]::before { background: var(--accent); box-shadow: 0 0 0 3px var(--accent-soft); }
.live[data-state="offline"]::before { background: var(--warn); box-shadow: 0 0 0 3px var(--warn-soft); }

main { max-width: 1180px; margin: 0 auto; padding: 24px 24px 64px; }
.card {
  background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius);
  box-shadow: var(--shadow); padding: 18px 20px; margin: 0 0 18px;
}

.index-head { margin-bottom: 20px; }
.index-head p { margin: 2px 0; }
.sources code { background: var(--surface-2); padding: 1px 6px; border-radius: 5px; }
.days { list-style: none; margin: 0; padding: 0; display: grid; grid-template-columns: minmax(0, 1fr); gap: 10px; }
.day {
  display: flex; align-items: center; gap: 16px; padding: 14px 18px; color: var(--text);
  background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius);
  box-shadow: var(--shadow); transition: border-color .12s, transform .12s;
}
.day:hover { text-decoration: none; border-color: var(--accent); transform: translateY(-1px); }
.cal {
  flex: none; width: 58px; text-align: center; border-radius: 8px; overflow: hidden;
  border: 1px solid var(--border); background: var(--surface);
}
.cal > span { display: block; }
.cal-m { background: var(--accent); color: #fff; font-size: 11px; font-weight: 700; text-transform: uppercase; padding: 2px 0; }
.cal-d { font-size: 22px; font-weight: 700; line-height: 1.2; padding-top: 2px; }
.cal-w { font-size: 11px; color: var(--muted); padding-bottom: 3px; }
.day-main { flex: 1; min-width: 0; display: flex; flex-direction: column; }
.day-date { font-size: 12.5px; color: var(--muted); font-family: var(--mono); }
.headline { font-weight: 600; font-size: 16px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.headline.pending { color: var(--muted); font-weight: 500; font-style: italic; }
.day-meta { font-size: 13px; color: var(--muted); }
.chev { font-size: 26px; color: var(--muted); }

.crumbs { margin-bottom: 10px; font-size: 14px; }
.day-head { display: flex; justify-content: space-between; align-items: flex-end; gap: 16px; flex-wrap: wrap; margin-bottom: 18px; }
.day-head p { margin: 0; }
.day-nav { display: flex; gap: 8px; }
.btn {
  display: inline-flex; align-items: center; padding: 7px 12px; border-radius: 8px; font-size: 14px;
  border: 1px solid var(--border); background: var(--surface); color: var(--text); box-shadow: var(--shadow);
}
.btn:hover { text-decoration: none; border-color: var(--accent); }
.btn.disabled { color: var(--muted); box-shadow: none; background: transparent; }

.summary { display: grid; grid-template-columns: minmax(0, 1fr) 300px; gap: 8px 28px; }
.envelope { margin: 0; display: grid; gap: 10px; }
.envelope dt { font-size: 11.5px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); font-weight: 600; }
.envelope dd { margin: 0; }
.subject { font-size: 18px; font-weight: 650; }
.preheader { color: var(--muted); }
.size { align-self: start; }
.size-label { display: flex; justify-content: space-between; font-size: 13.5px; margin-bottom: 6px; }
.size meter { width: 100%; height: 10px; }
.size-foot { font-size: 12.5px; margin-top: 4px; }
.size[data-level="over"] .size-label b { color: var(--bad); }
.size[data-level="near"] .size-label b { color: var(--warn); }
.stats { grid-column: 1 / -1; list-style: none; margin: 8px 0 0; padding: 12px 0 0; border-top: 1px solid var(--border); display: flex; flex-wrap: wrap; gap: 6px 22px; font-size: 13.5px; color: var(--muted); }
.stats b { color: var(--text); font-size: 15px; }
.headers { grid-column: 1 / -1; font-size: 13.5px; }
.headers summary { cursor: pointer; color: var(--muted); }
.headers dl { display: grid; gap: 4px; margin: 10px 0 0; }
.headers dl div { display: grid; grid-template-columns: 170px 1fr; gap: 12px; }
.headers dt { font-family: var(--mono); color: var(--muted); }
.headers dd { margin: 0; font-family: var(--mono); word-break: break-all; }
.send-warning { grid-column: 1 / -1; font-size: 13.5px; color: var(--bad); background: var(--bad-soft); border-radius: 8px; padding: 8px 12px; }
.problems summary { cursor: pointer; font-weight: 600; color: var(--warn); }
.problems ul { margin: 10px 0 0; padding-left: 18px; font-size: 13.5px; }

.viewer { margin-bottom: 26px; }
.toolbar { display: flex; align-items: center; flex-wrap: wrap; gap: 10px; margin-bottom: 12px; }
.seg { display: inline-flex; padding: 3px; border-radius: 9px; background: var(--surface-2); border: 1px solid var(--border); }
.seg button, .toggle {
  font: inherit; font-size: 13.5px; border: 0; background: transparent; color: var(--muted);
  padding: 5px 12px; border-radius: 6px; cursor: pointer;
}
.seg button[aria-selected="true"], .seg button[aria-pressed="true"] {
  background: var(--surface); color: var(--text); box-shadow: var(--shadow); font-weight: 600;
}
.toggle { display: inline-flex; align-items: center; gap: 8px; border: 1px solid var(--border); background: var(--surface-2); padding: 6px 12px 6px 8px; border-radius: 9px; }
.toggle-knob { width: 26px; height: 15px; border-radius: 999px; background: var(--border); position: relative; transition: background .15s; }
.toggle-knob::after { content: ""; position: absolute; top: 2px; left: 2px; width: 11px; height: 11px; border-radius: 50%; background: #fff; transition: transform .15s; box-shadow: 0 1px 2px rgba(0,0,0,.3); }
.toggle[aria-pressed="true"] { color: var(--text); font-weight: 600; }
.toggle[aria-pressed="true"] .toggle-knob { background: var(--accent); }
.toggle[aria-pressed="true"] .toggle-knob::after { transform: translateX(11px); }
.raw-links { margin-left: auto; font-size: 13px; color: var(--muted); display: inline-flex; gap: 10px; }
.dark-note { display: none; margin: 0 0 10px; font-size: 13px; color: var(--warn); }
#app[data-current-dark="true"] .dark-note { display: block; }

.device {
  background: repeating-conic-gradient(var(--surface-2) 0% 25%, var(--bg) 0% 50%) 50% / 20px 20px;
  border: 1px solid var(--border); border-radius: var(--radius); padding: 18px; display: flex; justify-content: center;
}
.device iframe {
  display: block; width: 100%; height: max(640px, calc(100vh - 190px)); border: 0; background: #fff;
  border-radius: 6px; box-shadow: 0 10px 30px rgba(16, 24, 40, .12);
}
#app[data-current-dark="true"] .device { background: #0b0c10; }
#app[data-current-dark="true"] .device iframe { background: #121212; }
#app[data-current-view="mobile"] .device iframe {
  width: 375px; flex: none; height: min(812px, calc(100vh - 150px)); border-radius: 28px;
  outline: 10px solid #1d1f24; outline-offset: 0; margin: 10px 0;
}
.text-part {
  margin: 0; padding: 22px 26px; background: var(--surface); border: 1px solid var(--border);
  border-radius: var(--radius); white-space: pre-wrap; word-break: break-word; font-size: 13.5px;
  line-height: 1.6; max-height: calc(100vh - 160px); overflow: auto; max-width: 80ch;
}

.why h2 { margin-top: 8px; }
.chips { display: flex; flex-wrap: wrap; gap: 6px; margin: 0 0 12px; }
.badge { display: inline-block; padding: 2px 9px; border-radius: 999px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.badge b { margin-left: 3px; }
.tone-good { background: var(--good-soft); color: var(--good); }
.tone-info { background: var(--info-soft); color: var(--info); }
.tone-warn { background: var(--warn-soft); color: var(--warn); }
.tone-bad { background: var(--bad-soft); color: var(--bad); }
.tone-muted { background: var(--surface-2); color: var(--muted); }
.table-wrap { overflow-x: auto; background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); box-shadow: var(--shadow); }
.why-table { width: 100%; border-collapse: collapse; font-size: 13.5px; }
.why-table th { text-align: left; font-size: 11.5px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); font-weight: 600; padding: 10px 12px; border-bottom: 1px solid var(--border); background: var(--surface-2); }
.why-table td { padding: 10px 12px; border-bottom: 1px solid var(--border); vertical-align: top; }
.why-table tr:last-child td { border-bottom: 0; }
.why-table .num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.why-table .score { color: var(--muted); }
.why-table .article { min-width: 280px; }
.why-table .article a, .why-table .article > span { font-weight: 600; color: var(--text); }
.why-table .sub { font-size: 12px; color: var(--muted); margin-top: 2px; word-break: break-all; }
.why-table .when { white-space: nowrap; color: var(--muted); font-variant-numeric: tabular-nums; }
.why-table .reason { color: var(--muted); min-width: 200px; }
.why-table tr[data-status="included"] td:first-child { color: var(--good); font-weight: 700; }
.outside { margin-top: 14px; }
.outside summary { cursor: pointer; color: var(--muted); margin-bottom: 10px; }
.empty-day h2 { margin-bottom: 6px; }
.empty-day p { margin: 0; color: var(--muted); }

.error-panel {
  border: 1px solid var(--bad); border-left-width: 5px; background: var(--bad-soft); color: var(--text);
  border-radius: var(--radius); padding: 16px 20px; margin: 0 0 18px;
}
.error-panel h2 { display: flex; align-items: center; gap: 10px; color: var(--bad); margin-bottom: 8px; }
.error-icon { display: inline-grid; place-items: center; width: 22px; height: 22px; border-radius: 50%; background: var(--bad); color: #fff; font-size: 14px; }
.error-where { margin: 0 0 8px; font-size: 14px; }
.error-where code { font-size: 14px; font-weight: 600; }
.error-chain { margin: 0 0 10px; padding-left: 20px; font-family: var(--mono); font-size: 13px; white-space: pre-wrap; }
.error-excerpt { margin: 0 0 10px; padding: 10px 0; background: var(--surface); border: 1px solid var(--border); border-radius: 8px; overflow-x: auto; }
.error-excerpt > span { display: block; padding: 0 14px; white-space: pre; }
.error-excerpt .hl { background: var(--bad-soft); box-shadow: inset 3px 0 var(--bad); }
.error-excerpt .ln { display: inline-block; width: 3.5em; color: var(--muted); user-select: none; }
.error-hint { margin: 0 0 6px; }
.error-foot { margin: 0; font-size: 13px; color: var(--muted); }

@media (max-width: 760px) {
  main { padding: 16px 14px 48px; }
  .summary { grid-template-columns: 1fr; }
  .raw-links { margin-left: 0; }
  .topbar { padding: 10px 14px; }
}
`;
