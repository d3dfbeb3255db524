import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { cleanups, tempDir } from '../helpers/cleanup.js';

/** Debian's dovecot binary (package dovecot-imapd), or undefined when it is not installed. */
export function dovecotBinary(): string | undefined {
  for (const path of ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot']) {
    if (spawnSync(path, ['--version'], { encoding: 'utf8' }).status === 0) return path;
  }
  const found = spawnSync('sh', ['-c', 'command -v dovecot'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() || undefined : undefined;
}

export interface Dovecot {
  port: number;
  user: string;
  pass: string;
  /** The user's Maildir (INBOX; other folders are `.Name` inside it). */
  maildir: string;
  url(mailbox?: string): string;
  /** Put a message in the INBOX as delivered (new/), or already read (cur/, \Seen). */
  deliver(name: string, raw: string, seen?: boolean): void;
  log(): string;
}

/**
 * A real IMAP server on 127.0.0.1: `dovecot -F` (foreground, no daemon) with its own config,
 * users file, run and state folders and Maildir in a fresh temporary folder (nothing under
 * /etc or /var is written), no TLS, stopped after the test by runCleanups.
 */
export async function startDovecot(binary: string): Promise<Dovecot> {
  const dir = tempDir('digest-dovecot-');
  const port = await freePort();
  const me = userInfo();
  const user = 'bounces';
  const pass = 'imap-test-password';
  for (const sub of ['run', 'state', 'home', 'mail']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, 'users'), `${user}:{PLAIN}${pass}::::::\n`, { mode: 0o644 });
  // Dovecot runs its login and internal processes as other users when started as root (its
  // login process refuses root, its mail processes uid 0): Debian's dovenull and dovecot. Run by
  // anyone else, everything is that user.
  const root = me.uid === 0;
  const loginUser = root ? 'dovenull' : me.username;
  const internal = root ? 'dovecot' : me.username;
  const group = root
    ? 'dovecot'
    : spawnSync('id', ['-gn'], { encoding: 'utf8' }).stdout.trim() || String(me.gid);
  const mailUid = root
    ? Number(spawnSync('id', ['-u', 'dovecot'], { encoding: 'utf8' }).stdout.trim())
    : me.uid;
  const mailGid = root
    ? Number(spawnSync('id', ['-g', 'dovecot'], { encoding: 'utf8' }).stdout.trim())
    : me.gid;
  if (root) chmodSync(dir, 0o755);
  const config = [
    `base_dir = ${dir}/run`,
    `state_dir = ${dir}/state`,
    `log_path = ${dir}/dovecot.log`,
    'protocols = imap',
    'listen = 127.0.0.1',
    'ssl = no',
    'disable_plaintext_auth = no',
    'auth_mechanisms = plain login',
    `default_internal_user = ${internal}`,
    `default_internal_group = ${group}`,
    `default_login_user = ${loginUser}`,
    'first_valid_uid = 1',
    'first_valid_gid = 1',
    `mail_location = maildir:${dir}/mail/%u`,
    'passdb {',
    '  driver = passwd-file',
    `  args = scheme=PLAIN username_format=%u ${dir}/users`,
    '}',
    'userdb {',
    '  driver = static',
    `  args = uid=${mailUid} gid=${mailGid} home=${dir}/home/%u`,
    '}',
    'service imap-login {',
    '  chroot =',
    '  inet_listener imap {',
    '    address = 127.0.0.1',
    `    port = ${port}`,
    '  }',
    '  inet_listener imaps {',
    '    port = 0',
    '  }',
    '}',
    'service anvil {',
    '  chroot =',
    '}',
    ...(root
      ? []
      : [
          'service auth {',
          `  user = ${me.username}`,
          '}',
          'service auth-worker {',
          `  user = ${me.username}`,
          '}',
        ]),
    '',
  ].join('\n');
  const conf = join(dir, 'dovecot.conf');
  writeFileSync(conf, config);
  const maildir = join(dir, 'mail', user);
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
  if (root)
    for (const path of [
      join(dir, 'mail'),
      join(dir, 'home'),
      maildir,
      ...['cur', 'new', 'tmp'].map((s) => join(maildir, s)),
    ])
      chownSync(path, mailUid, mailGid);
  const child: ChildProcess = spawn(binary, ['-F', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c));
  child.stderr?.on('data', (c: Buffer) => (output += c));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanups.push(async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const log = () => {
    let file = '';
    try {
      file = readFileSync(join(dir, 'dovecot.log'), 'utf8');
    } catch {}
    return `${output}${file}`;
  };
  // Ready when it answers on the port: at most 100 tries, 100 ms apart.
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`dovecot exited with ${child.exitCode}:\n${log()}`);
    if (await greets(port)) break;
    if (i >= 100) throw new Error(`dovecot did not answer on 127.0.0.1:${port} within 10 s:\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  let n = 0;
  return {
    port,
    user,
    pass,
    maildir,
    url: (mailbox = 'INBOX') => `imap://${user}:${pass}@127.0.0.1:${port}/${mailbox}`,
    deliver(name, raw, seen = false) {
      const file = `${Math.floor(Date.now() / 1000)}.M${++n}P${process.pid}.${name}`;
      const path = join(maildir, seen ? 'cur' : 'new', seen ? `${file}:2,S` : file);
      writeFileSync(path, raw);
      if (root) chownSync(path, mailUid, mailGid);
    },
    log,
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when something on the port sends an IMAP greeting within 1 s. */
function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (chunk: Buffer) => done(chunk.toString().startsWith('* OK')));
    socket.connect(port, '127.0.0.1');
  });
}
