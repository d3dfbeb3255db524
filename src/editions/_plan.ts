import type { Config } from '../config/index.js';
import type { BuildRequest } from '../pipeline.js';
import { dayWindow } from '../select/index.js';
import {
  addDays,
  archivePath,
  type Edition,
  editionId,
  editionKey,
  type Frequency,
  normalizeTopics,
  topicSuffix,
  WEEKDAYS,
  weekdayOf,
} from './_edition.js';

/** What the plan reads of a subscriber (the store's Subscriber has these fields). */
export interface Reader {
  id: number;
  topics: string[];
  status: string;
  /** Default daily. */
  frequency?: Frequency | null;
  /** ISO weekday of a weekly reader, 1 = Monday; null: `editions.weeklyWeekday`. */
  weekday?: number | null;
}

/** One edition due on a send date, and the ids of its readers. */
export interface DueEdition {
  edition: Edition;
  /** `daily`, `daily#topics=a+b`, `weekly`… (editionId). */
  id: string;
  readers: number[];
}

/** The days a weekly edition covers: the 7 local days before its send date. */
export const WEEK_DAYS = 7;

/** The ISO weekday of the weekly edition for readers who chose none (config `editions.weeklyWeekday`). */
export function defaultWeekday(config: Pick<Config, 'editions'>): number {
  return WEEKDAYS.indexOf(config.editions.weeklyWeekday) + 1;
}

/** The edition a reader gets on `sendDate`, or undefined (paused, not their weekday, not active). */
export function editionFor(reader: Reader, sendDate: string, weekday: number): Edition | undefined {
  if (reader.status !== 'active') return undefined;
  const frequency = reader.frequency ?? 'daily';
  if (frequency === 'paused') return undefined;
  if (frequency === 'weekly' && weekdayOf(sendDate) !== (reader.weekday ?? weekday)) return undefined;
  return { frequency, topics: normalizeTopics(reader.topics) };
}

/**
 * The editions due on the local date `sendDate`, each with its readers: daily readers every day,
 * weekly readers on their weekday, paused readers never. Each reader is in one edition at most,
 * so a day's run builds each distinct edition once and nobody gets two. Daily editions first,
 * then weekly; within each, by id (the plain edition first).
 */
export function editionsDue(readers: readonly Reader[], sendDate: string, weekday: number): DueEdition[] {
  const due = new Map<string, DueEdition>();
  for (const reader of readers) {
    const edition = editionFor(reader, sendDate, weekday);
    if (!edition) continue;
    const id = editionId(edition);
    const entry = due.get(id) ?? { edition, id, readers: [] };
    entry.readers.push(reader.id);
    due.set(id, entry);
  }
  const order = (e: DueEdition) => `${e.edition.frequency === 'daily' ? 0 : 1}${e.id}`;
  return [...due.values()].sort((a, b) => (order(a) < order(b) ? -1 : 1));
}

/** True for the edition every reader got before editions existed: daily, every topic. */
export function isPlainDaily(edition: Edition): boolean {
  return edition.frequency === 'daily' && edition.topics.length === 0;
}

/**
 * The build request of an edition from the daily request `base` (whose window is the day
 * `day`, or an explicit range): a topic edition narrows the topics before ranking (so it has its
 * own top N); the weekly covers the 7 local days ending on `day`, with its own subject and
 * heading (`editions.weeklySubject`, `editions.weeklyIntro`).
 */
export function editionRequest(base: BuildRequest, edition: Edition, day: string): BuildRequest {
  if (isPlainDaily(edition)) return base;
  const { config } = base;
  // The reader's topics take the place of `includeTopics`; `excludeTopics` still applies.
  const narrowed = edition.topics.length === 0 ? config : { ...config, includeTopics: edition.topics };
  if (edition.frequency === 'daily') {
    return { ...base, config: narrowed, edition: { keySuffix: topicSuffix(edition.topics) } };
  }
  const tz = config.timeZone;
  const since = new Date(dayWindow(addDays(day, 1 - WEEK_DAYS), tz).since).toISOString();
  const until = new Date(dayWindow(day, tz).until).toISOString();
  const { date: _date, ...rest } = base;
  return {
    ...rest,
    since,
    until,
    config: { ...narrowed, subject: config.editions.weeklySubject, intro: config.editions.weeklyIntro },
    edition: { digestKey: editionKey(edition, day, tz), date: day, archivePath: archivePath(edition, day) },
  };
}
