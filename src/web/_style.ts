/** The one stylesheet of the server's own pages (served at /assets/site.css; the CSP allows only it). */
export const SITE_CSS = `:root {
  color-scheme: light dark;
  --fg: #1f2328; --muted: #57606a; --bg: #ffffff; --line: #d0d7de; --accent: #0b5cad; --accent-fg: #ffffff;
}
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --muted: #9da7b3; --bg: #0d1117; --line: #30363d; --accent: #4c9be8; --accent-fg: #0d1117; }
}
* { box-sizing: border-box; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font: 1rem/1.55 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
}
main { max-width: 40rem; margin: 0 auto; padding: 2rem 1.25rem 4rem; }
header.site { border-bottom: 1px solid var(--line); margin-bottom: 1.5rem; padding-bottom: 0.75rem; }
header.site a { color: var(--fg); font-weight: 600; text-decoration: none; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0 0 1rem; }
p { margin: 0 0 1rem; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.muted { color: var(--muted); font-size: 0.9rem; }
form { margin: 1.5rem 0; }
button {
  font: inherit; font-weight: 600; cursor: pointer; padding: 0.7rem 1.4rem; border-radius: 6px;
  border: 1px solid var(--accent); background: var(--accent); color: var(--accent-fg);
}
button.secondary { background: transparent; color: var(--accent); }
ol.archive { list-style: none; padding: 0; margin: 0; }
ol.archive li { border-bottom: 1px solid var(--line); padding: 0.85rem 0; }
ol.archive time { display: block; color: var(--muted); font-size: 0.9rem; }
ol.archive .subject { font-weight: 600; }
h2 { font-size: 1.2rem; margin: 2rem 0 0.75rem; }
section.signup { border-top: 1px solid var(--line); margin-top: 2rem; }
label { display: block; font-weight: 600; margin: 0.75rem 0 0.25rem; }
/* A box and its text side by side; a long text wraps beside the box, never under it. */
label.check { font-weight: 400; margin: 0.35rem 0; display: flex; align-items: flex-start; gap: 0.5rem; }
label.check > input { flex: none; margin-top: 0.2rem; }
label.check select { margin-left: 0.25rem; }
input, select {
  font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--line); border-radius: 6px;
}
input:not([type]), input[type="email"] { width: 100%; padding: 0.55rem 0.7rem; }
select { padding: 0.3rem 0.5rem; }
input[type="checkbox"], input[type="radio"] { width: 1.15rem; height: 1.15rem; accent-color: var(--accent); margin: 0; }
input:focus-visible, select:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 1rem 0; padding: 0.5rem 1rem 0.75rem; }
legend { font-weight: 600; padding: 0 0.25rem; }
form.prefs button, section.signup button { margin-top: 1rem; }
.notice { border-left: 4px solid var(--accent); padding: 0.5rem 0.75rem; }
.notice.error { border-left-color: #cf222e; }
/* The honeypot: out of sight and out of the tab order; only bots fill it in. */
.hp { position: absolute; left: -10000px; width: 1px; height: 1px; overflow: hidden; }
`;
