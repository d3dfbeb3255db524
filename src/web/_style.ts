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
`;
