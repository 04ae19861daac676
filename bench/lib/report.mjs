// Figures: one JSON line each on stdout, and the markdown table with ratios and targets.
import { median, round } from './util.mjs';

export const SERVERS = ['larder', 'verdaccio', 'nginx'];
const TITLES = { larder: 'larder', verdaccio: 'Verdaccio 6.8', nginx: 'nginx-static' };

/** Collects runs per (figure, server), prints each figure once it is complete. */
export class Figures {
  constructor() {
    this.data = new Map(); // figure -> server -> { runs, extra }
  }

  add(figure, server, value, extra) {
    if (!this.data.has(figure)) this.data.set(figure, new Map());
    const byServer = this.data.get(figure);
    if (!byServer.has(server)) byServer.set(server, { runs: [], extra: {} });
    const entry = byServer.get(server);
    entry.runs.push(value);
    if (extra) Object.assign(entry.extra, extra);
  }

  note(figure, server, extra) {
    if (!this.data.has(figure)) this.data.set(figure, new Map());
    const byServer = this.data.get(figure);
    if (!byServer.has(server)) byServer.set(server, { runs: [], extra: {} });
    Object.assign(byServer.get(server).extra, extra);
  }

  median(figure, server) {
    const entry = this.data.get(figure)?.get(server);
    return entry ? median(entry.runs) : null;
  }

  runs(figure, server) {
    return this.data.get(figure)?.get(server)?.runs ?? [];
  }

  extra(figure, server) {
    return this.data.get(figure)?.get(server)?.extra ?? {};
  }

  /** One JSON object per (figure, server), in insertion order. */
  lines() {
    const out = [];
    for (const [figure, byServer] of this.data) {
      for (const server of SERVERS) {
        const entry = byServer.get(server);
        if (!entry) continue;
        const digits = figure.endsWith('_rps') || figure.endsWith('_ms') ? 1 : 2;
        out.push({ figure, server, runs: entry.runs.map((v) => round(v, digits)), median: round(median(entry.runs), digits), ...entry.extra });
      }
    }
    return out;
  }
}

/** Rows of the table: figure, how to show it, and the issue's target (on larder) if any. */
const ROWS = [
  { figure: 'cold_install_ms', label: 'cold install (empty store), s', unit: 's', target: { text: '≤ 0.85× Verdaccio', ratio: 'verdaccio', max: 0.85 } },
  { figure: 'warm_install_ms', label: 'warm install, s', unit: 's', target: { text: '≤ 1.03× nginx', ratio: 'nginx', max: 1.03 } },
  { figure: 'blackhole_install_ms', label: 'warm install, upstream black-holed, TTL expired, s', unit: 's', target: { text: '≤ 1.1× own warm install', self: 'warm_install_ms', max: 1.1 } },
  { figure: 'uncached_first_error_ms', label: 'never-cached package during outage, first request, ms', unit: 'ms', target: { text: '< 1 s, clear error', abs: 1000, error: true } },
  { figure: 'uncached_error_ms', label: 'never-cached package during outage, after the install, ms', unit: 'ms', target: { text: '< 1 s, clear error', abs: 1000, error: true } },
  { figure: 'tarball_rps', label: 'cached tarball, requests/s', unit: 'rps', target: { text: '≥ 0.3× nginx', ratio: 'nginx', min: 0.3 } },
  { figure: 'tarball_p50_ms', label: 'cached tarball, p50 latency, ms', unit: 'ms' },
  { figure: 'tarball_p99_ms', label: 'cached tarball, p99 latency, ms', unit: 'ms' },
  { figure: 'packument_rps', label: 'cached abbreviated packument, requests/s', unit: 'rps', target: { text: '≥ 0.1× nginx', ratio: 'nginx', min: 0.1 } },
  { figure: 'packument_p50_ms', label: 'cached abbreviated packument, p50 latency, ms', unit: 'ms' },
  { figure: 'packument_p99_ms', label: 'cached abbreviated packument, p99 latency, ms', unit: 'ms' },
  { figure: 'peak_rss_mb', label: 'peak RSS (cold + warm installs + load), MB', unit: 'mb', target: { text: '≤ 100 MB', abs: 100 } },
  { figure: 'peak_rss_cold_mb', label: 'peak RSS during a cold install, MB', unit: 'mb', target: { text: '≤ 100 MB', abs: 100 } },
  { figure: 'stream_rss_mb', label: 'RSS while streaming 50 × 50 MB, MB', unit: 'mb', target: { text: '≤ 100 MB', abs: 100 } },
  { figure: 'stream_rss_growth_mb', label: 'RSS growth while streaming 50 × 50 MB, MB', unit: 'mb', target: { text: 'flat (≤ 20 MB)', abs: 20 } },
  { figure: 'stream_ms', label: 'time to stream 50 × 50 MB, s', unit: 's' },
  { figure: 'ready_ms', label: 'start to first response, empty store, ms', unit: 'ms', target: { text: '≤ 300 ms', abs: 300 } },
  { figure: 'ready_populated_ms', label: 'start to first response, populated store, ms', unit: 'ms', target: { text: '≤ 300 ms', abs: 300 } },
];

function show(value, unit) {
  if (value === null || value === undefined) return 'n/a';
  if (unit === 's') return (value / 1000).toFixed(2);
  if (unit === 'rps') return value >= 100 ? String(Math.round(value)) : value.toFixed(1);
  if (unit === 'ms') return value >= 100 ? String(Math.round(value)) : value.toFixed(1);
  return value.toFixed(1);
}

function ratio(a, b) {
  if (a === null || b === null || a === undefined || b === undefined || b === 0) return null;
  return a / b;
}

const fmtRatio = (r) => (r === null ? '–' : `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`);

function verdict(row, figures) {
  const t = row.target;
  if (!t) return { text: '', pass: null };
  const mine = figures.median(row.figure, 'larder');
  if (mine === null) return { text: t.text, pass: null };
  let value;
  if (t.ratio) value = ratio(mine, figures.median(row.figure, t.ratio));
  else if (t.self) value = ratio(mine, figures.median(t.self, 'larder'));
  else value = mine;
  if (value === null) return { text: t.text, pass: null };
  let pass = t.max !== undefined ? value <= t.max : t.min !== undefined ? value >= t.min : t.error ? value < t.abs : value <= t.abs;
  if (t.error) {
    // A clear error: every run answered with a 4xx/5xx (not a hang, not a 200), within the time.
    const statuses = figures.extra(row.figure, 'larder').statuses ?? [];
    pass = pass && statuses.length > 0 && statuses.every((s) => typeof s === 'number' && s >= 400);
  }
  const shown = t.ratio || t.self ? ` (${fmtRatio(value)})` : '';
  return { text: t.text + shown, pass };
}

/** The markdown report. `context` holds the prose facts (machine, workload, settings). */
export function markdown(figures, context) {
  const out = [];
  out.push(`# larder benchmark — ${context.date}`);
  out.push('');
  out.push(`Produced by \`bench/run.sh${context.args ? ` ${context.args}` : ''}\` in ${context.wallTime} (wall time of the driver${context.setupTime ? `; setup before it: ${context.setupTime}` : ''}). See \`bench/README.md\` for what each figure means.`);
  out.push('');
  out.push('| figure | larder | Verdaccio 6.8 | nginx-static | larder/nginx | larder/Verdaccio | target (issue 6) | |');
  out.push('| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |');
  for (const row of ROWS) {
    if (!figures.data.has(row.figure)) continue;
    const v = Object.fromEntries(SERVERS.map((s) => [s, figures.median(row.figure, s)]));
    const { text, pass } = verdict(row, figures);
    const mark = pass === null ? (row.target ? 'not measured' : '') : pass ? 'pass' : '**FAIL**';
    out.push(`| ${row.label} | ${show(v.larder, row.unit)} | ${show(v.verdaccio, row.unit)} | ${show(v.nginx, row.unit)} | ${fmtRatio(ratio(v.larder, v.nginx))} | ${fmtRatio(ratio(v.larder, v.verdaccio))} | ${text} | ${mark} |`);
  }
  out.push('');
  out.push('Medians; the runs behind each are in the JSON lines below. Time and latency: lower is better; requests/s: higher is better. n/a: does not apply (nginx has no upstream) or was not measured.');
  if (figures.data.has('blackhole_install_ms')) {
    const v = figures.median('blackhole_install_ms', 'verdaccio');
    const w = figures.median('warm_install_ms', 'verdaccio');
    if (v !== null && w !== null) out.push(`Verdaccio's black-holed install is ${fmtRatio(v / w)} its own warm install (issue: about 2.5×).`);
  }
  out.push('');
  for (const section of context.sections ?? []) {
    out.push(`## ${section.title}`);
    out.push('');
    out.push(...section.lines);
    out.push('');
  }
  out.push('## Figures as JSON lines');
  out.push('');
  out.push('```jsonl');
  for (const line of figures.lines()) out.push(JSON.stringify(line));
  out.push('```');
  out.push('');
  return out.join('\n');
}
