/** One measurement as results.json and the table show it. */
export interface Result {
  name: string;
  /** What was measured, in a few words. */
  what: string;
  runs: number;
  /** Median wall time, ms (whole process for commands, see docs/bench.md). */
  wallMs?: number;
  wallMsEach?: number[];
  /** Highest peak RSS over the runs, bytes. */
  peakRss?: number;
  /** Median CPU time (user + system), ms: less sensitive than wall time to other load on the machine. */
  cpuMs?: number;
  throughput?: number;
  throughputUnit?: string;
  /** A plain value (e.g. a count) for measurements that are not timings. */
  value?: number;
  detail?: string;
}

/** A target of the bench (docs/bench.md): met when value is within limit. */
export interface Target {
  name: string;
  limit: number;
  value: number;
  met: boolean;
}

/** Print the results, the ratios and the targets as aligned plain-text tables on stdout. */
export function printTable(
  results: Result[],
  ratios: Record<string, number | undefined>,
  targets: Target[],
  info: { n: number; rssMethod: string },
): void {
  const rows = results.map((r) => [
    r.name,
    r.wallMs === undefined ? '' : `${(r.wallMs / 1000).toFixed(2)} s`,
    r.cpuMs === undefined ? '' : `${(r.cpuMs / 1000).toFixed(2)} s`,
    r.throughput === undefined
      ? r.value === undefined
        ? ''
        : String(r.value)
      : `${fmt(r.throughput)} ${r.throughputUnit}`,
    r.peakRss === undefined ? '' : `${(r.peakRss / 2 ** 20).toFixed(0)} MB`,
    String(r.runs),
    r.detail ? `${r.what}; ${r.detail}` : r.what,
  ]);
  const lines = [
    `news-digest benchmark, N = ${info.n} article files`,
    '',
    ...table(
      ['measurement', 'wall (median)', 'cpu (median)', 'throughput', 'peak RSS', 'runs', 'what'],
      rows,
    ),
    '',
    ...table(
      ['ratio', 'value'],
      Object.entries(ratios)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, (v as number).toFixed(2)]),
    ),
    '',
    ...table(
      ['target', 'value', 'met'],
      targets.map((t) => [t.name, fmt(t.value), t.met ? 'yes' : 'NO']),
    ),
    '',
    `Peak RSS and CPU: ${info.rssMethod}.`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)];
}

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}
