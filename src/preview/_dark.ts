/**
 * Emulate a reader whose mail app is in dark mode. Chromium gives a sandboxed iframe the browser's
 * colour scheme, not one the embedding page picks, so the switch happens in the HTML itself:
 * `prefers-color-scheme: dark` queries are made to always match and `light` ones never to match,
 * which is what Apple Mail and iOS Mail do for an email that ships dark styles.
 */
export function emulateDarkScheme(html: string): string {
  let out = html
    .replace(/\(\s*prefers-color-scheme\s*:\s*dark\s*\)/gi, '(min-width: 0px)')
    .replace(/\(\s*prefers-color-scheme\s*:\s*light\s*\)/gi, '(max-width: 0px)');
  // An email that declares it supports dark lets the client darken the page canvas too.
  if (supportsDark(html)) {
    const style = '<style>:root{color-scheme:dark}</style>';
    out = /<\/head>/i.test(out) ? out.replace(/<\/head>/i, `${style}</head>`) : style + out;
  }
  return out;
}

/** True when the email has dark-mode styles or declares a dark colour scheme. */
export function hasDarkStyles(html: string): boolean {
  return /prefers-color-scheme\s*:\s*dark/i.test(html) || supportsDark(html);
}

function supportsDark(html: string): boolean {
  return (
    /<meta[^>]+name=["']?(?:supported-)?color-scheme["']?[^>]*content=["'][^"']*dark/i.test(html) ||
    /(?<!prefers-)color-scheme\s*:\s*[^;}"']*dark/i.test(html)
  );
}
