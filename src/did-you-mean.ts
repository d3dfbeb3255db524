import { closestMatch } from 'leven';

/**
 * The candidate closest to `input` (Levenshtein distance, ignoring case), when it is close enough
 * to be a typo: 1 edit for up to 3 characters, else 2 or a third of the length, and not `input` itself.
 */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  const lower = candidates.map((c) => c.toLowerCase());
  const maxDistance = input.length <= 3 ? 1 : Math.max(2, Math.floor(input.length / 3));
  const match = closestMatch(input.toLowerCase(), lower, { maxDistance });
  const found = match === undefined ? undefined : candidates[lower.indexOf(match)];
  return found === input ? undefined : found;
}

/** ` (did you mean "x"?)` for a message, or an empty string when nothing is close. */
export function didYouMean(input: string, candidates: readonly string[], quote = '"'): string {
  const found = closest(input, candidates);
  return found === undefined ? '' : ` (did you mean ${quote}${found}${quote}?)`;
}

/** ` (did you mean "America/New_York"?)` for a time zone name that is not one; empty when nothing is close. */
export function timeZoneSuggestion(name: string): string {
  return didYouMean(name, ['UTC', ...Intl.supportedValuesOf('timeZone')]);
}
