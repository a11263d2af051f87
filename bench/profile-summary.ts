// Summarises a V8 .cpuprofile (from `node --cpu-prof`): top functions by self time, and self time by file or
// package. Usage: node dist/bench/profile-summary.js FILE.cpuprofile [top=25]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileRow {
  name: string;
  where: string;
  selfMs: number;
  pct: number;
}
export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  functions: ProfileRow[];
  files: ProfileRow[];
}

function shortUrl(url: string): string {
  if (!url) return '(native)';
  const u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = u.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}/${rest.slice(2).join('/')}` : rest.join('/');
  }
  const d = u.indexOf('/dist/');
  return d >= 0 ? u.slice(d + 6) : u.startsWith('node:') ? u : path.basename(u);
}

export function summariseProfile(file: string, top = 25): ProfileSummary {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const fn = new Map<string, ProfileRow>();
  const files = new Map<string, ProfileRow>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const ms = us / 1000;
    total += ms;
    const name = n.callFrame.functionName || '(anonymous)';
    if (name === '(idle)' || name === '(program)') idle += name === '(idle)' ? ms : 0;
    const where = `${shortUrl(n.callFrame.url)}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
    const k = `${name} ${where}`;
    const r = fn.get(k) ?? { name, where, selfMs: 0, pct: 0 };
    r.selfMs += ms;
    fn.set(k, r);
    const fk = n.callFrame.url ? shortUrl(n.callFrame.url).replace(/^(kafkajs|pino|prom-client|chokidar)\/.*$/, '$1/*') : name;
    const fr = files.get(fk) ?? { name: fk, where: '', selfMs: 0, pct: 0 };
    fr.selfMs += ms;
    files.set(fk, fr);
  }
  const busy = total - idle;
  const rank = (m: Map<string, ProfileRow>) =>
    [...m.values()]
      .filter((r) => r.name !== '(idle)')
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top)
      .map((r) => ({ ...r, selfMs: Math.round(r.selfMs), pct: Math.round((r.selfMs / busy) * 1000) / 10 }));
  return { totalMs: Math.round(total), idleMs: Math.round(idle), functions: rank(fn), files: rank(files) };
}

/** Main-thread self time by whose code ran it, in µs per line (worker threads, e.g. fs reads, are not sampled). */
export interface ProfileBreakdown {
  lines: number;
  ours: number;
  client: number;
  gc: number;
  /** Node's own JavaScript (node:*), native code and V8 outside GC. */
  runtime: number;
  other: number;
}

const CLIENTS = /node_modules\/(kafkajs|@platformatic\/kafka|@platformatic|lz4-napi|@bokuweb\/zstd-wasm|snappy)/;

export function profileBreakdown(file: string, lines: number): ProfileBreakdown {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const sum = { ours: 0, client: 0, gc: 0, runtime: 0, other: 0 };
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i]);
    const us = p.timeDeltas[i] ?? 0;
    if (!n || n.callFrame.functionName === '(idle)') continue;
    const url = n.callFrame.url;
    if (n.callFrame.functionName === '(garbage collector)') sum.gc += us;
    else if (CLIENTS.test(url)) sum.client += us;
    else if (url.includes('/dist/') && !url.includes('node_modules')) sum.ours += us;
    else if (!url || url.startsWith('node:')) sum.runtime += us;
    else sum.other += us;
  }
  const per = (us: number) => us / Math.max(1, lines);
  return { lines, ours: per(sum.ours), client: per(sum.client), gc: per(sum.gc), runtime: per(sum.runtime), other: per(sum.other) };
}

export function formatProfile(s: ProfileSummary): string {
  const lines = [
    `busy ${s.totalMs - s.idleMs} ms of ${s.totalMs} ms sampled (idle ${s.idleMs} ms); % of busy time`,
    '',
    'top self time, by function:',
  ];
  for (const r of s.functions) lines.push(`  ${r.pct.toFixed(1).padStart(5)}%  ${String(r.selfMs).padStart(6)} ms  ${r.name}  ${r.where}`);
  lines.push('', 'self time by file / package:');
  for (const r of s.files) lines.push(`  ${r.pct.toFixed(1).padStart(5)}%  ${String(r.selfMs).padStart(6)} ms  ${r.name}`);
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node dist/bench/profile-summary.js FILE.cpuprofile [top]\n');
    process.exit(2);
  }
  process.stdout.write(formatProfile(summariseProfile(file, Number(process.argv[3] ?? 25))) + '\n');
}
