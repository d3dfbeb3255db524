/**
 * The words a same-story comparison looks at. Two outlets reporting one event reword it ("gets
 * into" vs "enters", "$100M" vs "$100 million") but keep its particulars: the people, products,
 * places and numbers. So a text becomes a bag of stemmed content words and normalised numbers,
 * and each word remembers how it was written, so that names can be told from ordinary words.
 */
import { stemmer } from 'stemmer';
import { eng } from 'stopword';

/** One occurrence of a term in a text. */
export interface Token {
  /** The comparison form: a stemmed lower-case word, or a normalised number such as `100m`. */
  term: string;
  /** As written, for evidence in the report ("Bloomberg", "$100M"). */
  surface: string;
  /** A number, an amount or a percentage. */
  numeric: boolean;
  /**
   * How the writing speaks to the word being a name: `cap` (capitalised where a sentence does not
   * ask for it), `lower` (written lower-case), `initial` (capitalised at a sentence start: a hint
   * only), or `none` (a title in Title Case, or a number).
   */
  caseHint: 'cap' | 'lower' | 'initial' | 'none';
}

const STOPWORDS = new Set<string>([
  ...eng,
  // Words of headline grammar and news filler that carry no story of their own.
  'says',
  'said',
  'say',
  'will',
  'would',
  'could',
  'new',
  'news',
  'report',
  'reports',
  'update',
  'updates',
  'live',
  'via',
  'amid',
  'just',
  'also',
  'like',
  'get',
  'gets',
  'one',
  'two',
  'first',
  'last',
  'year',
  'week',
  'day',
  'today',
  'sunday',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
]);

const MAGNITUDE: Record<string, string> = {
  k: 'k',
  thousand: 'k',
  m: 'm',
  mn: 'm',
  mln: 'm',
  million: 'm',
  millions: 'm',
  b: 'b',
  bn: 'b',
  billion: 'b',
  billions: 'b',
  t: 't',
  tn: 't',
  trillion: 't',
};

// A number with an optional currency sign, thousands separators, decimals and magnitude or
// percent; or a word (letters first, digits may follow: "PS5", "M1", "iOS14").
const TOKEN =
  /([$€£¥]?)(\d[\d,]*(?:\.\d+)?)(?:\s?(%|percent\b|k\b|thousand\b|mn\b|mln\b|m\b|millions?\b|bn\b|b\b|billions?\b|tn\b|t\b|trillion\b))?|(\p{L}[\p{L}\p{N}]*(?:[-'’]\p{L}+)*)/gu;

/** True when most words of 4+ letters start upper-case: a title in Title Case says nothing about names. */
function isTitleCase(text: string): boolean {
  const words = text.match(/\p{L}{4,}/gu) ?? [];
  if (words.length < 3) return false;
  const capital = words.filter((w) => w[0] !== w[0]?.toLowerCase()).length;
  return capital / words.length >= 0.6;
}

/** The terms of one text (a title or an excerpt), in order. Numbers keep their magnitude: `$100M` = `$100 million`. */
export function tokenize(text: string): Token[] {
  const source = text.normalize('NFKC');
  const titleCase = isTitleCase(source);
  // A text in capitals throughout says nothing about names.
  const shouting = !/\p{Ll}/u.test(source);
  const tokens: Token[] = [];
  let last = 0;
  for (const m of source.matchAll(TOKEN)) {
    // A word opens a sentence (and its capital says nothing) at the start or after . ! ? : | or a dash.
    const sentenceStart =
      last === 0 || /[.!?:;|\u2014\u2013]["\u201c\u201d\u2018\u2019'\s]*$/.test(source.slice(last, m.index));
    last = (m.index ?? 0) + m[0].length;
    const [surface, , digits, unit, word] = m;
    if (digits !== undefined) {
      const plain = digits.replace(/,/g, '').replace(/\.0+$/, '');
      const u = unit?.toLowerCase();
      const suffix = u === undefined ? '' : u === '%' || u === 'percent' ? '%' : (MAGNITUDE[u] ?? '');
      tokens.push({ term: plain + suffix, surface: surface.trim(), numeric: true, caseHint: 'none' });
      continue;
    }
    if (word === undefined) continue;
    const lower = word
      .toLowerCase()
      .replace(/[’']s$/, '')
      .replace(/[’']/g, '');
    if (lower.length < 2 || STOPWORDS.has(lower)) continue;
    // "Bloomberg", "iOS", "eBay": an upper-case letter anywhere marks a name; one after the first
    // letter ("iPhone", "TensorIoT", "AWS") does so even at a sentence start or in Title Case.
    const capital = /\p{Lu}/u.test(word);
    const inner = !shouting && /.\p{Lu}/u.test(word);
    const caseHint = inner
      ? 'cap'
      : titleCase
        ? 'none'
        : !capital
          ? 'lower'
          : sentenceStart
            ? 'initial'
            : 'cap';
    const term = lower.includes('-') ? lower.split('-').map(stem).join('-') : stem(lower);
    tokens.push({ term, surface: word.replace(/[’']s$/, ''), numeric: false, caseHint });
  }
  return tokens;
}

function stem(word: string): string {
  // Stemming a name or a code ("PS5", "Jones") helps nothing and can join unrelated ones.
  return /\d/.test(word) ? word : stemmer(word);
}
