import { normalizeEmail, normalizeName, parseTopics } from './_address.js';

/** One CSV record with the 1-based line it starts on. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * Split CSV text (RFC 4180: commas, double quotes, "" inside quotes, CRLF or LF) into records.
 * A quoted field may span lines; the record keeps the line it starts on. Blank lines are skipped.
 * An unterminated quote ends the text and is reported in `unterminatedAt`.
 */
export function parseCsv(text: string): { records: CsvRecord[]; unterminatedAt?: number } {
  const input = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let fieldStarted = false;
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '' && !fieldStarted))
      records.push({ line: recordLine, fields });
    fields = [];
    field = '';
    fieldStarted = false;
  };
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (quoted) {
      if (ch === '"') {
        if (input[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"' && field === '') {
      quoted = true;
      fieldStarted = true;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
      fieldStarted = true;
    } else if (ch === '\r' && input[i + 1] === '\n') {
      // the LF ends the record
    } else if (ch === '\n') {
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += ch;
      fieldStarted = true;
    }
  }
  if (quoted) return { records, unterminatedAt: recordLine };
  if (field !== '' || fields.length > 0 || fieldStarted) endRecord();
  return { records };
}

/** A valid row of a subscriber file. */
export interface SubscriberRow {
  line: number;
  email: string;
  name: string;
  topics: string[];
}

/** Why one row of a subscriber file was skipped. */
export interface RowProblem {
  line: number;
  message: string;
}

/**
 * Read a subscriber CSV (header `email`, optional `name`, optional `topics` separated by `;`).
 * Without a header row the columns are taken as email, name, topics. Invalid rows (bad address,
 * control characters anywhere, duplicates within the file) are returned as problems, by line.
 */
export function parseSubscriberCsv(text: string): { rows: SubscriberRow[]; problems: RowProblem[] } {
  const { records, unterminatedAt } = parseCsv(text);
  const problems: RowProblem[] = [];
  const rows: SubscriberRow[] = [];
  if (records.length === 0) return { rows, problems };
  const first = records[0] as CsvRecord;
  const header = first.fields.map((f) => f.trim().toLowerCase());
  let columns = { email: 0, name: 1, topics: 2 } as Record<'email' | 'name' | 'topics', number>;
  let body = records;
  if (header.includes('email')) {
    columns = {
      email: header.indexOf('email'),
      name: header.indexOf('name'),
      topics: header.indexOf('topics'),
    };
    body = records.slice(1);
  } else if (!first.fields[0]?.includes('@')) {
    problems.push({
      line: first.line,
      message: 'the header row has no "email" column (columns: email, name, topics)',
    });
    return { rows, problems };
  }
  const seen = new Map<string, number>();
  for (const record of body) {
    const cell = (index: number) => (index >= 0 ? (record.fields[index] ?? '') : '');
    const address = normalizeEmail(cell(columns.email));
    if (!address.ok) {
      problems.push({
        line: record.line,
        message: `address "${printable(cell(columns.email))}" ${address.reason}`,
      });
      continue;
    }
    const name = normalizeName(cell(columns.name));
    if (!name.ok) {
      problems.push({ line: record.line, message: `${address.email}: ${name.reason}` });
      continue;
    }
    const topics = parseTopics(cell(columns.topics));
    if (!topics.ok) {
      problems.push({ line: record.line, message: `${address.email}: ${topics.reason}` });
      continue;
    }
    const earlier = seen.get(address.email);
    if (earlier !== undefined) {
      problems.push({ line: record.line, message: `${address.email} is a duplicate of line ${earlier}` });
      continue;
    }
    seen.set(address.email, record.line);
    rows.push({ line: record.line, email: address.email, name: name.value, topics: topics.topics });
  }
  if (unterminatedAt !== undefined) {
    problems.push({
      line: unterminatedAt,
      message: 'a quoted field is never closed; the rest of the file was ignored',
    });
  }
  return { rows, problems };
}

/** Show control characters as escapes so a problem message stays on one line. */
function printable(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}
