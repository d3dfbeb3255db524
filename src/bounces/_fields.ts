/**
 * The field blocks of a `message/delivery-status` part (RFC 3464) or a `message/feedback-report`
 * part (RFC 5965): header-style `Name: value` lines, a line starting with white space continuing
 * the one before, and blocks separated by blank lines (a DSN's first block is about the message,
 * each later one about one recipient).
 */

/** One block: field names lower-cased, the first value of each name kept (later ones too, in `all`). */
export interface FieldBlock {
  get(name: string): string | undefined;
  all(name: string): string[];
}

/** Split a field-block text into blocks, dropping empty ones. */
export function fieldBlocks(text: string): FieldBlock[] {
  const blocks: FieldBlock[] = [];
  for (const chunk of text.replace(/\r\n?/g, '\n').split(/\n[ \t]*\n/)) {
    const fields = new Map<string, string[]>();
    let last: { name: string; values: string[] } | undefined;
    for (const line of chunk.split('\n')) {
      if (/^[ \t]/.test(line) && last) {
        const i = last.values.length - 1;
        last.values[i] = `${last.values[i]} ${line.trim()}`;
        continue;
      }
      const match = /^([!-9;-~]+)[ \t]*:[ \t]*(.*)$/.exec(line);
      if (!match) {
        last = undefined;
        continue;
      }
      const name = (match[1] as string).toLowerCase();
      const values = fields.get(name) ?? [];
      values.push((match[2] as string).trim());
      fields.set(name, values);
      last = { name, values };
    }
    if (fields.size > 0) {
      blocks.push({
        get: (name) => fields.get(name.toLowerCase())?.[0],
        all: (name) => fields.get(name.toLowerCase()) ?? [],
      });
    }
  }
  return blocks;
}

/** The address of a typed address field (`rfc822; ann@example.org`, `<ann@example.org>`), or undefined. */
export function addressOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const typed = /^\s*[A-Za-z0-9-]+\s*;\s*(.*)$/.exec(value);
  const rest = (typed ? typed[1] : value) as string;
  const match = /<?([^\s<>;"]+@[^\s<>;"]+?)>?\s*$/.exec(rest.trim());
  return match?.[1];
}

/** A Diagnostic-Code without its type (`smtp; 550 ...` -> `550 ...`), white space runs made one space. */
export function diagnosticText(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const text = value
    .replace(/^\s*[A-Za-z0-9-]+\s*;\s*/, '')
    .replace(/\s+/g, ' ')
    .trim();
  return text || undefined;
}
