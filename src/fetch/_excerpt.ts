/** Longest excerpt written, in characters. Default 300 (two or three sentences of a news summary). */
export const EXCERPT_MAX = 300;

// Words whose full stop is not a sentence end; ICU's segmenter breaks after "Dr." otherwise.
const ABBREVIATIONS = new Set(
  'mr mrs ms dr prof st sr jr gen gov sen rep sgt capt lt col mt no vs fig inc ltd co corp dept est approx e.g i.e etc jan feb mar apr jun jul aug sep sept oct nov dec'.split(
    ' ',
  ),
);

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

/** The sentences of a plain text, with abbreviation breaks ("Dr. Smith") joined back. */
export function sentences(text: string): string[] {
  const out: string[] = [];
  for (const { segment } of segmenter.segment(text)) {
    const last = out.length - 1;
    const previous = out[last];
    const word = previous?.trim().split(/\s+/).pop()?.replace(/\.$/, '').toLowerCase();
    if (previous !== undefined && word !== undefined && ABBREVIATIONS.has(word))
      out[last] = previous + segment;
    else out.push(segment);
  }
  return out;
}

/**
 * An excerpt of at most `max` characters that ends at a sentence end: whole sentences while they
 * fit, and a trailing fragment without an end mark ("Read more", "[…]") dropped when a whole
 * sentence comes before it. A first sentence longer than `max` is cut at a word and ends in "…".
 */
export function cutExcerpt(text: string, max = EXCERPT_MAX): string {
  let fits = '';
  let complete = '';
  for (const sentence of sentences(text.trim())) {
    if ((fits + sentence).trim().length > max) break;
    fits += sentence;
    if (SENTENCE_END.test(sentence)) complete = fits;
  }
  if (complete.trim() !== '') return complete.trim();
  if (fits.trim() !== '') return fits.trim();
  const cut = text.trim().slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.–—-]+$/, '')}…`;
}

/** A sentence that ends with an end mark, maybe inside a closing quote or bracket; a trailing "…" is a cut, not an end. */
const SENTENCE_END = /[.!?。]["'”’»)\]]?\s*$/;
