/** Colour arithmetic for the brand accent: WCAG 2 contrast, and the accent's dark-mode variant. */

/** The email's light background of text (cards) and its dark-mode one; the accent is checked against both. */
export const LIGHT_BACKGROUND = '#ffffff';
export const DARK_BACKGROUND = '#1b1f24';

/** WCAG 2 AA for normal text. */
export const AA_TEXT = 4.5;

/** `#rgb` or `#rrggbb`, any case. */
export const HEX_COLOR = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i;

/** `#rrggbb` in lower case, or undefined for anything that is not a hex colour. */
export function normalizeHex(value: string): string | undefined {
  if (!HEX_COLOR.test(value)) return undefined;
  const hex = value.slice(1).toLowerCase();
  return `#${hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex}`;
}

function channels(hex: string): [number, number, number] {
  const h = normalizeHex(hex);
  if (!h) throw new Error(`not a hex colour: ${hex}`);
  return [1, 3, 5].map((i) => Number.parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
}

/** WCAG 2 relative luminance, 0 (black) to 1 (white). */
export function luminance(hex: string): number {
  const [r, g, b] = channels(hex).map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio of two colours, 1 to 21. */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** `a` mixed toward `b` by `t` (0: a, 1: b), as `#rrggbb`. */
export function mix(a: string, b: string, t: number): string {
  const ca = channels(a);
  const cb = channels(b);
  return `#${ca
    .map((c, i) => Math.round(c + ((cb[i] as number) - c) * t))
    .map((c) => c.toString(16).padStart(2, '0'))
    .join('')}`;
}

/**
 * The accent for dark mode: no colour is AA against both white and a near-black background, so
 * the accent is lightened (mixed toward white in small steps) until it is AA on DARK_BACKGROUND.
 * A colour already AA there is returned as it is.
 */
export function darkVariant(accent: string): string {
  const base = normalizeHex(accent) ?? accent;
  for (let step = 0; step <= 20; step++) {
    const candidate = mix(base, '#ffffff', step / 20);
    if (contrast(candidate, DARK_BACKGROUND) >= AA_TEXT) return candidate;
  }
  return '#ffffff';
}

/** Why `color` fails AA as text on `background`, or undefined when it passes. */
export function contrastProblem(color: string, background: string): string | undefined {
  const hex = normalizeHex(color);
  if (!hex) return `"${color}" is not a hex colour; use e.g. "#0b57d0"`;
  const ratio = contrast(hex, background);
  if (ratio >= AA_TEXT) return undefined;
  const fix = luminance(background) > 0.5 ? 'a darker' : 'a lighter';
  return `${color} on ${background} has a contrast of ${ratio.toFixed(2)}:1, WCAG AA for text needs ${AA_TEXT}:1; pick ${fix} colour`;
}
