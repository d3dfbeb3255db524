import type { Config } from '../config/index.js';
import { darkVariant, normalizeHex } from './_color.js';
import { httpUrl } from './_url.js';

/** The newsletter's look and fixed texts: what the render stage reads from config besides the title. */
export interface BrandContext {
  /** An https logo at the size it is shown (CSS px), or null. */
  logo: { url: string; width: number; height: number } | null;
  /** `#rrggbb`, AA as text on white (checked when config is read). */
  accentColor: string;
  /** `#rrggbb`, AA as text on the dark-mode card colour. */
  accentColorDark: string;
  /** The postal address, one entry per line; empty for none. */
  postalAddress: string[];
  /** A Handlebars line (counts available), or "" for the templates' default intro. */
  intro: string;
  /** `topics`: the stories after the first are grouped by their first topic. */
  sections: 'off' | 'topics';
  /** Text before the top story in the subject; undefined means the title, "" none. */
  subjectPrefix?: string;
}

/** The default accent: AA on white (6.39:1). */
export const DEFAULT_ACCENT = '#0b57d0';

/** The look of a digest rendered without brand settings. */
export const DEFAULT_BRAND: BrandContext = {
  logo: null,
  accentColor: DEFAULT_ACCENT,
  accentColorDark: darkVariant(DEFAULT_ACCENT),
  postalAddress: [],
  intro: '',
  sections: 'off',
};

/** The brand part of the render context from a checked config (`brand`, `postalAddress`, `intro`, `sections`, `subjectPrefix`). */
export function brandContext(config: Config): BrandContext {
  const accent = normalizeHex(config.brand.accentColor) ?? DEFAULT_ACCENT;
  const logo = config.brand.logo;
  const logoUrl = logo ? httpUrl(logo.url) : undefined;
  // A logo given one side is taken as square; with neither, a 40 px square (the masthead's line height).
  const height = logo?.height ?? logo?.width ?? 40;
  return {
    logo: logo && logoUrl ? { url: logoUrl, width: logo.width ?? height, height } : null,
    accentColor: accent,
    accentColorDark: normalizeHex(config.brand.accentColorDark ?? '') ?? darkVariant(accent),
    postalAddress: postalLines(config.postalAddress),
    intro: config.intro,
    sections: config.sections,
    ...(config.subjectPrefix === undefined ? {} : { subjectPrefix: config.subjectPrefix }),
  };
}

/**
 * The warning for a config without a postal address (CAN-SPAM requires one in commercial mail),
 * or undefined: `digest check` prints it, and so should every real send.
 */
export function postalAddressWarning(config: Pick<Config, 'postalAddress'>): string | undefined {
  return postalLines(config.postalAddress).length > 0
    ? undefined
    : "postalAddress is not set: the footer of every email should carry the sender's postal address (CAN-SPAM); add it to digest.config.json";
}

/** An address as lines: split at newlines (and `\n` typed literally in a JSON string), blanks dropped. */
export function postalLines(address: string): string[] {
  return address
    .split(/\r\n|\r|\n|\\n/)
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
}
