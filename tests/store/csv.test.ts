import { describe, expect, it } from 'vitest';
import { parseCsv, parseSubscriberCsv } from '../../src/store/index.js';

describe('parseCsv', () => {
  it.each([
    [
      'a,b\n1,2\n',
      [
        { line: 1, fields: ['a', 'b'] },
        { line: 2, fields: ['1', '2'] },
      ],
    ],
    [
      'a,b\r\n1,2',
      [
        { line: 1, fields: ['a', 'b'] },
        { line: 2, fields: ['1', '2'] },
      ],
    ],
    [
      '\ufeffemail\n\n\nx@y.io\n',
      [
        { line: 1, fields: ['email'] },
        { line: 4, fields: ['x@y.io'] },
      ],
    ],
    ['"a, b","say ""hi"""\n', [{ line: 1, fields: ['a, b', 'say "hi"'] }]],
    [
      '"two\nlines",x\nnext,y\n',
      [
        { line: 1, fields: ['two\nlines', 'x'] },
        { line: 3, fields: ['next', 'y'] },
      ],
    ],
    ['a,,\n', [{ line: 1, fields: ['a', '', ''] }]],
    ['"",x\n', [{ line: 1, fields: ['', 'x'] }]],
  ])('%j', (text, records) => {
    expect(parseCsv(text)).toEqual({ records, problems: [] });
  });

  it('reports an unterminated quote by the line it starts on and reads the lines after it', () => {
    const { records, problems } = parseCsv('a\n"b,c\nd\n');
    expect(problems.map((p) => p.line)).toEqual([2]);
    expect(problems[0]?.message).toContain('never closed');
    expect(records).toEqual([
      { line: 1, fields: ['a'] },
      { line: 3, fields: ['d'] },
    ]);
  });
});

describe('parseSubscriberCsv', () => {
  it('reads valid rows and reports each invalid one by line', () => {
    const text = [
      'email,name,topics',
      'ann@example.com,Ann Lee,ai;politics',
      'bob@EXAMPLE.com,Bob,',
      'not-an-address,Nobody,',
      'ann@Example.com,Ann again,',
      '"eve@example.com","Eve\r\nBcc: x@evil.com",',
      'carl@example.com,"Carl ""CJ"" Jones",',
      'dora@example.com\u0007,Dora,',
      '',
    ].join('\n');
    const { rows, problems } = parseSubscriberCsv(text);
    expect(rows).toEqual([
      { line: 2, email: 'ann@example.com', name: 'Ann Lee', topics: ['ai', 'politics'] },
      { line: 3, email: 'bob@example.com', name: 'Bob', topics: [] },
      { line: 8, email: 'carl@example.com', name: 'Carl "CJ" Jones', topics: [] },
    ]);
    // Eve's quoted name spans lines 6-7, so Carl is on line 8.
    expect(problems.map((p) => p.line)).toEqual([4, 5, 6, 9]);
    expect(problems[1]?.message).toContain('duplicate of line 2');
    expect(problems[2]?.message).toContain('control character');
    expect(problems[3]?.message).toContain('\\u0007');
  });

  it('takes columns by header name in any order', () => {
    const { rows } = parseSubscriberCsv('name,email\nAnn,ann@example.com\n');
    expect(rows).toEqual([{ line: 2, email: 'ann@example.com', name: 'Ann', topics: [] }]);
  });

  it('accepts a file without a header row', () => {
    const { rows, problems } = parseSubscriberCsv('ann@example.com,Ann\n');
    expect(problems).toEqual([]);
    expect(rows.map((r) => r.email)).toEqual(['ann@example.com']);
  });

  it('refuses a header without an email column', () => {
    const { rows, problems } = parseSubscriberCsv('mail,name\nann@example.com,Ann\n');
    expect(rows).toEqual([]);
    expect(problems[0]).toMatchObject({ line: 1 });
  });

  it('an unclosed quote takes in only its own row: the rows after it are read, and the problem says quote', () => {
    const text = [
      'email,name',
      'ann@example.com,"Ann Lee',
      'bob@example.com,Bob',
      'carl@example.com,"Carl"',
      '',
    ].join('\n');
    const { rows, problems } = parseSubscriberCsv(text);
    expect(rows.map((r) => [r.line, r.email, r.name])).toEqual([
      [3, 'bob@example.com', 'Bob'],
      [4, 'carl@example.com', 'Carl'],
    ]);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.line).toBe(2);
    expect(problems[0]?.message).toContain('the quote that closes it');
    expect(problems[0]?.message).not.toContain('control character');
  });

  it('a quote never closed at the end of the file: its row is reported, the rows after it are read', () => {
    const { rows, problems } = parseSubscriberCsv('email\n"ann@example.com\nbob@example.com\n');
    expect(rows.map((r) => [r.line, r.email])).toEqual([[3, 'bob@example.com']]);
    expect(problems).toEqual([{ line: 2, message: expect.stringContaining('never closed') }]);
  });

  it("a quote inside an unquoted field is that row's problem, by line, with the fix", () => {
    const { rows, problems } = parseSubscriberCsv(
      'email,name\nann@example.com,Carl "CJ" Jones\nbob@example.com,Bob\n',
    );
    expect(rows.map((r) => r.email)).toEqual(['bob@example.com']);
    expect(problems.map((p) => p.line)).toEqual([2]);
    expect(problems[0]?.message).toContain('""CJ""');
  });

  it('a byte order mark before the header is not part of the first column name', () => {
    const { rows, problems } = parseSubscriberCsv('\ufeffemail,name\nann@example.com,Ann\n');
    expect(problems).toEqual([]);
    expect(rows).toEqual([{ line: 2, email: 'ann@example.com', name: 'Ann', topics: [] }]);
  });
});
