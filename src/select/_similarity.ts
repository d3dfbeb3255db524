/**
 * How alike two articles of one window are as news: TF-IDF cosine over the words and numbers of
 * their titles and excerpts, weighted so that what is rare in the window (a name, an amount)
 * counts more than what every article says ("Trump", "AI"). The window itself is the reference
 * corpus: on a game-news day "Cyberpunk" is common and the class name in a guide's title is what
 * tells two guides apart.
 */
import type { Article } from '../types.js';
import { type Token, tokenize } from './_terms.js';

/** A title word counts this many times an excerpt word: the headline is the story's own summary. */
const TITLE_WEIGHT = 2;
/** A name or number counts this much more than an ordinary word of the same rarity. */
const NAME_WEIGHT = 1.5;

/** The comparable form of one article. */
export interface StoryDoc {
  /** term -> weight (TF-IDF, names boosted), unit length. */
  vector: Map<string, number>;
  /** The vector's term ids (per model), ascending, and their weights. */
  ids: Int32Array;
  weights: Float64Array;
  /** The terms of the title. */
  titleTerms: Set<string>;
  /** Every term of title and excerpt. */
  allTerms: Set<string>;
  /** Each title term's neighbours in the title ("Mike" -> "Bloomberg"). */
  titleNeighbours: Map<string, string[]>;
}

/** The window's articles made comparable, plus what the comparison needs to explain itself. */
export interface StoryModel {
  docs: StoryDoc[];
  /** Terms that are names or numbers in this window. */
  names: Set<string>;
  /** A term as first written in the window, for evidence ("Bloomberg", "$100M"). */
  surface: Map<string, string>;
}

/** The tokens of one article's title and excerpt (see tokenize). */
export interface ArticleTokens {
  title: Token[];
  excerpt: Token[];
  /** The distinct terms of both. */
  terms: string[];
}

/** Tokenize every article once; storyModel may then be built several times from the same tokens. */
export function tokenizeAll(articles: readonly Pick<Article, 'title' | 'excerpt'>[]): ArticleTokens[] {
  return articles.map((a) => {
    const title = tokenize(a.title);
    const excerpt = tokenize(a.excerpt);
    return { title, excerpt, terms: [...new Set([...title, ...excerpt].map((t) => t.term))] };
  });
}

/**
 * Build the comparable form of every article (in the given order). A word's rarity is counted
 * over `groups` (lists of article indices, e.g. the stories found so far; default: each article
 * on its own), so copies of one story do not make its words look common.
 */
export function storyModel(
  tokens: readonly ArticleTokens[],
  groups?: readonly (readonly number[])[],
): StoryModel {
  const articles = tokens;
  const caps = new Map<string, number>();
  const lowers = new Map<string, number>();
  const initials = new Map<string, number>();
  const numeric = new Set<string>();
  const surface = new Map<string, string>();
  const df = new Map<string, number>();
  const note = (t: Token) => {
    if (t.numeric) numeric.add(t.term);
    if (t.caseHint === 'cap') caps.set(t.term, (caps.get(t.term) ?? 0) + 1);
    if (t.caseHint === 'lower') lowers.set(t.term, (lowers.get(t.term) ?? 0) + 1);
    if (t.caseHint === 'initial') initials.set(t.term, (initials.get(t.term) ?? 0) + 1);
    if (!surface.has(t.term) || (t.caseHint === 'cap' && !/^\p{Lu}/u.test(surface.get(t.term) ?? ''))) {
      surface.set(t.term, t.surface);
    }
  };
  for (const { title, excerpt } of tokens) for (const t of [...title, ...excerpt]) note(t);
  const units = groups ?? articles.map((_, i) => [i]);
  for (const unit of units) {
    const seen =
      unit.length === 1
        ? (tokens[unit[0] as number]?.terms ?? [])
        : new Set(unit.flatMap((i) => tokens[i]?.terms ?? []));
    for (const term of seen) df.set(term, (df.get(term) ?? 0) + 1);
  }
  const names = new Set<string>(numeric);
  for (const [term, c] of caps) if (c >= (lowers.get(term) ?? 0)) names.add(term);
  // A word only ever seen capitalised at the start of sentences, but in two of them ("Biden says…",
  // "Biden's plan…"), is a name too; once is not enough ("Watch…").
  for (const [term, c] of initials) if (c >= 2 && !lowers.has(term)) names.add(term);

  const n = units.length;
  const ids = new Map<string, number>();
  const idOf = (term: string) => {
    let id = ids.get(term);
    if (id === undefined) {
      id = ids.size;
      ids.set(term, id);
    }
    return id;
  };
  const docs = tokens.map(({ title, excerpt }): StoryDoc => {
    const tf = new Map<string, number>();
    for (const t of title) tf.set(t.term, (tf.get(t.term) ?? 0) + TITLE_WEIGHT);
    for (const t of excerpt) tf.set(t.term, (tf.get(t.term) ?? 0) + 1);
    const vector = new Map<string, number>();
    let norm = 0;
    for (const [term, count] of tf) {
      const idf = Math.log(1 + n / (df.get(term) ?? 1));
      const w = (1 + Math.log(count)) * idf * (names.has(term) ? NAME_WEIGHT : 1);
      vector.set(term, w);
      norm += w * w;
    }
    norm = Math.sqrt(norm) || 1;
    for (const [term, w] of vector) vector.set(term, w / norm);
    // The same vector as parallel arrays sorted by term id, for a fast cosine.
    const sorted = [...vector].map(([term, w]) => [idOf(term), w] as const).sort((x, y) => x[0] - y[0]);
    const titleNeighbours = new Map<string, string[]>();
    title.forEach((t, k) => {
      const near = [title[k - 1]?.term, title[k + 1]?.term].filter((x): x is string => x !== undefined);
      titleNeighbours.set(t.term, [...(titleNeighbours.get(t.term) ?? []), ...near]);
    });
    return {
      vector,
      ids: Int32Array.from(sorted, ([id]) => id),
      weights: Float64Array.from(sorted, ([, w]) => w),
      titleTerms: new Set(title.map((t) => t.term)),
      allTerms: new Set(tf.keys()),
      titleNeighbours,
    };
  });
  return { docs, names, surface };
}

/** Cosine similarity of two documents' vectors (0..1). */
export function cosine(a: StoryDoc, b: StoryDoc): number {
  const { ids: x, weights: wx } = a;
  const { ids: y, weights: wy } = b;
  let dot = 0;
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    const d = (x[i] as number) - (y[j] as number);
    if (d === 0) dot += (wx[i++] as number) * (wy[j++] as number);
    else if (d < 0) i++;
    else j++;
  }
  return dot;
}

/** Share of title terms two titles have in common (Jaccard). */
export function titleOverlap(a: StoryDoc, b: StoryDoc): number {
  let common = 0;
  for (const t of a.titleTerms) if (b.titleTerms.has(t)) common++;
  const union = a.titleTerms.size + b.titleTerms.size - common;
  return union === 0 ? 0 : common / union;
}

/**
 * Names or numbers in one title that the other article never mentions, on both sides: the mark
 * of one headline template filled in twice ("best Diluc build" / "best Keqing build", "poll in
 * Florida" / "poll in Arizona"), which is two stories however alike the rest reads. A name next
 * to a name both titles share is a part of that name, not a conflict ("Mike Bloomberg" /
 * "Michael Bloomberg").
 */
export function conflictingNames(model: StoryModel, a: StoryDoc, b: StoryDoc): [string[], string[]] {
  const sharedName = (t: string) => model.names.has(t) && a.titleTerms.has(t) && b.titleTerms.has(t);
  const only = (x: StoryDoc, y: StoryDoc) =>
    [...x.titleTerms].filter(
      (t) => model.names.has(t) && !y.allTerms.has(t) && !(x.titleNeighbours.get(t) ?? []).some(sharedName),
    );
  return [only(a, b), only(b, a)];
}

/** Whether two articles have a name or number in common (cheaper than sharedNames). */
export function sharesName(model: StoryModel, a: StoryDoc, b: StoryDoc): boolean {
  const [small, large] = a.allTerms.size <= b.allTerms.size ? [a, b] : [b, a];
  for (const t of small.allTerms) if (model.names.has(t) && large.allTerms.has(t)) return true;
  return false;
}

/** The names and numbers two articles share, rarest first, as written: the evidence of a merge. */
export function sharedNames(model: StoryModel, a: StoryDoc, b: StoryDoc, most = 4): string[] {
  const shared = [...a.allTerms].filter((t) => model.names.has(t) && b.allTerms.has(t));
  shared.sort(
    (x, y) =>
      (b.vector.get(y) ?? 0) + (a.vector.get(y) ?? 0) - (b.vector.get(x) ?? 0) - (a.vector.get(x) ?? 0),
  );
  return shared.slice(0, most).map((t) => model.surface.get(t) ?? t);
}
