import { describe, expect, it } from 'vitest';
import { blameOf, classifySmtpError, maskUrl, redact, smtpFromEnv } from '../../src/deliver/index.js';

describe('smtpFromEnv', () => {
  it.each([
    [{}, undefined],
    [
      { SMTP_URL: 'smtp://ann:p%40ss@mail.example.com:2525' },
      {
        host: 'mail.example.com',
        port: 2525,
        secure: false,
        user: 'ann',
        pass: 'p@ss',
        description: 'smtp://ann:****@mail.example.com:2525',
      },
    ],
    [
      { SMTP_URL: 'smtps://mail.example.com' },
      {
        host: 'mail.example.com',
        port: 465,
        secure: true,
        user: undefined,
        pass: undefined,
        description: 'smtps://mail.example.com:465',
      },
    ],
    [
      { SMTP_HOST: 'mx.example.org', SMTP_USER: 'u', SMTP_PASS: 'secret!' },
      {
        host: 'mx.example.org',
        port: 587,
        secure: false,
        user: 'u',
        pass: 'secret!',
        description: 'smtp://u:****@mx.example.org:587',
      },
    ],
    [
      { SMTP_HOST: 'mx.example.org', SMTP_SECURE: 'true' },
      {
        host: 'mx.example.org',
        port: 465,
        secure: true,
        user: undefined,
        pass: undefined,
        description: 'smtps://mx.example.org:465',
      },
    ],
    [
      { SMTP_URL: 'smtp://127.0.0.1:2525', SMTP_HOST: 'ignored' },
      {
        host: '127.0.0.1',
        port: 2525,
        secure: false,
        user: undefined,
        pass: undefined,
        description: 'smtp://127.0.0.1:2525',
      },
    ],
  ])('%j', (env, expected) => {
    expect(smtpFromEnv(env)).toEqual(expected);
  });

  it.each([
    [{ SMTP_URL: 'http://user:hunter2@x' }, /smtp:\/\/ or smtps:\/\//],
    [{ SMTP_URL: 'smtp//user:hunter2@x' }, /not a valid URL/],
    [{ SMTP_HOST: 'x', SMTP_PORT: '99999' }, /port number/],
    [{ SMTP_HOST: 'x', SMTP_SECURE: 'maybe' }, /true or false/],
  ])('refuses %j without showing the password', (env, message) => {
    let text = '';
    try {
      smtpFromEnv(env);
    } catch (error) {
      text = String((error as Error).message);
      expect((error as { code: string }).code).toBe('E_SMTP_CONFIG');
    }
    expect(text).toMatch(message);
    expect(text).not.toContain('hunter2');
  });

  it('redacts the base64 forms a server may echo: AUTH PLAIN and AUTH LOGIN', () => {
    const creds = { user: 'ann', pass: 'hunter22' };
    const plain = Buffer.from('\u0000ann\u0000hunter22').toString('base64');
    const login = Buffer.from('hunter22').toString('base64');
    expect(redact(`535 5.7.8 bad credentials AUTH PLAIN ${plain}`, creds)).toBe(
      '535 5.7.8 bad credentials AUTH PLAIN ****',
    );
    expect(redact(`535 got ${plain.replace(/=+$/, '')} and ${login}`, creds)).toBe('535 got **** and ****');
    const authz = Buffer.from('ann\u0000ann\u0000hunter22').toString('base64');
    expect(redact(`echo ${authz}`, creds)).toBe('echo ****');
  });

  it('masks and redacts passwords', () => {
    expect(maskUrl('smtp://ann:hunter2@mail.example.com:587')).toBe('smtp://ann:****@mail.example.com:587');
    expect(redact('535 auth failed for ann/hunter%2F2 hunter/2', { pass: 'hunter/2' })).toBe(
      '535 auth failed for ann/**** ****',
    );
  });
});

describe('blameOf (RFC 3463 enhanced status codes)', () => {
  it.each([
    [550, '550 5.1.1 <x@dead.example>: no such user', 'recipient'],
    [550, '550-5.1.1 The email account does not exist', 'recipient'],
    [553, '553 5.1.3 bad address syntax', 'recipient'],
    [452, '452 4.2.2 mailbox full', 'recipient'],
    [552, '552 5.2.2 over quota', 'recipient'],
    [451, '451 4.4.1 no answer from host', 'recipient'],
    [450, '450 4.7.1 greylisted, try again', 'recipient'],
    [451, '451 try again later', 'recipient'],
    [550, '550 no such user here', 'recipient'],
    [550, '550 5.7.1 message rejected as spam', 'sender'],
    [554, '554 5.7.1 blocked by policy', 'sender'],
    [421, '421 4.7.0 too many connections, closing', 'sender'],
    [421, '421 service not available', 'sender'],
    [535, '535 5.7.8 authentication failed', 'sender'],
    [530, '530 5.7.0 authentication required', 'sender'],
    [451, '451 4.3.0 local error in processing', 'sender'],
    [552, '552 5.3.4 message too big for system', 'sender'],
    [554, '554 transaction failed', 'sender'],
    [undefined, 'Connection closed unexpectedly', 'sender'],
  ] as const)('%s %j -> %s', (code, reply, blame) => {
    expect(blameOf(code, reply)).toBe(blame);
  });
});

describe('classifySmtpError', () => {
  it.each([
    [{ responseCode: 550, response: '550 5.1.1 no such user' }, 'none', 'failed_perm'],
    [{ responseCode: 554, response: '554 rejected' }, 'all', 'failed_perm'],
    [{ responseCode: 451, response: '451 4.3.0 try later' }, 'all', 'failed_temp'],
    [{ responseCode: 421, response: '421 closing', code: 'ECONNECTION' }, 'none', 'failed_temp'],
    [{ responseCode: 503, response: '503 bad sequence' }, 'none', 'failed_temp'],
    [{ code: 'ECONNECTION', message: 'Connection closed unexpectedly' }, 'none', 'failed_temp'],
    [{ code: 'ECONNECTION', message: 'Connection closed unexpectedly' }, 'partial', 'failed_temp'],
    [{ code: 'ECONNECTION', message: 'Connection closed unexpectedly' }, 'all', 'unknown'],
    [{ code: 'ETIMEDOUT', message: 'Timeout' }, 'all', 'unknown'],
    [{ code: 'ESOCKET', message: 'connect ECONNREFUSED' }, 'none', 'failed_temp'],
  ] as const)('%j with body %s -> %s', (error, body, state) => {
    expect(classifySmtpError(error, body).state).toBe(state);
  });

  it('marks a refused login as fatal for the run, and temporary for the recipient', () => {
    expect(
      classifySmtpError({ code: 'EAUTH', response: '535 bad login', responseCode: 535 }, 'none'),
    ).toMatchObject({ state: 'failed_temp', code: 535, fatal: true, blame: 'sender' });
    expect(classifySmtpError({ code: 'EAUTH', message: 'Invalid login' }, 'none')).toMatchObject({
      fatal: true,
    });
  });
});
