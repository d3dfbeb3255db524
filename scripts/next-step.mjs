// The last lines of `npm start`: where the dry run's files are, and what to do next.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const out = 'out';
const days = existsSync(out)
  ? readdirSync(out)
      .filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d) && existsSync(join(out, d, 'digest.html')))
      .sort((a, b) => statSync(join(out, b)).mtimeMs - statSync(join(out, a)).mtimeMs)
  : [];
const day = days[0];
const lines = [
  '',
  'Next:',
  '  npx digest preview        # the digest in your browser at http://127.0.0.1:4000, reloading as you edit',
  ...(day
    ? [
        `  open ${join(out, day, 'digest.html')} (the email) or a file in ${join(out, day, 'eml')}/ (the messages as sent)`,
      ]
    : []),
  '  cp .env.example .env      # then SMTP_URL and DIGEST_SECRET, to send for real (README: Making it your own)',
  '',
];
process.stderr.write(lines.join('\n'));
