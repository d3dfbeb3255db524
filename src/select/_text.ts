/**
 * Text normalisation for same-story detection: titles and excerpts from different outlets differ
 * in quotes, dashes, case and Unicode forms, none of which changes the story.
 */

/** Lower-case NFKC text with apostrophes and quotes removed and other punctuation turned into spaces. */
export function normalizeText(text: string): string {
  return (
    text
      .normalize('NFKC')
      .toLowerCase()
      // Apostrophes and quotes join their word ("Biden's" -> "bidens"), curly ones included.
      .replace(
        /['"`\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u2032\u2033\u00ab\u00bb\u2039\u203a]/g,
        '',
      )
      .replace(/[^\p{L}\p{N}]+/gu, ' ')
      .trim()
  );
}

/** The set of words of a title, for token-overlap comparison. */
export function titleTokens(title: string): string[] {
  const text = normalizeText(title);
  return text === '' ? [] : [...new Set(text.split(' '))];
}

/** Shortest normalised excerpt that may identify a story; shorter ones ("Watch the video") are too common. */
export const MIN_EXCERPT_CHARS = 40;

/** The comparison key of an excerpt, or undefined when it is too short to mean anything. */
export function excerptKey(excerpt: string): string | undefined {
  const text = normalizeText(excerpt);
  return text.length >= MIN_EXCERPT_CHARS ? text : undefined;
}

/** Fewest title words for a fuzzy title match: two-word titles ("Live updates") match too much. */
export const MIN_TITLE_TOKENS = 3;
