import type { ParseResult } from '../content/index.js';
import type { Article, ContentProblem } from '../types.js';

/**
 * A full parse read back from the content index, checked for the shape parseArticle gives
 * (and for the right path); undefined when it is not that shape, i.e. the entry is damaged.
 * A check of the shape, not of every value: the index is our own cache, this guards against
 * a truncated or hand-edited row, not against a forged one.
 */
export function checkParsed(value: unknown, path: string): ParseResult | undefined {
  if (!isObject(value)) return undefined;
  if ('article' in value) return isArticle(value.article, path) ? { article: value.article } : undefined;
  if ('problem' in value) return isProblem(value.problem, path) ? { problem: value.problem } : undefined;
  return undefined;
}

function isArticle(a: unknown, path: string): a is Article {
  return (
    isObject(a) &&
    a.path === path &&
    typeof a.title === 'string' &&
    typeof a.excerpt === 'string' &&
    isNumber(a.publishedMs) &&
    typeof a.webUrl === 'string' &&
    (a.ampWebUrl === undefined || typeof a.ampWebUrl === 'string') &&
    isNumber(a.quality) &&
    isNumber(a.heat) &&
    typeof a.type === 'string' &&
    isObject(a.provider) &&
    typeof a.provider.name === 'string' &&
    typeof a.provider.domain === 'string' &&
    Array.isArray(a.topics) &&
    a.topics.every((t) => typeof t === 'string') &&
    Array.isArray(a.images) &&
    a.images.every((i) => isObject(i) && typeof i.url === 'string') &&
    Array.isArray(a.related) &&
    a.related.every(
      (r) =>
        isObject(r) && typeof r.title === 'string' && typeof r.webUrl === 'string' && isObject(r.provider),
    )
  );
}

function isProblem(p: unknown, path: string): p is ContentProblem {
  return isObject(p) && p.path === path && typeof p.field === 'string' && typeof p.message === 'string';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
