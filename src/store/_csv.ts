import { CsvError, parse } from 'csv-parse/sync';
// The edition module's file itself, not its index: the store needs the weekday names only, not
// the planning that loads the select stage.
import { parseWeekday, WEEKDAYS } from '../editions/_edition.js';
import { normalizeEmail, normalizeName, parseTopics } from './_address.js';
import { FREQUENCIES, type Frequency } from './_subscribers.js';

/** One CSV record with the 1-based line it starts on. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * Split CSV text (RFC 4180: commas, double quotes, "" inside quotes, CRLF or LF) into records,
 * with csv-parse. A quoted field may span lines; the record keeps the line it starts on. Blank
 * lines are skipped, a BOM is dropped, rows may have any number of fields. A record csv-parse
 * refuses (a quote never closed, text after a closing quote, a quote inside an unquoted field)
 * is reported by the line it starts on and skipped, and reading goes on from the next line: a
 * stray quote takes in only its own row, never the rows after it.
 */
export function parseCsv(text: string): { records: CsvRecord[]; problems: RowProblem[] } {
  const records: CsvRecord[] = [];
  const problems: RowProblem[] = [];
  let rest = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let linesBefore = 0;
  // Each pass reads to the end or skips at least one line, so there is at most one per line.
  const passes = countLineBreaks(rest) + 1;
  for (let pass = 0; pass < passes && rest !== ''; pass++) {
    const read = readRecords(rest, linesBefore);
    records.push(...read.records);
    if (!read.refused) break;
    problems.push(read.refused);
    rest = afterLine(rest, read.refused.line - linesBefore);
    linesBefore = read.refused.line;
  }
  return { records, problems };
}

/** The records of `text` (whose first line is line linesBefore + 1) up to the first one refused. */
function readRecords(text: string, linesBefore: number): { records: CsvRecord[]; refused?: RowProblem } {
  const lines = text.split('\n');
  const records: CsvRecord[] = [];
  // A record starts on the first line after the previous record's last that is not blank. Lines
  // are counted here, by LF, from how far csv-parse has read: its own count takes a CR inside a
  // quoted field for a line as well.
  const bytes = Buffer.from(text);
  let read = 0;
  let lastEnd = 0;
  try {
    parse(bytes, {
      relax_column_count: true,
      skip_empty_lines: true,
      on_record: (fields: string[], info) => {
        records.push({ line: linesBefore + firstFilledLine(lines, lastEnd), fields });
        for (let at = bytes.indexOf(LF, read); at !== -1 && at < info.bytes; at = bytes.indexOf(LF, at + 1))
          lastEnd++;
        read = info.bytes;
        return null;
      },
    });
    return { records };
  } catch (cause) {
    if (!(cause instanceof CsvError)) throw cause;
    const line = linesBefore + firstFilledLine(lines, lastEnd);
    return { records, refused: { line, message: refusal(cause) } };
  }
}

const LF = 0x0a;

/** What csv-parse refused, said for the person who wrote the file. */
function refusal(error: CsvError): string {
  const skipped = 'the row was skipped and the lines after it read as rows';
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return `a quoted field starts on this line and is never closed (a missing "); ${skipped}`;
    case 'CSV_INVALID_CLOSING_QUOTE':
      return `a quoted field starts on this line and the quote that closes it is followed by more text (a missing or stray "); ${skipped}`;
    case 'INVALID_OPENING_QUOTE':
      return 'a " inside a field that does not start with one: quote the whole field and double the inner quotes, e.g. "Carl ""CJ"" Jones"; the row was skipped';
    default:
      return `${error.message}; the row was skipped`;
  }
}

function countLineBreaks(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

/** The 1-based number of the first line after line `after` that is not blank. */
function firstFilledLine(lines: readonly string[], after: number): number {
  let index = after;
  while (index < lines.length - 1 && (lines[index] === '' || lines[index] === '\r')) index++;
  return index + 1;
}

/** The text after its first `lines` lines. */
function afterLine(text: string, lines: number): string {
  let at = -1;
  for (let n = 0; n < lines; n++) {
    at = text.indexOf('\n', at + 1);
    if (at === -1) return '';
  }
  return text.slice(at + 1);
}

/** A valid row of a subscriber file. */
export interface SubscriberRow {
  line: number;
  email: string;
  name: string;
  topics: string[];
  /** Column `frequency` (daily, weekly, paused); undefined when empty: the default, or as stored. */
  frequency?: Frequency;
  /** Column `weekday` (mon … sun, 1-7) as 1-7, `default` as null; undefined when empty. */
  weekday?: number | null;
}

/** Why one row of a subscriber file was skipped. */
export interface RowProblem {
  line: number;
  message: string;
}

/** The columns of a subscriber file, in the order a file without a header row has them. */
const COLUMNS = ['email', 'name', 'topics', 'frequency', 'weekday'] as const;
type Column = (typeof COLUMNS)[number];

/**
 * Read a subscriber CSV (header `email`, optional `name`, optional `topics` separated by `;`,
 * optional `frequency` and `weekday`, see docs/editions.md). Without a header row the columns are
 * taken as email, name, topics, frequency, weekday. Invalid rows (bad address,
 * control characters anywhere, duplicates within the file, a record the CSV reader refused) are
 * returned as problems, by line.
 */
export function parseSubscriberCsv(text: string): { rows: SubscriberRow[]; problems: RowProblem[] } {
  const { records, problems } = parseCsv(text);
  const rows: SubscriberRow[] = [];
  const first = records[0];
  if (!first) return { rows, problems };
  const header = first.fields.map((f) => f.trim().toLowerCase());
  const named = header.includes('email');
  if (!named && !first.fields[0]?.includes('@')) {
    problems.push({
      line: first.line,
      message: `the header row has no "email" column (columns: ${COLUMNS.join(', ')})`,
    });
    return { rows, problems };
  }
  const position = new Map<Column, number>(COLUMNS.map((c, i) => [c, named ? header.indexOf(c) : i]));
  const seen = new Map<string, number>();
  for (const record of named ? records.slice(1) : records) {
    const cell = (column: Column) => record.fields[position.get(column) ?? -1] ?? '';
    const row = readRow(record.line, cell);
    if ('message' in row) {
      problems.push(row);
      continue;
    }
    const earlier = seen.get(row.email);
    if (earlier !== undefined) {
      problems.push({ line: record.line, message: `${row.email} is a duplicate of line ${earlier}` });
      continue;
    }
    seen.set(row.email, record.line);
    rows.push(row);
  }
  problems.sort((a, b) => a.line - b.line);
  return { rows, problems };
}

/** One record's cells checked and normalised, or the first reason it can't be a subscriber. */
function readRow(line: number, cell: (column: Column) => string): SubscriberRow | RowProblem {
  const address = normalizeEmail(cell('email'));
  if (!address.ok) return { line, message: `address "${printable(cell('email'))}" ${address.reason}` };
  const name = normalizeName(cell('name'));
  if (!name.ok) return { line, message: `${address.email}: ${name.reason}` };
  const topics = parseTopics(cell('topics'));
  if (!topics.ok) return { line, message: `${address.email}: ${topics.reason}` };
  const row: SubscriberRow = { line, email: address.email, name: name.value, topics: topics.topics };
  const frequency = cell('frequency').trim().toLowerCase();
  if (frequency !== '') {
    if (!(FREQUENCIES as readonly string[]).includes(frequency)) {
      return {
        line,
        message: `${address.email}: frequency "${printable(frequency)}" is not one of ${FREQUENCIES.join(', ')}`,
      };
    }
    row.frequency = frequency as Frequency;
  }
  const weekday = cell('weekday').trim();
  if (weekday !== '') {
    const day = weekday.toLowerCase() === 'default' ? null : parseWeekday(weekday);
    if (day === undefined) {
      return {
        line,
        message: `${address.email}: weekday "${printable(weekday)}" is not one of ${WEEKDAYS.join(', ')}, default`,
      };
    }
    row.weekday = day;
  }
  return row;
}

/** Show control characters as escapes so a problem message stays on one line. */
function printable(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}
