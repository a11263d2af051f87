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

export type Section = 'agent' | 'baselines' | 'breakdown' | 'files' | 'compression' | 'sink' | 'latency' | 'memory' | 'search';
export const ALL_SECTIONS: Section[] = ['agent', 'baselines', 'breakdown', 'files', 'compression', 'sink', 'latency', 'memory', 'search'];

export interface BenchOptions {
  full: boolean;
  /** MB of 260-byte lines for the agent run and the baselines. */
  agentMb: number;
  /** MB of each line-size variant (100 B, 1 KiB, 16 KiB), of the profiled breakdown run and of each codec run. */
  variantMb: number;
  /** Lines in all of the 10 and the 100 files read at once (split evenly). */
  filesLines: number;
  /** New small files (10 lines each) created while the agent runs. */
  newFiles: number;
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

const HELP = `Usage: npm run bench -- [options]

Measures, in one run on one Kafka + Elasticsearch (its own instance), every figure beside its baseline, prints the
tables (markdown), writes bench/results/<start>.json and the chart bench/results/<start>.svg.

Sections (--only a,b,c; all by default, in this order):
  agent        the agent contenders (bench/contenders.ts) on 260-byte lines, then the line-size sweep
               (100 B, 1 KiB, 16 KiB) with the default contender
  baselines    the same 260-byte file through Kafka's Java ProducerPerformance and rsyslog imfile+omkafka
  breakdown    the agent under --cpu-prof: CPU µs per line in our code, the Kafka client, GC, the runtime
  files        10 and 100 files read at once (lines/s, fairness = slowest/fastest file), then N new small files
               created while the agent runs (time until every line is acknowledged)
  compression  agent.compression none, gzip, lz4, zstd back to back: CPU per line and bytes the broker stores
  sink         logship sink vs a raw _bulk replay (2 rounds, ABBA), docs/s, CPU per 1,000 docs, Elasticsearch's CPU
  latency      write -> searchable at a fixed rate (refresh_interval 1s)
  memory       idle agent; agent watching 200 idle files for 30 s (RSS, share of a core, descriptors)
  search       logship search over BENCH_SEARCH_DOCS (1,000,000) documents: text query, count-by, histogram (p50/p95)

Options:
  --full              1 GB of 260-byte lines, 250 MB variants, 1,000,000 sink events, 1,000,000 lines in files
  --only LIST         sections to run (see above)
  --profile           also profile the full 260-byte run and print the top functions and files
  --keep-stack        leave the bench stack running even when this run started it
  --agent-mb N        MB of 260-byte lines for the agent contenders and baselines (default 200; env BENCH_AGENT_MB)
  --variant-mb N      MB of each line-size variant, breakdown and codec run (default 50; env BENCH_VARIANT_MB)
  --sink-events N     events pre-filled for the sink (default 200,000; env BENCH_SINK_EVENTS)
  --files-lines N     lines across the 10 / 100 files read at once (default 200,000; env BENCH_FILES_LINES)
  --new-files N       new small files created while the agent runs (default 10,000; env BENCH_NEW_FILES)
  --rate N            end-to-end lines/s (default 2,000; env BENCH_RATE)
  --seconds N         end-to-end duration (default 20; env BENCH_SECONDS)
  --agent-set K=V     an agent setting for every agent run (repeatable), e.g. agent.batch.max_events=500
  --help              this text

Default run: about 15-25 minutes on 2 shared cores. BENCH_WORK_DIR (default $TMPDIR/logship-bench) holds the
generated files (reused). BENCH_SEARCH_DOCS, BENCH_SEARCH_RUNS (20) size the search section. LOGSHIP_STACK_DIR / LOGSHIP_KAFKA_PORT / LOGSHIP_KAFKA_CONTROLLER_PORT / LOGSHIP_ES_PORT
choose the stack instance (default: its own, ${STACK_DEFAULTS.LOGSHIP_STACK_DIR} on 29092/29093/29200).
A contender is one line in bench/contenders.ts.
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
    filesLines: Math.round(num(one('files-lines') ?? env.BENCH_FILES_LINES, full ? 1_000_000 : 200_000)),
    newFiles: Math.round(num(one('new-files') ?? env.BENCH_NEW_FILES, 10_000)),
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
