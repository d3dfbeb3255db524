import { join } from 'node:path';
import { parseConfig } from '../../src/config/index.js';
import type { BuildResult } from '../../src/pipeline.js';
import {
  type BuildFn,
  buildRequestFor,
  type RunStoreOptions,
  type Schedule,
  type SendCounts,
  type SendFn,
  SqliteRunStore,
} from '../../src/schedule/index.js';
import { openDatabase, type SqliteDatabase } from '../../src/store/index.js';
import { tempDir } from '../helpers/cleanup.js';

/** The schedule most tests start from: 07:00 Berlin, the previous day, catch up until noon. */
export const berlin: Schedule = {
  time: '07:00',
  timeZone: 'Europe/Berlin',
  window: 'previous-day',
  catchUpUntil: '12:00',
  minItems: 1,
};

/** A fresh SQLite file with the runs table. */
export function freshDb(): { file: string; db: SqliteDatabase } {
  const file = join(tempDir('digest-schedule-'), 'digest.db');
  return { file, db: openDatabase(file) };
}

export function store(db: SqliteDatabase, options: Partial<RunStoreOptions> = {}): SqliteRunStore {
  return new SqliteRunStore(db, { host: 'test-host', isProcessAlive: () => true, ...options });
}

/**
 * A stand-in build for runner tests that are about days and windows, not content: `items(date)`
 * articles per run. The digest key follows the pipeline's rule.
 */
export function fakeBuild(items: (sendDate: string) => number = () => 5): BuildFn & { requests: unknown[] } {
  const requests: unknown[] = [];
  const config = parseConfig({});
  const build = async (run: Parameters<BuildFn>[0]): Promise<BuildResult> => {
    const request = buildRequestFor(run, config, '/nowhere');
    requests.push(request);
    const n = items(run.sendDate);
    const key =
      request.date !== undefined
        ? `day:${request.date}@${run.window.timeZone}`
        : `range:${request.since}..${request.until}`;
    return {
      digestKey: key,
      selection: { items: Array.from({ length: n }, () => ({})) },
      rendered: n > 0 ? { subject: 's', preheader: '', html: '<p>', text: 't', mjml: '' } : undefined,
    } as unknown as BuildResult;
  };
  return Object.assign(build, { requests });
}

/** A sender that records which digests it was asked to send; `counts` decides its answer. */
export function recordingSend(
  counts: (digestKey: string, call: number) => SendCounts = () => ({ recipients: 3, sent: 3, failed: 0 }),
): SendFn & { sent: string[] } {
  const sent: string[] = [];
  const send: SendFn = async (built) => {
    sent.push(built.digestKey);
    return counts(built.digestKey, sent.length);
  };
  return Object.assign(send, { sent });
}
