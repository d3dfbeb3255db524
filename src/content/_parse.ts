import type { Article, ContentProblem } from '../types.js';
import { parsePublished } from './_dates.js';
import {
  cleanText,
  httpUrl,
  isFiniteNumber,
  readImages,
  readProvider,
  readRelated,
  readTopics,
} from './_fields.js';
import { readFrontMatter } from './_frontmatter.js';
import { fileProblem, MAX_ARTICLE_BYTES, shown, tooLargeProblem } from './_problem.js';

export interface ParseOptions {
  /** IANA zone that places date-only and offset-less `publishedDateTime` values. */
  timeZone: string;
}

export type ParseResult = { article: Article } | { problem: ContentProblem };

/**
 * Turn one file's bytes into an Article, or say why the file can't be used. Pure: `path` is
 * only copied into the result (the path relative to the content folder, with `/`).
 */
export function parseArticle(path: string, bytes: Uint8Array, opts: ParseOptions): ParseResult {
  if (bytes.length > MAX_ARTICLE_BYTES) return { problem: tooLargeProblem(path, bytes.length) };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return {
      problem: fileProblem(path, 'is not valid UTF-8 text', 'save the file with UTF-8 encoding'),
    };
  }
  if (text.trim() === '') {
    return { problem: fileProblem(path, 'is empty', 'add YAML front matter or delete the file') };
  }
  const front = readFrontMatter(text);
  if ('message' in front) {
    return { problem: { path, field: '(front matter)', message: front.message, hint: front.hint } };
  }
  const fm = front.data;
  const problem = (field: string, message: string, hint: string) => ({
    problem: { path, field, message, hint },
  });

  if (fm.title === undefined || fm.title === null) return problem('title', 'is missing', HINTS.title);
  if (typeof fm.title !== 'string') {
    return problem('title', `must be text, got ${shown(fm.title)}`, 'put the title in double quotes');
  }
  const title = cleanText(fm.title);
  if (title === '') return problem('title', 'is empty', HINTS.title);

  if (fm.webUrl === undefined || fm.webUrl === null) return problem('webUrl', 'is missing', HINTS.webUrl);
  const url = httpUrl(fm.webUrl);
  if (!url) return problem('webUrl', `must be an http or https URL, got ${shown(fm.webUrl)}`, HINTS.webUrl);

  const when = fm.publishedDateTime;
  if (when === undefined || when === null || when === '') {
    return problem('publishedDateTime', 'is missing', HINTS.publishedDateTime);
  }
  const publishedMs = parsePublished(when, opts.timeZone);
  if (publishedMs === undefined) {
    return problem(
      'publishedDateTime',
      `is not a date or date-time: ${shown(when)}`,
      HINTS.publishedDateTime,
    );
  }

  const scores = { quality: 0, heat: 0 };
  for (const field of ['quality', 'heat'] as const) {
    const value = fm[field];
    if (value === undefined || value === null) continue;
    if (!isFiniteNumber(value)) {
      return problem(field, `must be a number, got ${shown(value)}`, HINTS.score(field));
    }
    scores[field] = value;
  }

  const article: Article = {
    path,
    title,
    excerpt: typeof fm.excerpt === 'string' ? cleanText(fm.excerpt) : '',
    publishedMs,
    webUrl: String(fm.webUrl).trim(),
    quality: scores.quality,
    heat: scores.heat,
    type: typeof fm.type === 'string' && fm.type.trim() !== '' ? fm.type.trim() : 'article',
    provider: readProvider(fm.provider, url),
    topics: readTopics(fm.topics),
    images: readImages(fm.images),
    related: readRelated(fm.related, opts.timeZone),
  };
  if (httpUrl(fm.ampWebUrl)) article.ampWebUrl = String(fm.ampWebUrl).trim();
  // Parsed strings can be slices of the whole file text, and keeping one keeps the whole
  // text alive, for every file of a large folder. A clone owns its strings.
  return { article: structuredClone(article) };
}

const HINTS = {
  title: 'add a line such as `title: "What happened"`',
  webUrl: 'give the full address of the article, starting with https:// or http://',
  publishedDateTime:
    'use an ISO date-time such as 2021-02-05T11:46:00Z or 2021-02-05T11:46:00-08:00, or a date such as 2021-02-05',
  score: (field: string) =>
    `write ${field} as a plain number without quotes (e.g. ${field}: 70), or leave it out`,
};
