/**
 * Word lists for invented headlines and excerpts. Every subject is singular so any subject
 * reads with any action; the people, places and companies are made up.
 */
export interface Beat {
  section: string;
  topics: readonly string[];
  /** Extra topics, one of which may be added. */
  extraTopics: readonly string[];
  subjects: readonly string[];
  /** Verb phrases that read well after any of the subjects. */
  actions: readonly string[];
  tails: readonly string[];
}

export const BEATS: readonly Beat[] = [
  {
    section: 'city',
    topics: ['City', 'Transport'],
    extraTopics: ['Housing', 'Cycling', 'Local Politics'],
    subjects: [
      'The city council',
      'The regional transit authority',
      'Mayor Inês Calloway',
      'The ferry operator',
      'The harbourside residents’ association',
      'Kraków’s tram company',
      'The planning office in Malmö',
    ],
    actions: [
      'approves a night tram service',
      'delays the riverside bike lane',
      'unveils a congestion charge',
      'scraps plans for a second harbour tunnel',
      'backs free bus travel for students',
      'pauses the ring-road upgrade',
      'orders a fleet of electric ferries',
      'votes for a car-free old town',
      'rethinks parking fees near the station',
      'fast-tracks 2,000 new homes by the docks',
    ],
    tails: [
      'after months of debate',
      'amid a budget squeeze',
      'as fares rise again',
      'despite protests from shop owners',
      'ahead of the winter timetable',
      'in a late-night vote',
    ],
  },
  {
    section: 'science',
    topics: ['Climate', 'Science'],
    extraTopics: ['Oceans', 'Agriculture', 'Weather'],
    subjects: [
      'A research team in Tromsø',
      'The coastal towns’ alliance',
      'The national weather service',
      'The environment ministry',
      'A glacier survey led by Dr. Amara Okonkwo-Lindqvist',
      'The river delta farmers’ cooperative',
    ],
    actions: [
      'warns of record autumn rainfall',
      'maps faster glacier retreat',
      'proposes a new flood barrier',
      'tests drought-resistant barley',
      'records rising sea temperatures',
      'calls for a carbon price on shipping',
      'confirms the warmest November in a century',
      'measures a sharp drop in river levels',
    ],
    tails: [
      'in a new study',
      'as storms batter the coast',
      'after a decade of data',
      'ahead of the climate summit',
      'with help from satellites',
    ],
  },
  {
    section: 'science',
    topics: ['Space', 'Science'],
    extraTopics: ['Astronomy', 'Launches'],
    subjects: [
      'The European launch consortium',
      'A private lunar lander',
      'The Orbital Debris Office',
      'An amateur astronomer in São Paulo',
      'The rover Tortoise-2',
      'Mission control',
    ],
    actions: [
      'delays its first crewed flight',
      'photographs a rare double eclipse',
      'confirms ice near the lunar south pole',
      'tests a reusable upper stage',
      'spots a comet visible to the naked eye',
      'completes a satellite refuelling demonstration',
      'postpones a launch by a week',
    ],
    tails: [
      'after a fuel leak',
      'ahead of schedule',
      'on the third attempt',
      'as the weather clears',
      'following a software fix',
    ],
  },
  {
    section: 'business',
    topics: ['Markets', 'Business'],
    extraTopics: ['Trade', 'Jobs', 'Energy'],
    subjects: [
      'The central bank',
      'Norvale Shipping',
      'The grain exchange',
      'The stock market',
      'Casa Lumen',
      'Veltrix Semiconductors',
      'The bond market',
    ],
    actions: [
      'holds interest rates',
      'reports record quarterly profit',
      'braces for a weaker holiday season',
      'warns of higher fuel costs',
      'shrugs off a slowdown in exports',
      'announces job cuts at two plants',
      'forecasts a rebound in consumer spending',
      'raises its dividend',
    ],
    tails: [
      'as inflation cools',
      'amid tariff worries',
      'for a third month',
      'beating forecasts',
      'despite a strong currency',
    ],
  },
  {
    section: 'health',
    topics: ['Health'],
    extraTopics: ['Hospitals', 'Medicine', 'Public Health'],
    subjects: [
      'The health ministry',
      'A children’s hospital in Porto',
      'The nurses’ union',
      'The drug regulator',
      'A large Danish study',
      'The rural clinics network',
    ],
    actions: [
      'approves a nasal flu vaccine',
      'links late-night screen use to poor sleep',
      'expands walk-in clinics',
      'trials a new treatment for migraines',
      'funds free dental checks for teenagers',
      'extends winter opening hours',
      'warns about a shortage of antibiotics',
    ],
    tails: [
      'ahead of flu season',
      'after a long wait',
      'in a pilot scheme',
      'as waiting lists grow',
      'following a review',
    ],
  },
  {
    section: 'technology',
    topics: ['Technology', 'AI'],
    extraTopics: ['Robotics', 'Privacy', 'Telecoms'],
    subjects: [
      'A robotics start-up in Zürich',
      'The data-protection authority',
      'An open-source project',
      'A university lab in Lyon',
      'Brightwave Telecom',
      'The national grid operator',
    ],
    actions: [
      'launches a warehouse robot that learns by watching',
      'releases a speech model for regional dialects',
      'pilots satellite broadband for mountain villages',
      'demonstrates a chip that runs on body heat',
      'delays its smart-meter rollout',
      'open-sources a translation tool for sign language',
      'fines a ticketing app over leaked data',
    ],
    tails: [
      'to mixed reviews',
      'after a security review',
      'in three cities',
      'under new EU rules',
      'on a modest budget',
    ],
  },
  {
    section: 'sport',
    topics: ['Sport', 'Football'],
    extraTopics: ['Transfers', 'Women’s Football'],
    subjects: [
      'FC Rivermouth',
      'The national women’s team',
      'Zoë Haverkamp’s squad',
      'Mateus Albuquerque',
      'The league',
      'Portvale Athletic',
    ],
    actions: [
      'clinches promotion',
      'misses out on the title',
      'completes a record transfer',
      'reaches the cup semi-final',
      'signs a new stadium deal',
      'appeals a three-match ban',
      'stretches the unbeaten run to twelve games',
    ],
    tails: [
      'in stoppage time',
      'after penalties',
      'in front of 40,000 fans',
      'despite injuries',
      'on a rainy night',
    ],
  },
  {
    section: 'culture',
    topics: ['Culture', 'Arts'],
    extraTopics: ['Books', 'Film', 'Music'],
    subjects: [
      'The city museum',
      'A debut novelist from Kraków',
      'The film festival',
      'An orchestra in Reykjavík',
      'The national library',
      'A street artist known as Quillon',
    ],
    actions: [
      'reopens its maritime gallery',
      'wins a national arts prize',
      'restores a lost silent film',
      'digitises a collection of medieval maps',
      'premieres a symphony written in exile',
      'hosts a night of open rehearsals',
      'returns a stolen painting to Porto',
    ],
    tails: [
      'after a two-year refit',
      'to a standing ovation',
      'with free entry on Sundays',
      'as crowds return',
      'for a new generation',
    ],
  },
];

export const PEOPLE: readonly string[] = [
  'Inês Calloway',
  'Amara Okonkwo-Lindqvist',
  'Jonas Weißmüller',
  'Zoë Haverkamp',
  'Siobhán Ferriter',
  'Kenji Aramaki',
  'Łucja Nowicka',
  'René Dufresne',
  'Priya Raghunathan',
  'Tomás Ó Briain',
  'Hallgerður Sveinsdóttir',
];

export const PLACES: readonly string[] = [
  'Harbourside',
  'Malmö',
  'Kraków',
  'São Paulo',
  'Zürich',
  'Porto',
  'Tromsø',
  'Reykjavík',
  'Lyon',
  'Northgate',
  'the river delta',
];

export const QUOTES: readonly string[] = [
  'We are not done yet',
  'This is a good day for the whole region',
  'It should never have come to this',
  'Nobody saw this coming',
  'The numbers speak for themselves',
  'We listened, and we changed the plan',
];

export const WEEKDAYS: readonly string[] = [
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
  'Sunday',
];

/** Follow-up sentences; `{person}`, `{place}`, `{quote}`, `{weekday}`, `{number}`, `{money}`, `{year}` are filled in. */
export const SENTENCES: readonly string[] = [
  'The decision affects about {number} people in {place}.',
  '“{quote},” said {person}, who has followed the issue for years.',
  'Critics say the plan arrived too late and costs too much.',
  'A final decision is expected before the end of the month.',
  'Reaction in {place} was mixed — some welcomed the move, others called it rushed.',
  'It is the first change of its kind since {year}.',
  'Figures published on {weekday} put the cost at {money}.',
  '{person} told reporters that details would follow “within weeks”.',
  'The full report runs to more than {number} pages.',
  'Similar schemes in {place} were dropped after a year.',
];

/** Short openers used before a headline, e.g. `“We are not done yet”: ...`. */
export const HEADLINE_FORMS = ['plain', 'tail', 'tail', 'quote', 'why'] as const;
