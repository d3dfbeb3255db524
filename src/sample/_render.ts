import type { Outlet } from './_outlets.js';

/** One sample article before it becomes text. */
export interface Draft {
  title: string;
  excerpt: string;
  /** The front matter value of publishedDateTime, exactly as written (quotes included). */
  dateText: string;
  outlet: Outlet;
  webUrl: string;
  ampWebUrl?: string;
  quality?: number;
  heat?: number;
  published: boolean;
  topics: string[];
  images: DraftImage[];
  related: DraftRelated[];
  secured: string;
}

export interface DraftImage {
  url: string;
  width: number;
  height: number;
}

export interface DraftRelated {
  title: string;
  excerpt: string;
  dateText: string;
  webUrl: string;
  ampWebUrl?: string;
  outlet: Outlet;
  quality?: number;
  image?: DraftImage;
}

/** Front matter laid out like the real feed files: quoted strings, blank lines between blocks. */
export function renderDraft(d: Draft): string {
  const lines = [
    '---',
    'category: news',
    `title: ${q(d.title)}`,
    `excerpt: ${q(d.excerpt)}`,
    `publishedDateTime: ${d.dateText}`,
    `originalUrl: ${q(d.webUrl)}`,
    `webUrl: ${q(d.webUrl)}`,
  ];
  if (d.ampWebUrl) lines.push(`ampWebUrl: ${q(d.ampWebUrl)}`);
  lines.push('type: article');
  if (d.quality !== undefined) lines.push(`quality: ${d.quality}`);
  if (d.heat !== undefined) lines.push(`heat: ${d.heat}`);
  lines.push(`published: ${d.published}`, '', 'provider:', ...providerLines(d.outlet, '  '), '', 'topics:');
  for (const topic of d.topics) lines.push(`  - ${q(topic)}`);
  if (d.images.length > 0) {
    lines.push('', 'images:');
    for (const image of d.images) lines.push(...imageLines(image, '  '), '    isCached: true');
  }
  if (d.related.length > 0) {
    lines.push('', 'related:');
    for (const r of d.related) lines.push(...relatedLines(r));
  }
  lines.push('', `secured: ${q(d.secured)}`, '---', '', '');
  return lines.join('\n');
}

function relatedLines(r: DraftRelated): string[] {
  const lines = [
    `  - title: ${q(r.title)}`,
    `    excerpt: ${q(r.excerpt)}`,
    `    publishedDateTime: ${r.dateText}`,
    `    webUrl: ${q(r.webUrl)}`,
  ];
  if (r.ampWebUrl) lines.push(`    ampWebUrl: ${q(r.ampWebUrl)}`);
  lines.push('    type: article', '    provider:', ...providerLines(r.outlet, '      ', false));
  if (r.quality !== undefined) lines.push(`    quality: ${r.quality}`);
  if (r.image) lines.push('    images:', ...imageLines(r.image, '      '));
  return lines;
}

function providerLines(outlet: Outlet, indent: string, withLogo = true): string[] {
  const lines = [`${indent}name: ${q(outlet.name)}`];
  if (!outlet.omitDomain) lines.push(`${indent}domain: ${outlet.domain}`);
  if (withLogo && outlet.logo) {
    lines.push(
      `${indent}images:`,
      ...imageLines(
        { url: `https://images.example.com/logos/${outlet.domain}-50x50.png`, width: 50, height: 50 },
        `${indent}  `,
      ),
    );
  }
  return lines;
}

function imageLines(image: DraftImage, indent: string): string[] {
  return [
    `${indent}- url: ${q(image.url)}`,
    `${indent}  width: ${image.width}`,
    `${indent}  height: ${image.height}`,
  ];
}

/** A YAML double-quoted scalar: JSON string syntax is valid YAML and escapes what needs it. */
function q(text: string): string {
  return JSON.stringify(text);
}
