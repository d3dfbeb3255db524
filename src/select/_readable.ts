/**
 * Text fit to show: a field longer than anyone writes is cut (and reported), an excerpt ends at a
 * sentence or a word, never inside a number that the feed cut off ("…it has 42,").
 */
import type { Article, ContentProblem } from '../types.js';

/** Longest title, provider name and excerpt shown; beyond these a field is cut and reported. */
export const FIELD_LIMITS = { title: 300, 'provider.name': 100, excerpt: 2000 } as const;
/** Excerpts are shown up to this many characters. */
export const EXCERPT_CHARS = 300;

const SENTENCE_END = /[.!?…]["'”’)\]]*$/u;

/**
 * At most `max` characters, ending where a reader expects: at the last sentence end when one
 * falls in the second half, else at the last whole word, with `…`. A text the source cut short
 * loses its dangling fragment (a number and comma: "it has 42,") and gets `…` too. Counts code points.
 */
export function readableCut(text: string, max: number): string {
  const trimmed = text.trim();
  const chars = Array.from(trimmed);
  if (chars.length <= max) {
    return trimmed === '' || SENTENCE_END.test(trimmed) ? trimmed : withEllipsis(trimmed);
  }
  const head = chars.slice(0, max).join('');
  const sentence = lastSentenceEnd(head);
  if (sentence >= head.length / 2) return head.slice(0, sentence);
  // Whole words only: unless the cut falls just before a space, the last word goes.
  return withEllipsis(/\s/u.test(chars[max] ?? '') ? head : head.replace(/\s+\S*$/u, ''));
}

/** Text that stops mid-sentence, ended with `…` after its last whole word (never a cut number). */
function withEllipsis(text: string): string {
  const words = text.replace(/\s+\S*\d[.,]$/u, '').replace(/[\s,;:(/\-–—]+$/u, '');
  return words === '' ? '' : `${words}…`;
}

/** Index just after the last `. `, `! ` or `? ` sentence end (with closing quotes), or -1. */
function lastSentenceEnd(text: string): number {
  let end = -1;
  for (const m of text.matchAll(/[.!?]["'”’)\]]*(?=\s)/gu)) {
    // "U.S." and "Mr." are not sentence ends: the next word would start lower-case or be a name.
    const before = text.slice(0, m.index);
    if (/\b(?:[A-Z]|Mr|Mrs|Ms|Dr|St|Sen|Rep|Gov|Gen|Lt|Inc|Corp|vs|No)$/u.test(before)) continue;
    end = (m.index ?? 0) + m[0].length;
  }
  return end;
}

/**
 * The article with its title, provider name and excerpt fit to show, and a problem for each
 * field that was longer than FIELD_LIMITS (the file is still used).
 */
export function readableArticle(article: Article): { article: Article; problems: ContentProblem[] } {
  const problems: ContentProblem[] = [];
  const cut = (field: keyof typeof FIELD_LIMITS, value: string): string => {
    const limit = FIELD_LIMITS[field];
    if (Array.from(value).length <= limit) return value;
    problems.push({
      path: article.path,
      field,
      message: `is ${value.length.toLocaleString('en-US')} characters long; shown cut to ${limit}`,
      hint: `shorten ${field} in the front matter to at most ${limit} characters`,
    });
    return readableCut(value, limit);
  };
  const title = cut('title', article.title);
  const name = cut('provider.name', article.provider.name);
  const excerpt = readableCut(cut('excerpt', article.excerpt), EXCERPT_CHARS);
  if (title === article.title && name === article.provider.name && excerpt === article.excerpt) {
    return { article, problems };
  }
  return { article: { ...article, title, excerpt, provider: { ...article.provider, name } }, problems };
}
