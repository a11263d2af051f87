// Bench settings: the stack instance (our own by default, so a benchmark never shares a broker with a test run),
// sizes from flags and environment, and paths. The only place in bench/ that reads process.env or argv.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = path.join(ROOT, 'bin/logship.js');

/** The bench's own stack instance, unless the caller chose one. Set before anything spawns stack.sh. */
const STACK_DEFAULTS: Record<string, string> = {
  LOGSHIP_STACK_DIR: os.userInfo().uid === 0 ? '/var/tmp/logship-stack-bench' : path.join(os.homedir(), '.cache/logship-stack-bench'),
  LOGSHIP_KAFKA_PORT: '29092',
  LOGSHIP_KAFKA_CONTROLLER_PORT: '29093',
  LOGSHIP_ES_PORT: '29200',
};
for (const [k, v] of Object.entries(STACK_DEFAULTS)) if (!process.env[k]) process.env[k] = v;

export const STACK_DIR = process.env.LOGSHIP_STACK_DIR!;
export const BROKER = `127.0.0.1:${process.env.LOGSHIP_KAFKA_PORT}`;
export const ES = `http://127.0.0.1:${process.env.LOGSHIP_ES_PORT}`;
export const KAFKA_LIBS = path.join(STACK_DIR, 'cache', `kafka-${process.env.LOGSHIP_KAFKA_VERSION ?? '4.1.1'}`, 'libs');

export type Section = 'agent' | 'baselines' | 'compression' | 'sink' | 'latency' | 'memory' | 'search';
export const ALL_SECTIONS: Section[] = ['agent', 'baselines', 'compression', 'sink', 'latency', 'memory', 'search'];

export interface BenchOptions {
  full: boolean;
  /** MB of 260-byte lines for the agent run and the baselines. */
  agentMb: number;
  /** MB of each of the 100-byte and 1 KiB variants. */
  variantMb: number;
  sinkEvents: number;
  latencyRate: number;
  latencySeconds: number;
  sections: Section[];
  /** Also run the 260-byte agent case under --cpu-prof and summarise the profile. */
  profile: boolean;
  /** Leave the stack running even when this run started it. */
  keepStack: boolean;
  workDir: string;
  resultsDir: string;
  /** Extra `--set key=value` for the agent runs (to try settings without editing code). */
  agentSets: string[];
  /** Documents loaded for the terminal search benchmark, and runs of each query. */
  searchDocs: number;
  searchRuns: number;
}

const HELP = `Usage: npm run bench -- [--full] [--only agent,baselines,compression,sink,latency,memory,search] [--profile] [--keep-stack]
       [--agent-mb N] [--variant-mb N] [--sink-events N] [--rate N] [--seconds N] [--agent-set key=value]...

Defaults (about 10-15 minutes on 2 cores): 200 MB of 260-byte lines, 50 MB of each 100 B / 1 KiB variant,
200,000 sink events, 2,000 lines/s for 20 s. --full: 1 GB of 260-byte lines and 250 MB variants.
Environment: BENCH_AGENT_MB, BENCH_VARIANT_MB, BENCH_SINK_EVENTS, BENCH_RATE, BENCH_SECONDS, BENCH_WORK_DIR,
BENCH_SEARCH_DOCS (1,000,000), BENCH_SEARCH_RUNS (20);
LOGSHIP_STACK_DIR / LOGSHIP_KAFKA_PORT / LOGSHIP_KAFKA_CONTROLLER_PORT / LOGSHIP_ES_PORT choose the stack instance
(default: its own, ${STACK_DEFAULTS.LOGSHIP_STACK_DIR} on 29092/29093/29200).
`;

function num(v: string | undefined, def: number): number {
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`not a positive number: ${v}`);
  return n;
}

export function parseOptions(argv: string[]): BenchOptions | undefined {
  const flags = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}\n${HELP}`);
    const [k, inline] = a.slice(2).split(/=(.*)/s, 2);
    const boolean = ['full', 'profile', 'keep-stack', 'help'].includes(k);
    const v = boolean ? 'true' : (inline ?? argv[++i]);
    if (v === undefined) throw new Error(`--${k} needs a value`);
    flags.set(k, [...(flags.get(k) ?? []), v]);
  }
  if (flags.has('help')) {
    process.stdout.write(HELP);
    return undefined;
  }
  const one = (k: string) => flags.get(k)?.at(-1);
  const env = process.env;
  const full = flags.has('full');
  const sections = (one('only') ?? ALL_SECTIONS.join(',')).split(',').map((s) => s.trim()) as Section[];
  for (const s of sections) if (!ALL_SECTIONS.includes(s)) throw new Error(`unknown section ${s} (one of ${ALL_SECTIONS.join(', ')})`);
  const workDir = env.BENCH_WORK_DIR || path.join(os.tmpdir(), 'logship-bench');
  return {
    full,
    agentMb: num(one('agent-mb') ?? env.BENCH_AGENT_MB, full ? 1024 : 200),
    variantMb: num(one('variant-mb') ?? env.BENCH_VARIANT_MB, full ? 250 : 50),
    sinkEvents: Math.round(num(one('sink-events') ?? env.BENCH_SINK_EVENTS, full ? 1_000_000 : 200_000)),
    latencyRate: num(one('rate') ?? env.BENCH_RATE, 2000),
    latencySeconds: num(one('seconds') ?? env.BENCH_SECONDS, 20),
    sections,
    profile: flags.has('profile'),
    keepStack: flags.has('keep-stack'),
    workDir,
    resultsDir: path.join(ROOT, 'bench/results'),
    agentSets: flags.get('agent-set') ?? [],
    searchDocs: Math.round(num(env.BENCH_SEARCH_DOCS, 1_000_000)),
    searchRuns: Math.round(num(env.BENCH_SEARCH_RUNS, 20)),
  };
}

/** Environment for logship child processes: config comes from the generated file only, not from LOGSHIP_* keys. */
export function childEnv(): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('LOGSHIP_') && !(k in STACK_DEFAULTS)) continue;
    out[k] = v;
  }
  return out;
}

/** Documents `node dist/bench/ui-bench.js` loads before it measures the explorer's API (BENCH_UI_DOCS). */
export const UI_BENCH_DOCS = Number(process.env.BENCH_UI_DOCS ?? 1_000_000);
