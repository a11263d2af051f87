// The results table (markdown, so the same text goes to the terminal and to bench/README.md) and the targets.
// `node dist/bench/report.js bench/results/<file>.json [--svg OUT]` prints the table (and draws the chart) of a past run.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentResult, IdleResult } from './agent-bench.js';
import type { Baseline } from './baselines.js';
import { benchChart } from './chart.js';
import type { FilesResult, IdleFilesResult } from './files-bench.js';
import type { ProfileBreakdown } from './profile-summary.js';
import { agentTable, breakdownTable, f1, f2, filesTable, idleFilesRow, int, lineSizeTable, ok, sinkCpuLine } from './report-sections.js';
import type { LatencyResult } from './latency-bench.js';
import { roundsRatio, type SinkBench } from './sink-bench.js';

export interface Results {
  startedAt: string;
  finishedAt?: string;
  host: { cores: number; cpu: string; memGb: number; node: string; loadAtStart: number[]; loadAtEnd?: number[] };
  settings: {
    full: boolean;
    agentMb: number;
    variantMb: number;
    sinkEvents: number;
    latencyRate: number;
    latencySeconds: number;
    broker: string;
    es: string;
    agentSets: string[];
    filesLines?: number;
    newFiles?: number;
  };
  agent: AgentResult[];
  /** The agent on one file with each agent.compression (absent in runs before it existed). */
  compression?: AgentResult[];
  baselines: Baseline[];
  /** 10 and 100 files at once, and many new small files. */
  files?: Array<FilesResult & { kind: string }>;
  breakdown?: ProfileBreakdown & { cpuUsPerLine: number; file: string };
  idleFiles?: IdleFilesResult;
  sink?: SinkBench;
  latency?: LatencyResult;
  idle?: IdleResult;
  profile?: { file: string; summary: string };
  /** Load average (1 min) around each measurement: the machine is shared. */
  load: Record<string, [number, number]>;
  targets: Target[];
  errors: Record<string, string>;
}

export interface Target {
  what: string;
  value: number | undefined;
  unit: string;
  op: '>=' | '<=';
  target: number;
  met: boolean | undefined;
}

export function computeTargets(r: Results): Target[] {
  const t: Target[] = [];
  const add = (what: string, value: number | undefined, unit: string, op: '>=' | '<=', target: number) =>
    t.push({
      what,
      value,
      unit,
      op,
      target,
      met: value === undefined || !Number.isFinite(value) ? undefined : op === '>=' ? value >= target : value <= target,
    });
  const a260s = r.agent.filter((a) => a.lineBytes === 260);
  const a260 = a260s[0];
  const rs = r.baselines.find((b) => b.name.startsWith('rsyslog'));
  const java = r.baselines.find((b) => b.name.startsWith('java'));
  const rsOk = rs && ok(rs) ? rs : undefined;
  // The issue's targets: CPU per line against rsyslog's, the first contender (kafkajs) at 1x, another producer at
  // 0.5x. The parser-off contender has none of its own: it prices the plain-line parser against the first.
  const parserOff = a260s.find((a) => a.contender?.includes('parser off'));
  a260s
    .filter((a) => a !== parserOff)
    .forEach((a, i) =>
      add(
        `${a.contender ?? 'agent'}: CPU s per M 260 B lines / rsyslog's`,
        rsOk?.cpuSPerMLines ? a.cpuSPerMLines / rsOk.cpuSPerMLines : undefined,
        'x',
        '<=',
        i === 0 ? 1.0 : 0.5,
      ),
    );
  // Our own bound for "the cost must be small": the parser (time and level of each line) at most +15 % CPU per line.
  add(
    'parser auto / parser off, CPU s per M 260 B lines',
    a260 && parserOff && a260 !== parserOff ? a260.cpuSPerMLines / parserOff.cpuSPerMLines : undefined,
    'x',
    '<=',
    1.15,
  );
  add('agent / rsyslog, lines/s', a260 && rsOk ? a260.linesPerS / rsOk.linesPerS : undefined, 'x', '>=', 1.0);
  t.push({
    what: '(info) agent / Java producer, records/s',
    value: a260 && java && ok(java) ? a260.linesPerS / java.linesPerS : undefined,
    unit: 'x',
    op: '>=',
    target: 0.5,
    met: undefined,
  });
  add('agent RSS under load (peak, 260-byte run)', a260?.peakRssMb, 'MB', '<=', 100);
  add('agent RSS idle', r.idle?.rssMb, 'MB', '<=', 55);
  add('agent RSS, 200 idle files', r.idleFiles?.rssMb, 'MB', '<=', 70);
  add('agent CPU, 200 idle files (% of a core)', r.idleFiles?.corePct, '%', '<=', 0.2);
  add('sink RSS under load (peak)', r.sink?.sink.peakRssMb, 'MB', '<=', 150);
  add(
    'sink / raw _bulk replay, docs/s (per-round ratios, geometric mean)',
    r.sink ? roundsRatio(r.sink.rounds) : undefined,
    'x',
    '>=',
    0.9,
  );
  add('write -> searchable p99 at 2,000 lines/s (refresh 1s)', r.latency ? r.latency.p99Ms / 1000 : undefined, 's', '<=', 1.5);
  return t;
}

export function formatResults(r: Results): string {
  const s = r.settings;
  const out: string[] = [];
  const load = (k: string) => (r.load[k] ? `${r.load[k][0].toFixed(1)}→${r.load[k][1].toFixed(1)}` : '');
  out.push(`## logship bench, ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC`);
  out.push('');
  out.push(
    `Sizes: ${s.agentMb} MB of 260-byte lines for the agent and the baselines, ${s.variantMb} MB of each line-size variant (100 B, 1 KiB, 16 KiB)` +
      `${s.full ? ' (--full)' : ' (default; --full: 1 GB and 250 MB)'}; sink ${int(s.sinkEvents)} events; end to end ${int(s.latencyRate)} lines/s for ${s.latencySeconds} s.`,
  );
  out.push(
    `Machine: ${r.host.cores} cores (${r.host.cpu}), ${r.host.memGb} GB, Node ${r.host.node}; load average at start ${r.host.loadAtStart.map((x) => x.toFixed(1)).join(' ')}` +
      `${r.host.loadAtEnd ? `, at end ${r.host.loadAtEnd.map((x) => x.toFixed(1)).join(' ')}` : ''}. Kafka ${s.broker}, Elasticsearch ${s.es} (single nodes on the same machine).`,
  );
  if (s.agentSets.length) out.push(`Agent overrides: ${s.agentSets.map((x) => `--set ${x}`).join(' ')}`);
  out.push('');
  if (r.agent.length || r.baselines.length) {
    out.push(`### 1. Agent: file -> Kafka (acks -1, checkpoints on, 260-byte lines; contenders in bench/contenders.ts)`);
    out.push('');
    out.push(...agentTable(r.agent, r.baselines, load));
    out.push('');
    if (r.agent.some((a) => a.lineBytes !== 260)) {
      out.push(`Line sizes (${r.agent[0]?.contender ?? 'logship agent'}):`);
      out.push('');
      out.push(...lineSizeTable(r.agent, load));
      out.push('');
    }
  }
  if (r.breakdown) {
    out.push('### 1c. Agent: CPU µs per line, by whose code');
    out.push('');
    out.push(...breakdownTable(r.breakdown));
    out.push('');
  }
  if (r.files?.length) {
    out.push('### 1d. Agent: many files');
    out.push('');
    out.push(...filesTable(r.files, load));
    out.push('');
  }
  if (r.compression?.length) {
    const none = r.compression.find((a) => a.compression === 'none');
    out.push(
      `### 1b. Agent: Kafka compression (${r.compression[0].lines.toLocaleString('en-US')} lines of 260 B, the codecs back to back)`,
    );
    out.push('');
    out.push('| agent.compression | lines/s | CPU s / M lines | peak RSS MB | stored on the broker MB | stored vs none | load 1m |');
    out.push('|---|---|---|---|---|---|---|');
    for (const a of r.compression) {
      const mb = a.topicBytes === undefined ? undefined : a.topicBytes / 1048576;
      const vs = a.topicBytes !== undefined && none?.topicBytes ? `${f2(a.topicBytes / none.topicBytes)}x` : 'n/a';
      out.push(
        `| ${a.compression} | ${int(a.linesPerS)} | ${f1(a.cpuSPerMLines)} | ${int(a.peakRssMb)} | ${f1(mb)} | ${vs} | ${load(`compression-${a.compression}`)} |`,
      );
    }
    out.push('');
  }
  if (r.sink) {
    const k = r.sink;
    const perRound = k.rounds.sink.map((x, i) => x / k.rounds.raw[i]);
    out.push(`### 2. Sink: Kafka -> Elasticsearch (${k.rounds.sink.length} rounds, raw-sink then sink-raw; best round of each shown)`);
    out.push('');
    out.push(
      `All rounds, docs/s: raw ${k.rounds.raw.map(int).join(', ')}; sink ${k.rounds.sink.map(int).join(', ')}. Per-round sink/raw: ${perRound.map((x) => `${f2(x)}x`).join(', ')}.`,
    );
    out.push('');
    out.push('| contender | docs | docs/s | seconds | docs / bulk | bulk concurrency | CPU s | peak RSS MB | load 1m |');
    out.push('|---|---|---|---|---|---|---|---|---|');
    out.push(
      `| logship sink | ${int(k.sink.events)} | ${int(k.sink.docsPerS)} | ${f1(k.sink.seconds)} | ${int(k.sink.docsPerBulk)} | 2 | ${f1(k.sink.cpuS)} | ${int(k.sink.peakRssMb)} | ${load('sink')} |`,
    );
    out.push(
      `| raw _bulk replay | ${int(k.raw.events)} | ${int(k.raw.docsPerS)} | ${f1(k.raw.seconds)} | ${int(k.raw.docsPerBulk)} | ${k.raw.concurrency} | | | ${load('raw-bulk')} |`,
    );
    out.push(
      `| ratio sink / raw | | ${f2(roundsRatio(k.rounds))}x (geometric mean of the rounds' ratios; best/best ${f2(k.sink.docsPerS / k.raw.docsPerS)}x) | | | | | | |`,
    );
    out.push('');
    if (k.sinkCpuPerKDocs !== undefined) {
      out.push(sinkCpuLine(k));
      out.push('');
    }
  }
  if (r.latency) {
    const l = r.latency;
    out.push('### 3. End to end: write -> searchable (refresh_interval 1s, polled every 100 ms)');
    out.push('');
    out.push('| rate | lines | p50 | p90 | p99 | max | missing | load 1m |');
    out.push('|---|---|---|---|---|---|---|---|');
    const ms = (x: number) => `${int(x)} ms`;
    out.push(
      `| ${int(l.achievedRate)} lines/s | ${int(l.lines)} | ${ms(l.p50Ms)} | ${ms(l.p90Ms)} | ${ms(l.p99Ms)} | ${ms(l.maxMs)} | ${l.missing} | ${load('latency')} |`,
    );
    out.push('');
    out.push('Where the time goes (p50 / p99):');
    out.push('');
    out.push(
      '| write -> read by the agent | write -> acked by Kafka (≈) | write -> indexed, bulk answered (≈) | read -> searchable | search poll interval | agent produce requests | sink bulk requests |',
    );
    out.push('|---|---|---|---|---|---|---|');
    out.push(
      `| ${ms(l.writeToReadP50Ms)} / ${ms(l.writeToReadP99Ms)} | ${ms(l.writeToAckedP50Ms)} / ${ms(l.writeToAckedP99Ms)} | ${ms(l.writeToIndexedP50Ms)} / ${ms(l.writeToIndexedP99Ms)} | ${ms(l.readToSearchableP50Ms)} / ${ms(l.readToSearchableP99Ms)} | ${ms(l.pollIntervalMs)} | ${int(l.agentProduceAvgLines)} lines, ${ms(l.agentProduceAvgMs)} avg | ${int(l.sinkBulkAvgDocs)} docs, ${ms(l.sinkBulkAvgMs)} avg |`,
    );
    out.push('');
  }
  const a260 = r.agent.find((a) => a.lineBytes === 260);
  if (r.idle || a260 || r.sink) {
    out.push('### 4. Memory (resident set)');
    out.push('');
    out.push('| process | state | RSS MB |');
    out.push('|---|---|---|');
    if (r.idle)
      out.push(`| agent | idle, ${r.idle.afterSeconds} s after start, nothing to read | ${f1(r.idle.rssMb)} (peak ${f1(r.idle.hwmMb)}) |`);
    if (a260) out.push(`| agent | under load (260 B run, peak VmHWM) | ${int(a260.peakRssMb)} |`);
    if (r.latency) out.push(`| agent | ${int(r.latency.rate)} lines/s (e2e run, peak) | ${int(r.latency.agentRssMb)} |`);
    if (r.idleFiles) out.push(idleFilesRow(r.idleFiles));
    if (r.sink) out.push(`| sink | under load (sink run, peak VmHWM) | ${int(r.sink.sink.peakRssMb)} |`);
    if (r.latency) out.push(`| sink | ${int(r.latency.rate)} lines/s (e2e run, peak) | ${int(r.latency.sinkRssMb)} |`);
    out.push('');
  }
  out.push('### Targets');
  out.push('');
  out.push('| target | measured | result |');
  out.push('|---|---|---|');
  for (const t of r.targets) {
    const v =
      t.value === undefined
        ? 'n/a'
        : t.unit === 'x'
          ? `${f2(t.value)}x`
          : t.unit === 's'
            ? `${f2(t.value)} s`
            : t.unit === 'MB'
              ? `${f1(t.value)} MB`
              : t.unit === '%'
                ? `${f2(t.value)} %`
                : `${int(t.value)} ${t.unit}`;
    const tv =
      t.unit === 'x' ? `${t.target}x` : t.unit === 's' ? `${t.target} s` : t.unit === '%' ? `${t.target} %` : `${int(t.target)} ${t.unit}`;
    const info = t.what.startsWith('(info)');
    out.push(
      `| ${t.what}${info ? '' : ` ${t.op} ${tv}`} | ${v} | ${info ? 'no target' : t.met === undefined ? 'not measured' : t.met ? 'met' : 'MISSED'} |`,
    );
  }
  for (const [k, e] of Object.entries(r.errors)) out.push(`\n${k} failed: ${e}`);
  return out.join('\n');
}

/** The main comparison (260-byte lines: lines/s, CPU per line, peak RSS per contender) as SVG, or nothing. */
export function chartOf(r: Results): string | undefined {
  const rows = [
    ...r.agent.filter((a) => a.lineBytes === 260).map((a) => ({ name: a.contender ?? 'logship agent', ...a, ours: true })),
    ...r.baselines.filter(ok).map((b) => ({ ...b, ours: false })),
  ];
  if (rows.length === 0) return undefined;
  const l = r.host.loadAtStart.map((x) => x.toFixed(1)).join(' ');
  return benchChart(
    rows.map(({ name, linesPerS, cpuSPerMLines, peakRssMb, ours }) => ({ name, linesPerS, cpuSPerMLines, peakRssMb, ours })),
    `${r.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${r.host.cores} cores, Node ${r.host.node}, load ${l} at start`,
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node dist/bench/report.js bench/results/FILE.json [--svg OUT.svg]\n');
    process.exit(2);
  }
  const r = JSON.parse(fs.readFileSync(file, 'utf8')) as Results;
  r.targets = computeTargets(r);
  process.stdout.write(formatResults(r) + '\n');
  // `--svg OUT`: the run's chart again (e.g. into docs/img/bench.svg).
  const svgAt = process.argv.indexOf('--svg');
  const svg = chartOf(r);
  if (svgAt > 0 && process.argv[svgAt + 1] && svg) fs.writeFileSync(process.argv[svgAt + 1], svg);
}
