import type { Random } from './_random.js';
import { type Beat, HEADLINE_FORMS, PEOPLE, PLACES, QUOTES, SENTENCES, WEEKDAYS } from './_words.js';

/** The parts of one invented story, reused for its headline, excerpt and same-story copies. */
export interface StoryText {
  title: string;
  /** `subject verb object tail`, the first sentence of the excerpt. */
  lede: string;
}

/** An invented headline and lede for a story on `beat`. */
export function inventStory(rng: Random, beat: Beat): StoryText {
  const subject = rng.pick(beat.subjects);
  const clause = `${subject} ${rng.pick(beat.actions)}`;
  const tail = rng.pick(beat.tails);
  const lede = `${clause} ${tail}.`;
  const form = rng.pick(HEADLINE_FORMS);
  if (form === 'plain') return { title: clause, lede };
  if (form === 'quote') return { title: `“${rng.pick(QUOTES)}”: ${lowerArticle(clause)}`, lede };
  if (form === 'why') return { title: `Why ${lowerArticle(clause)}`, lede };
  return { title: `${clause} ${tail}`, lede };
}

/** An excerpt: the lede and up to two follow-up sentences, sometimes cut off mid-way with `...`. */
export function inventExcerpt(rng: Random, story: StoryText): string {
  const sentences = [story.lede, ...rng.sample(SENTENCES, rng.int(0, 2)).map((s) => fill(rng, s))];
  const text = sentences.join(' ');
  if (!rng.chance(0.15) || text.length < 120) return text;
  return `${text.slice(0, text.lastIndexOf(' ', 110))} ...`;
}

/**
 * Another outlet's headline for the same story: identical, or different only in case,
 * quote marks and dashes, so a normalised comparison sees the same words.
 */
export function retitle(rng: Random, title: string): string {
  const way = rng.int(0, 2);
  if (way === 0) return title;
  if (way === 1)
    return title.replace(/(^|\s)(\p{Ll})/gu, (_m, space: string, c: string) => space + c.toUpperCase());
  return title.replace(/[“”]/g, '"').replace(/’/g, "'").replace(/—/g, '-');
}

/** `Harbour bridge: Zoë’s plan` -> `harbour-bridge-zoes-plan`, at most 80 characters. */
export function slugify(title: string): string {
  const ascii = title
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[’'"“”]/g, '')
    .replace(/[øØ]/g, 'o')
    .replace(/[łŁ]/g, 'l')
    .replace(/ß/g, 'ss')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (ascii.length <= 80) return ascii || 'article';
  const cut = ascii.slice(0, 80);
  return cut.slice(0, cut.lastIndexOf('-')) || cut;
}

function fill(rng: Random, template: string): string {
  return template.replace(/\{(\w+)\}/g, (_m, slot: string) => {
    if (slot === 'person') return rng.pick(PEOPLE);
    if (slot === 'place') return rng.pick(PLACES);
    if (slot === 'quote') return rng.pick(QUOTES);
    if (slot === 'weekday') return rng.pick(WEEKDAYS);
    if (slot === 'number') return thousands(rng.int(120, 48_000));
    if (slot === 'money') return `€${rng.int(2, 900)} million`;
    if (slot === 'year') return String(rng.int(1968, 2019));
    return slot;
  });
}

/** 48000 -> `48,000`, without depending on the runtime's locale data. */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}

/** `The city council` -> `the city council` after `Why` or a colon; names keep their capitals. */
function lowerArticle(clause: string): string {
  return /^(The|A|An) /.test(clause) ? clause[0]?.toLowerCase() + clause.slice(1) : clause;
}
