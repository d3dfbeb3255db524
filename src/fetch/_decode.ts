/** How the bytes of a feed were turned into text. */
export interface Decoded {
  text: string;
  /** The encoding used, as TextDecoder names it (`utf-8`, `windows-1252`, ...). */
  charset: string;
  /** How it was chosen. */
  from: 'bom' | 'header' | 'declaration' | 'utf-8' | 'fallback';
}

/**
 * The text of a feed's bytes: the byte order mark, else the HTTP `charset`, else the XML
 * declaration's `encoding`, else UTF-8. Bytes that are not valid in the chosen UTF-8 are read as
 * windows-1252 (a superset of Latin-1, what undeclared Western feeds really are), so "Cádiz"
 * never comes out as "C�diz".
 */
export function decodeFeed(bytes: Uint8Array, contentType: string | undefined): Decoded {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    return utf8OrFallback(bytes.subarray(3), 'bom');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return decodeAs(bytes, 'utf-16be', 'bom');
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return decodeAs(bytes, 'utf-16le', 'bom');
  const header = /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType ?? '')?.[1];
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 256));
  const declared = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([\w.:-]+)["']/i.exec(head)?.[1];
  for (const [label, from] of [
    [header, 'header'],
    [declared, 'declaration'],
  ] as const) {
    const charset = label && known(label);
    if (!charset) continue;
    return charset === 'utf-8' ? utf8OrFallback(bytes, from) : decodeAs(bytes, charset, from);
  }
  return utf8OrFallback(bytes, 'utf-8');
}

function utf8OrFallback(bytes: Uint8Array, from: Decoded['from']): Decoded {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), charset: 'utf-8', from };
  } catch {
    return { text: decodeWindows1252(bytes), charset: 'windows-1252', from: 'fallback' };
  }
}

function decodeAs(bytes: Uint8Array, charset: string, from: Decoded['from']): Decoded {
  const text = charset === 'windows-1252' ? decodeWindows1252(bytes) : new TextDecoder(charset).decode(bytes);
  return { text, charset, from };
}

// Bytes 0x80-0x9F of windows-1252 (curly quotes, dashes, €, ...); 0 where the code page has none.
const CP1252_HIGH = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0,
  0x017d, 0, 0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0, 0x017e, 0x0178,
];

/**
 * windows-1252 as the WHATWG Encoding standard defines it (also what `latin1`/`iso-8859-1` labels
 * mean on the web). Node 20's TextDecoder turns 0x80-0x9F into C1 control characters instead
 * (“ ” – € lost), so the 32 bytes that differ from Latin-1 are mapped here.
 */
export function decodeWindows1252(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    const codes = Array.from(bytes.subarray(i, i + 8192), (b) =>
      b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80] || b : b,
    );
    out += String.fromCharCode(...codes);
  }
  return out;
}

/** The TextDecoder name of a charset label, or undefined when the runtime does not know it. */
function known(label: string): string | undefined {
  try {
    return new TextDecoder(label).encoding;
  } catch {
    return undefined;
  }
}
