import { join, resolve } from 'node:path';
import type { SendDeps } from '../deliver/index.js';
import {
  addDays,
  type DueEdition,
  defaultWeekday,
  type Edition,
  editionOutDir,
  editionRequest,
  editionsDue,
  type Reader,
  servedElsewhere,
} from '../editions/index.js';
import { type BuildRequest, latestDay } from '../pipeline.js';
import { dayWindow, previousDay } from '../select/index.js';
import type { StoreBackend } from '../store/index.js';

/** One edition of a send run: what to build, and who reads it. */
export interface EditionSend extends DueEdition {
  request: BuildRequest;
  /** The last local day the edition covers (its date); undefined for an explicit --since/--until range. */
  day?: string;
  /** editionLabel(id). */
  label: string;
}

/** The plain daily edition: every topic, every day. */
export const PLAIN_DAILY: Edition = { frequency: 'daily', topics: [] };

/**
 * The editions a send of the daily request `base` delivers, each built once for all its readers.
 * The send date is the day after the daily's day (the schedule's previous-day window), so
 * `digest send --date 2020-09-13` sends the weekly to readers whose weekday is Monday the 14th.
 * An explicit range (--since/--until) sends only daily editions: a week has no place in it.
 */
export async function editionSends(
  base: BuildRequest,
  readers: readonly Reader[],
  notes: string[],
): Promise<EditionSend[]> {
  const ranged = base.since !== undefined;
  const day = ranged ? undefined : await dayOf(base);
  // A range has no send date; its editions are the daily ones (any weekday: the weekly is dropped).
  const due = editionsDue(readers, day ? addDays(day, 1) : '2000-01-03', defaultWeekday(base.config));
  const sends: EditionSend[] = [];
  for (const entry of due) {
    if (entry.edition.frequency === 'weekly' && day === undefined) {
      notes.push(
        `${entry.readers.length} weekly reader(s) not sent: --since/--until builds daily editions only`,
      );
      continue;
    }
    // A day already resolved is passed on, so every edition of the run covers the same day.
    const request = editionBuildRequest(day ? { ...base, date: day } : base, entry.edition, day ?? '');
    sends.push({ ...entry, request, day, label: editionLabel(entry.id) });
  }
  return sends;
}

/** The local day a daily request builds: --date, `latest` (the newest day with articles), or yesterday. */
async function dayOf(req: BuildRequest): Promise<string> {
  const tz = req.config.timeZone;
  if (req.date === 'latest') return latestDay(resolve(req.cwd, req.config.content), tz, req.now);
  const day = req.date ?? previousDay(req.now, tz);
  dayWindow(day, tz); // throws the usage error of a bad --date before anything is planned
  return day;
}

/** The plain daily of `base` with no readers of its own (see editionReaders; a test copy has its own list). */
export function plainSend(base: BuildRequest): EditionSend {
  return { edition: PLAIN_DAILY, id: 'daily', readers: [], request: base, day: undefined, label: '' };
}

/** ` [weekly]`, ` [daily#topics=a+b]`, or "" for the plain daily, whose lines read as before editions. */
export function editionLabel(id: string): string {
  return id === 'daily' ? '' : ` [${id}]`;
}

/** The build request of an edition (see editionRequest), its files under OUT/editions/<slug>/. */
export function editionBuildRequest(base: BuildRequest, edition: Edition, day: string): BuildRequest {
  const request = editionRequest(base, edition, day);
  return { ...request, config: withEditionOut(request.config, edition) };
}

/** `config` with `out` moved to the edition's folder (editionOutDir); the plain daily's stays. */
export function withEditionOut<C extends { out: string }>(config: C, edition: Edition): C {
  const out = editionOutDir(edition);
  return out ? { ...config, out: join(config.out, out) } : config;
}

/**
 * Who one edition's send goes to: its readers among the active subscribers, less those the ledger
 * already gave another edition of these stories (servedElsewhere, read once, at the first list;
 * `day` is the edition's last day, undefined for a range). `withInactive`: also the inactive rows,
 * so that a run's first summary counts those skipped (unsubscribed, pending) once, as before
 * editions. No `backend` (a test copy): nobody is left out.
 */
export function editionReaders(
  subscribers: SendDeps['subscribers'],
  backend: StoreBackend | undefined,
  readers: readonly number[],
  target: { digestKey: string; day?: string; weekly: boolean },
  withInactive: boolean,
): SendDeps['subscribers'] {
  let members: Promise<Set<number>> | undefined;
  const membersOnce = async () => {
    const served =
      backend && target.day
        ? await servedElsewhere(backend, target.digestKey, target.day, target.weekly)
        : new Set<number>();
    return new Set(readers.filter((id) => !served.has(id)));
  };
  return {
    list: async (filter) => {
      members ??= membersOnce();
      const sendTo = await members;
      return (await subscribers.list(filter)).filter(
        (s) => sendTo.has(s.id) || (withInactive && s.status !== 'active'),
      );
    },
  };
}
