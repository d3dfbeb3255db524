export {
  addDays,
  archivePath,
  type Edition,
  editionId,
  editionKey,
  editionOutDir,
  type Frequency,
  normalizeTopics,
  parseArchivePath,
  parseEditionKey,
  parseWeekday,
  topicSuffix,
  WEEKDAYS,
  type WeekdayName,
  weekdayOf,
} from './_edition.js';
export {
  type DueEdition,
  defaultWeekday,
  editionFor,
  editionRequest,
  editionsDue,
  isPlainDaily,
  type Reader,
  WEEK_DAYS,
} from './_plan.js';
export { servedElsewhere } from './_served.js';
