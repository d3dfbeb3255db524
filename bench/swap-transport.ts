/**
 * A preload (`node --import dist/bench/swap-transport.js bin/digest.js send ...`) that swaps the SMTP
 * transport `digest send` uses, everything else (build, ledger, message copies, send loop) being
 * the same process and code. BENCH_SMTP_TRANSPORT names the replacement:
 *   raw-pool  nodemailer's own pool (`pool: true`) sending each prebuilt copy as `raw`
 *             (bench/_transport-raw-pool.ts);
 *   layer-public  the project's transport without its direct socket writes: every message through
 *             SMTPConnection.send's DataStream (bench/_transport-layer-public.ts).
 * The swap is a module resolve hook: imports of dist/src/deliver/_smtp.js resolve to the
 * replacement instead. Used only by `npm run bench`; the application has no such switch.
 */
import { register } from 'node:module';

const REPLACEMENTS: Record<string, string> = {
  'raw-pool': './_transport-raw-pool.js',
  'layer-public': './_transport-layer-public.js',
};

const name = process.env.BENCH_SMTP_TRANSPORT ?? '';
const replacement = REPLACEMENTS[name];
if (!replacement) {
  throw new Error(
    `BENCH_SMTP_TRANSPORT must be one of ${Object.keys(REPLACEMENTS).join(', ')}, got ${JSON.stringify(name)}`,
  );
}
register('./_swap-hook.js', import.meta.url, {
  data: {
    target: new URL('../src/deliver/_smtp.js', import.meta.url).href,
    replacement: new URL(replacement, import.meta.url).href,
  },
});
