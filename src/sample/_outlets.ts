/** A made-up news outlet. Domains use the reserved `.example` top-level domain. */
export interface Outlet {
  name: string;
  domain: string;
  /** Prefix `www.` to article URLs (the provider domain stays without it). */
  www: boolean;
  /** How article paths look: by date, by id, or `.html` under the section. */
  urlStyle: 'dated' | 'id' | 'html';
  /** `/amp/` suffix, `?outputType=amp`, or no AMP pages. */
  amp: 'path' | 'query' | 'none';
  /** The outlet's UTC offset in minutes, used when a file writes its time with an offset. */
  offset: number;
  /** Base quality score; undefined: this outlet's files carry no quality/heat (like a wire feed). */
  quality?: number;
  /** The front matter names the provider but omits its domain. */
  omitDomain?: boolean;
  logo: boolean;
}

export const OUTLETS: readonly Outlet[] = [
  {
    name: 'The Harbor Ledger',
    domain: 'harborledger.example',
    www: true,
    urlStyle: 'dated',
    amp: 'path',
    offset: -300,
    quality: 120,
    logo: true,
  },
  {
    name: 'Northwind Daily',
    domain: 'northwind-daily.example',
    www: false,
    urlStyle: 'id',
    amp: 'query',
    offset: -360,
    quality: 95,
    logo: true,
  },
  {
    name: 'Courier Boréal',
    domain: 'courier-boreal.example',
    www: true,
    urlStyle: 'html',
    amp: 'none',
    offset: -300,
    quality: 110,
    logo: true,
  },
  {
    name: 'Tagesblatt Süd',
    domain: 'tagesblatt-sued.example',
    www: true,
    urlStyle: 'html',
    amp: 'none',
    offset: 60,
    quality: 85,
    logo: false,
  },
  {
    name: 'Pacific Wire',
    domain: 'pacificwire.example',
    www: false,
    urlStyle: 'id',
    amp: 'none',
    offset: -480,
    logo: false,
  },
  {
    name: 'Østby Post',
    domain: 'oestbypost.example',
    www: false,
    urlStyle: 'dated',
    amp: 'path',
    offset: 60,
    quality: 70,
    logo: true,
  },
  {
    name: 'The Lantern Review',
    domain: 'lanternreview.example',
    www: true,
    urlStyle: 'dated',
    amp: 'none',
    offset: 0,
    quality: 140,
    omitDomain: true,
    logo: false,
  },
  {
    name: 'Meridian Business',
    domain: 'meridian-business.example',
    www: true,
    urlStyle: 'id',
    amp: 'query',
    offset: 0,
    quality: 130,
    logo: true,
  },
  {
    name: '새벽신문',
    domain: 'saebyeok.example',
    www: false,
    urlStyle: 'id',
    amp: 'none',
    offset: 540,
    quality: 60,
    logo: false,
  },
  {
    name: 'Kestrel Science Desk',
    domain: 'kestrel-science.example',
    www: false,
    urlStyle: 'dated',
    amp: 'path',
    offset: 330,
    quality: 150,
    logo: true,
  },
];

/** Image sizes seen in news feeds: [width, height]. */
export const IMAGE_SIZES: readonly (readonly [number, number])[] = [
  [1200, 675],
  [1024, 576],
  [980, 551],
  [800, 533],
  [640, 480],
  [1600, 900],
  [600, 600],
  [846, 571],
];
