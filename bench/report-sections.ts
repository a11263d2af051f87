// Tables of the newer sections (contenders, line sizes, many files, the CPU breakdown, idle files, the sink's CPU),
// kept apart from report.ts so each file has one job: this one turns measured values into markdown rows.
import type { AgentResult } from './agent-bench.js';
import type { Baseline, BaselineResult } from './baselines.js';
import type { FilesResult, IdleFilesResult } from './files-bench.js';
import type { ProfileBreakdown } from './profile-summary.js';
import type { SinkBench } from './sink-bench.js';

export const int = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? 'n/a' : Math.round(n).toLocaleString('en-US'));
export const f1 = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(1));
export const f2 = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(2));

export function ok(b: Baseline): b is BaselineResult {
  return !('unavailable' in b);
}

export type Load = (key: string) => string;

/** Main table: every contender on the 260-byte file, each ratio against rsyslog measured in the same run. */
export function agentTable(agent: AgentResult[], baselines: Baseline[], load: Load): string[] {
  const out: string[] = [];
  const rs = baselines.find((b) => b.name.startsWith('rsyslog'));
  const ref = rs && ok(rs) ? rs : undefined;
  const vs = (x: number | undefined, y: number | undefined) => (x && y ? `${f2(x / y)}x` : 'n/a');
  out.push('| contender | lines/s | vs rsyslog | MB/s | CPU s / M lines | vs rsyslog | peak RSS MB | record B/line | load 1m |');
  out.push('|---|---|---|---|---|---|---|---|---|');
  for (const a of agent.filter((x) => x.lineBytes === 260)) {
    const name = a.contender ?? 'logship agent';
    out.push(
      `| ${name} | ${int(a.linesPerS)} | ${vs(a.linesPerS, ref?.linesPerS)} | ${f1(a.mbPerS)} | ${f1(a.cpuSPerMLines)} | ${vs(a.cpuSPerMLines, ref?.cpuSPerMLines)} | ${int(a.peakRssMb)} | ${int(a.recordBytes)} | ${load(`agent-260-${name}`)} |`,
    );
  }
  for (const b of baselines) {
    if (!ok(b)) out.push(`| ${b.name} | n/a: ${b.unavailable.replace(/\|/g, '/').slice(0, 160)} | | | | | | | |`);
    else
      out.push(
        `| ${b.name} | ${int(b.linesPerS)} | ${vs(b.linesPerS, ref?.linesPerS)} | ${f1(b.mbPerS)} | ${f1(b.cpuSPerMLines)} | ${vs(b.cpuSPerMLines, ref?.cpuSPerMLines)} | ${int(b.peakRssMb)} | ${b.recordBytes ? int(b.recordBytes) : '~line+100'} | ${load(b.name)} |`,
      );
  }
  return out;
}

export function lineSizeTable(agent: AgentResult[], load: Load): string[] {
  const rows = [...agent]
    .filter((a, i, xs) => xs.findIndex((b) => b.lineBytes === a.lineBytes) === i)
    .sort((a, b) => a.lineBytes - b.lineBytes);
  const out = [
    '| line | lines | lines/s | MB/s | CPU s / M lines | CPU µs / KiB | peak RSS MB | record B/line | load 1m |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const a of rows) {
    const key = a.lineBytes === 260 ? `agent-260-${a.contender ?? ''}` : `agent-${a.lineBytes}`;
    out.push(
      `| ${a.lineBytes} B | ${int(a.lines)} | ${int(a.linesPerS)} | ${f1(a.mbPerS)} | ${f1(a.cpuSPerMLines)} | ${f2((a.cpuS / (a.lines * a.lineBytes)) * 1024 * 1e6)} | ${int(a.peakRssMb)} | ${int(a.recordBytes)} | ${load(key)} |`,
    );
  }
  return out;
}

export function filesTable(files: Array<FilesResult & { kind: string }>, load: Load): string[] {
  const out = [
    '| files | how | lines | seconds | lines/s | fairness (slowest / fastest file) | slowest, fastest file lines/s | CPU s / M lines | peak RSS MB | load 1m |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const f of files) {
    const key = f.kind === 'at once' ? `files-${f.files}` : 'files-new';
    out.push(
      `| ${int(f.files)} | ${f.kind} | ${int(f.lines)} | ${f1(f.seconds)} | ${int(f.linesPerS)} | ${f.fairness === undefined ? '' : f2(f.fairness)} | ${f.minFileLinesPerS === undefined ? '' : `${int(f.minFileLinesPerS)}, ${int(f.maxFileLinesPerS)}`} | ${f1(f.cpuSPerMLines)} | ${int(f.peakRssMb)} | ${load(key)} |`,
    );
  }
  return out;
}

export function breakdownTable(b: ProfileBreakdown & { cpuUsPerLine: number }): string[] {
  const total = b.ours + b.client + b.gc + b.runtime + b.other;
  const pct = (x: number) => `${Math.round((x / Math.max(1e-9, total)) * 100)} %`;
  return [
    `Main thread, sampled under --cpu-prof (${int(b.lines)} lines of 260 B; the profiled run spent ${f1(b.cpuUsPerLine)} µs of CPU per line in all threads, profiler included).`,
    '',
    '| our code | Kafka client | garbage collection | Node runtime / native | other packages | sampled total |',
    '|---|---|---|---|---|---|',
    `| ${f2(b.ours)} µs (${pct(b.ours)}) | ${f2(b.client)} µs (${pct(b.client)}) | ${f2(b.gc)} µs (${pct(b.gc)}) | ${f2(b.runtime)} µs (${pct(b.runtime)}) | ${f2(b.other)} µs (${pct(b.other)}) | ${f2(total)} µs |`,
  ];
}

export function idleFilesRow(f: IdleFilesResult): string {
  return (
    `| agent | watching ${f.files} idle files, ${f.windowS} s window at rest (${f.settleS} s after the first) | ${f1(f.rssMb)} ` +
    `(${f2(f.corePct)} % of a core at rest, ${f2(f.firstCorePct)} % right after the reads; ${f.fds} descriptors) |`
  );
}

export function sinkCpuLine(k: SinkBench): string {
  const e = k.esCpuPerKDocs;
  return (
    `CPU per 1,000 documents: logship sink ${f2(k.sinkCpuPerKDocs)} s; Elasticsearch while the sink indexed ${f2(e?.sink)} s, ` +
    `while the raw replay indexed ${f2(e?.raw)} s (the sink costs ${e?.sink ? f2(k.sinkCpuPerKDocs / e.sink) : 'n/a'}x Elasticsearch's own CPU).`
  );
}
