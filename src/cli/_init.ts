import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { CONFIG_FILES, isTimeZone, parseConfig } from '../config/index.js';
import { parseFrom } from '../deliver/index.js';
import { DigestError } from '../errors.js';
import type { CliContext, Command, OptionValues } from './_command.js';

/** The files `digest init` writes in the working folder; it never overwrites either. */
export const INIT_FILES = { config: 'digest.config.json', env: '.env' } as const;

/** One question of `digest init`: its flag, the prompt, the default, and the check of an answer. */
interface Question {
  flag: 'name' | 'from' | 'public-url' | 'tz' | 'postal-address';
  prompt: string;
  fallback: (answers: Answers) => string;
  /** The value to store, or why the answer is refused. */
  check: (answer: string, answers: Answers) => { value: string } | { reason: string };
}

type Answers = Partial<Record<Question['flag'], string>>;

/** Bounded: a reader who mistypes gets three tries per question. */
const TRIES = 3;

const QUESTIONS: Question[] = [
  {
    flag: 'name',
    prompt: "Newsletter name (the masthead, the From name, the subject's prefix)",
    fallback: () => 'News Digest',
    check: (answer) => (answer.trim() ? { value: answer.trim() } : { reason: 'the name cannot be empty' }),
  },
  {
    flag: 'from',
    prompt: 'From address (just the address, or "Name" <address>)',
    fallback: () => 'digest@example.com',
    check: (answer, answers) => {
      const raw = answer.trim();
      const from = raw.includes('<') ? raw : `"${(answers.name ?? '').replace(/["\\]/g, "'")}" <${raw}>`;
      try {
        parseFrom(from);
        return { value: from };
      } catch (error) {
        return { reason: error instanceof Error ? error.message.replace(/^"from" /, '') : String(error) };
      }
    },
  },
  {
    flag: 'public-url',
    prompt: 'Public URL of the subscriber web (unsubscribe links, the archive)',
    fallback: () => 'http://127.0.0.1:8080',
    check: (answer) => {
      const raw = answer.trim().replace(/\/+$/, '');
      try {
        const url = new URL(raw);
        if (url.protocol === 'https:' || url.protocol === 'http:') return { value: raw };
      } catch {
        // refused below
      }
      return { reason: `"${raw}" is not an http(s) URL, e.g. https://news.example.com` };
    },
  },
  {
    flag: 'tz',
    prompt: 'Time zone of the digest day (IANA name)',
    fallback: () => systemTimeZone(),
    check: (answer) =>
      isTimeZone(answer.trim())
        ? { value: answer.trim() }
        : { reason: `"${answer.trim()}" is not an IANA time zone, e.g. Europe/Berlin or America/New_York` },
  },
  {
    flag: 'postal-address',
    prompt: 'Postal address for the footer (required by CAN-SPAM; lines separated by ";" or "\\n")',
    fallback: () => '',
    check: (answer) => ({
      value: answer
        .split(/\s*;\s*|\\n|\n/)
        .map((l) => l.trim())
        .filter(Boolean)
        .join('\n'),
    }),
  },
];

function systemTimeZone(): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return zone && isTimeZone(zone) ? zone : 'UTC';
}

export const initCommand: Command = {
  name: 'init',
  summary:
    'Start a newsletter here: ask for its name, From, URL, zone and postal address; write digest.config.json and .env',
  options: {
    name: {
      type: 'string',
      valueName: 'NAME',
      description: 'The newsletter\'s name (default "News Digest")',
    },
    from: {
      type: 'string',
      valueName: 'ADDRESS',
      description: 'The From address, e.g. brief@news.example.com',
    },
    'public-url': {
      type: 'string',
      valueName: 'URL',
      description: 'Public base URL of the subscriber web, e.g. https://news.example.com',
    },
    tz: {
      type: 'string',
      valueName: 'ZONE',
      description: "IANA time zone of the digest day (default: this machine's)",
    },
    'postal-address': {
      type: 'string',
      valueName: 'TEXT',
      description: 'Postal address for every footer; separate lines with ";"',
    },
    yes: {
      type: 'boolean',
      short: 'y',
      description: 'Ask nothing: the defaults for whatever the flags leave out',
    },
  },
  notes:
    'Asks on the terminal for each value the flags leave out (Enter takes the default in brackets).\n' +
    '.env gets a fresh random DIGEST_SECRET, which signs the unsubscribe links: keep it, and keep\n' +
    'the file out of version control. Refuses to overwrite an existing config file or .env.',
  run: (args, ctx) => runInit(args.values, ctx, process.stdin),
};

/**
 * `digest init` with its input stream as a parameter (tests pipe answers in):
 * 1. refuse when a config file or .env already exists (nothing is asked or written);
 * 2. take each value from its flag, else (unless --yes) ask for it, else its default;
 * 3. check the config as every command will read it, then write both files (never overwriting);
 * 4. say what was written and the next command to run.
 */
export async function runInit(
  values: OptionValues,
  ctx: CliContext,
  input: NodeJS.ReadableStream,
): Promise<number> {
  const existing = [...CONFIG_FILES, INIT_FILES.env].find((f) => existsSync(join(ctx.cwd, f)));
  if (existing) {
    throw new DigestError('E_CONFIG', `${existing} already exists; digest init never overwrites it`, {
      file: join(ctx.cwd, existing),
      hint: 'edit that file instead (docs/email.md lists the brand keys), or run digest init in a new folder',
    });
  }
  const answers = await ask(values, ctx, input);
  const config = {
    title: answers.name,
    from: answers.from,
    publicUrl: answers['public-url'],
    timeZone: answers.tz,
    postalAddress: answers['postal-address'],
    brand: { accentColor: '#0b57d0' },
  };
  parseConfig(config, INIT_FILES.config);
  const secret = randomBytes(48).toString('base64url');
  const env = [
    '# Read by every digest command run in this folder; the real environment wins.',
    '# DIGEST_SECRET signs the unsubscribe links: keep it secret and never change it, or every',
    '# link already sent stops working. Keep this file out of version control.',
    `DIGEST_SECRET=${secret}`,
    '# SMTP_URL=smtps://user:password@smtp.example.com:465',
    '',
  ].join('\n');
  // `wx`: created here, or an error; a file that appeared meanwhile is never overwritten.
  await writeFile(join(ctx.cwd, INIT_FILES.config), `${JSON.stringify(config, null, 2)}\n`, { flag: 'wx' });
  await writeFile(join(ctx.cwd, INIT_FILES.env), env, { flag: 'wx', mode: 0o600 });
  ctx.stderr.write(
    `Wrote ${INIT_FILES.config} (${answers.name}, ${answers.tz}) and ${INIT_FILES.env} (a new DIGEST_SECRET).\n`,
  );
  if (!answers['postal-address']) {
    ctx.stderr.write(
      'Set "postalAddress" in digest.config.json before the first real send (send warns until then).\n',
    );
  }
  ctx.stderr.write(
    'Next: put article .md files in content/ (or set "content"), then look at the email with\n  digest preview\n' +
      'The brand keys (logo, accent colour, intro, sections) are in docs/email.md.\n',
  );
  return 0;
}

async function ask(
  values: OptionValues,
  ctx: CliContext,
  input: NodeJS.ReadableStream,
): Promise<Record<Question['flag'], string>> {
  const answers: Answers = {};
  const missing = QUESTIONS.filter((q) => typeof values[q.flag] !== 'string');
  const interactive = values.yes !== true && missing.length > 0;
  // Prompts go to stderr, like every other message: stdout stays for data.
  const output = new Writable({
    write(chunk, _encoding, done) {
      ctx.stderr.write(String(chunk));
      done();
    },
  });
  const rl = interactive ? createInterface({ input, output, terminal: false }) : undefined;
  // Lines are read from the interface's queue, so answers piped in before a question is shown are kept.
  const lines = rl?.[Symbol.asyncIterator]();
  try {
    for (const q of QUESTIONS) {
      const flag = values[q.flag];
      if (typeof flag === 'string') {
        answers[q.flag] = accepted(q.check(flag, answers), q);
        continue;
      }
      const fallback = q.fallback(answers);
      if (!lines) {
        answers[q.flag] = accepted(q.check(fallback, answers), q);
        continue;
      }
      answers[q.flag] = await prompt(q, fallback, answers, { lines, output, input });
    }
  } finally {
    rl?.close();
  }
  return answers as Record<Question['flag'], string>;
}

async function prompt(
  q: Question,
  fallback: string,
  answers: Answers,
  io: { lines: AsyncIterator<string>; output: Writable; input: NodeJS.ReadableStream },
): Promise<string> {
  const { lines, output, input } = io;
  for (let attempt = 1; attempt <= TRIES; attempt++) {
    output.write(`${q.prompt}${fallback ? ` [${fallback}]` : ''}: `);
    const next = await lines.next();
    // End of input: take the default, as Enter would.
    const answer = next.done ? '' : String(next.value);
    // A piped answer is not echoed: end the prompt's line so the next one starts on its own.
    if (next.done || !(input as { isTTY?: boolean }).isTTY) output.write('\n');
    const checked = q.check(answer.trim() === '' ? fallback : answer, answers);
    if ('value' in checked) return checked.value;
    output.write(`  ${checked.reason}\n`);
    if (next.done) break;
  }
  throw new DigestError('E_USAGE', `no usable answer for "${q.prompt}"`, {
    field: `--${q.flag}`,
    hint: `give it as --${q.flag}`,
  });
}

function accepted(checked: { value: string } | { reason: string }, q: Question): string {
  if ('value' in checked) return checked.value;
  throw new DigestError('E_USAGE', `--${q.flag}: ${checked.reason}`, { field: `--${q.flag}` });
}
