import { html, type SafeHtml } from './_html.js';

/** What every preview page shares: its title, what it is and the sources version it shows. */
export interface ShellOptions {
  title: string;
  /** `index` or `digest`: the script and styles key on it. */
  page: 'index' | 'digest';
  version: number;
  /** Newsletter name from the config, shown in the top bar. */
  brand: string;
  body: SafeHtml;
}

/**
 * The page frame. Styles and script are served by the preview itself (`/assets/...`): the CSP is
 * `default-src 'self'`, so nothing inline and nothing from elsewhere. `#app` is what live reload
 * swaps when the sources change.
 */
export function pageShell(options: ShellOptions): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${options.title}</title>
<link rel="stylesheet" href="/assets/preview.css">
<script src="/assets/preview.js" defer></script>
</head>
<body>
<header class="topbar">
  <a class="brand" href="/"><span class="brand-mark" aria-hidden="true"></span>${options.brand}<span class="brand-sub">preview</span></a>
  <span id="live" class="live" data-state="connecting" role="status" aria-live="polite">Connecting…</span>
</header>
<main id="app" data-page="${options.page}" data-version="${options.version}">
${options.body}
</main>
</body>
</html>
`.value;
}
