// `npm run bench`: agent, baselines, sink, end to end and memory, in one run on one stack instance (its own by
// default: see lib/env.ts), printing a table and writing bench/results/<date>.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { registerCodecs } from '../kafka/codecs.js';
import { ES, BROKER, STACK_DIR, parseOptions, type BenchOptions } from './lib/env.js';
import { lineFile } from './lib/lines.js';
import { deleteCreatedTopics, stackDown, stackUp } from './lib/services.js';
import { runAgent, runAgentIdle } from './agent-bench.js';
import { AGENT_CONTENDERS, BASELINES } from './contenders.js';
import { filesAtOnce, idleFiles, manyNewFiles } from './files-bench.js';
import { sinkBench } from './sink-bench.js';
import { latencyBench } from './latency-bench.js';
import { formatSearchBench, searchBench, type SearchBench } from './search-bench.js';
import { chartOf, computeTargets, formatResults, type Results } from './report.js';
import { formatProfile, profileBreakdown, summariseProfile } from './profile-summary.js';

const t0 = Date.now();
const slug = (s: string) =>
  s
    .replace(/[^a-z0-9]+/gi, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();
const log = (s: string) => process.stderr.write(`[bench +${Math.round((Date.now() - t0) / 1000)}s] ${s}\n`);

/** A fresh stack directory borrows the download cache of the default instance (same versions), when there is one. */
function seedCache() {
  const cache = path.join(STACK_DIR, 'cache');
  if (fs.existsSync(cache)) return;
  const candidates = [os.userInfo().uid === 0 ? '/var/tmp/logship-stack/cache' : path.join(os.homedir(), '.cache/logship-stack/cache')];
  const from = candidates.find((c) => fs.existsSync(c));
  if (!from) return;
  log(`copying the Kafka/Elasticsearch download cache from ${from}`);
  fs.mkdirSync(STACK_DIR, { recursive: true });
  fs.cpSync(from, cache, { recursive: true });
}

async function measure<T>(r: Results, key: string, fn: () => Promise<T>): Promise<T | undefined> {
  const before = os.loadavg()[0];
  try {
    return await fn();
  } catch (err) {
    r.errors[key] = (err as Error).message.slice(0, 2000);
    log(`${key} failed: ${(err as Error).message.slice(0, 500)}`);
    return undefined;
  } finally {
    r.load[key] = [before, os.loadavg()[0]];
  }
}

async function main(o: BenchOptions): Promise<number> {
  registerCodecs();
  const r: Results = {
    startedAt: new Date().toISOString(),
    host: {
      cores: os.cpus().length,
      cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
      memGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      loadAtStart: os.loadavg(),
    },
    settings: {
      full: o.full,
      agentMb: o.agentMb,
      variantMb: o.variantMb,
      sinkEvents: o.sinkEvents,
      latencyRate: o.latencyRate,
      latencySeconds: o.latencySeconds,
      broker: BROKER,
      es: ES,
      agentSets: o.agentSets,
      filesLines: o.filesLines,
      newFiles: o.newFiles,
    },
    agent: [],
    compression: [],
    files: [],
    baselines: [],
    load: {},
    targets: [],
    errors: {},
  };
  seedCache();
  log(`stack: ${STACK_DIR} (kafka ${BROKER}, elasticsearch ${ES})`);
  const started = stackUp();
  log(started ? 'stack started (will be stopped at the end)' : 'stack already running (left running)');
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: stopping`);
    if (started && !o.keepStack) stackDown();
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const has = (s: string) => o.sections.includes(s as never);
  let search: SearchBench | undefined;
  try {
    const dataDir = path.join(o.workDir, 'data');
    // This run's own scratch space: two runs sharing BENCH_WORK_DIR (another engineer's, say) must not delete each
    // other's config files when one ends. The generated data and the profiles stay shared.
    const wd = path.join(o.workDir, 'runs', `pid-${process.pid}`);
    const main = AGENT_CONTENDERS[0];
    if (has('agent') || has('baselines')) {
      log(`generating ${o.agentMb} MB of 260-byte lines (reused across runs)`);
      const f260 = lineFile(dataDir, 260, o.agentMb);
      if (has('agent')) {
        for (const c of AGENT_CONTENDERS) {
          log(`${c.name}: ${f260.lines.toLocaleString('en-US')} lines of 260 B`);
          const a = await measure(r, `agent-260-${c.name}`, () =>
            runAgent(f260, { workDir: wd, sets: [...o.agentSets, ...c.sets], label: slug(c.name) }),
          );
          if (a) r.agent.push({ ...a, contender: c.name });
        }
      }
      if (has('baselines')) {
        for (const b of BASELINES) {
          log(`baseline: ${b.name}`);
          const x = await measure(r, b.name, () => b.run(f260, wd));
          if (x) r.baselines.push(x);
        }
      }
      if (has('agent')) {
        // The line-size sweep (260 B is the main run above), the default contender.
        for (const size of [100, 1024, 16384]) {
          const f = lineFile(dataDir, size, o.variantMb);
          log(`agent: ${f.lines.toLocaleString('en-US')} lines of ${size} B`);
          const a = await measure(r, `agent-${size}`, () => runAgent(f, { workDir: wd, sets: [...o.agentSets, ...main.sets] }));
          if (a) r.agent.push({ ...a, contender: main.name });
        }
      }
      if (o.profile) {
        log('profile: agent, 260-byte lines, under --cpu-prof');
        const a = await measure(r, 'profile', () =>
          runAgent(f260, {
            workDir: wd,
            sets: [...o.agentSets, ...main.sets],
            profileDir: path.join(o.workDir, 'profiles'),
            label: 'prof',
          }),
        );
        if (a?.profile) r.profile = { file: a.profile, summary: formatProfile(summariseProfile(a.profile, 25)) };
      }
    }
    if (has('breakdown')) {
      // Where an agent's CPU per line goes: a smaller 260-byte file under --cpu-prof (the profiler costs CPU too, so
      // the µs here add up to more than the unprofiled run's CPU per line).
      const f = lineFile(dataDir, 260, o.variantMb);
      log(`breakdown: ${f.lines.toLocaleString('en-US')} lines of 260 B under --cpu-prof`);
      const a = await measure(r, 'breakdown', () =>
        runAgent(f, {
          workDir: wd,
          sets: [...o.agentSets, ...main.sets],
          profileDir: path.join(o.workDir, 'profiles'),
          label: 'breakdown',
        }),
      );
      if (a?.profile) r.breakdown = { ...profileBreakdown(a.profile, a.lines), cpuUsPerLine: a.cpuSPerMLines, file: a.profile };
    }
    if (has('files')) {
      const sets = [...o.agentSets, ...main.sets];
      for (const n of [10, 100]) {
        log(`files: ${n} files of 260-byte lines at once`);
        const x = await measure(r, `files-${n}`, () => filesAtOnce(wd, n, Math.round(o.filesLines / n), sets));
        if (x) r.files!.push({ ...x, kind: 'at once' });
      }
      log(`files: ${o.newFiles.toLocaleString('en-US')} new small files`);
      const x = await measure(r, 'files-new', () => manyNewFiles(wd, o.newFiles, 10, sets));
      if (x) r.files!.push({ ...x, kind: 'new, created while running' });
    }
    if (has('compression')) {
      // One file, the four codecs back to back: CPU per line and bytes stored, compared within one run.
      const f = lineFile(dataDir, 260, o.variantMb);
      for (const codec of ['none', 'gzip', 'lz4', 'zstd']) {
        log(`compression: agent with ${codec}, ${f.lines.toLocaleString('en-US')} lines of 260 B`);
        const a = await measure(r, `compression-${codec}`, () =>
          runAgent(f, { workDir: wd, sets: [...o.agentSets, `agent.compression=${codec}`], label: codec }),
        );
        if (a) r.compression!.push(a);
      }
    }
    if (has('sink')) {
      const s = await measure(r, 'sink', () => sinkBench(wd, o.sinkEvents, log));
      if (s) r.sink = s;
    }
    if (has('latency')) {
      const l = await measure(r, 'latency', () => latencyBench(wd, o.latencyRate, o.latencySeconds, log));
      if (l) r.latency = l;
    }
    if (has('search')) {
      const s = await measure(r, 'search', () => searchBench(o.workDir, o.searchDocs, o.searchRuns, log));
      if (s) search = s;
    }
    if (has('memory')) {
      log('memory: idle agent, 10 s');
      const i = await measure(r, 'idle', () => runAgentIdle(wd, 10));
      if (i) r.idle = i;
      log('memory: agent watching 200 idle files, 30 s');
      const f = await measure(r, 'idle-files', () => idleFiles(wd, 200, 30));
      if (f) r.idleFiles = f;
    }
  } finally {
    await deleteCreatedTopics().catch((err) => log(`could not delete the bench topics: ${(err as Error).message}`));
    fs.rmSync(path.join(o.workDir, 'runs', `pid-${process.pid}`), { recursive: true, force: true });
    if (started && !o.keepStack) {
      log('stopping the stack this run started');
      stackDown();
    }
  }
  r.finishedAt = new Date().toISOString();
  r.host.loadAtEnd = os.loadavg();
  r.targets = computeTargets(r);
  const table = formatResults(r);
  fs.mkdirSync(o.resultsDir, { recursive: true });
  const file = path.join(o.resultsDir, `${r.startedAt.slice(0, 19).replace(/:/g, '-')}Z.json`);
  const searchTable = search ? formatSearchBench(search) : '';
  const svg = chartOf(r);
  if (svg) {
    fs.writeFileSync(file.replace(/\.json$/, '.svg'), svg);
    log(`chart: ${path.relative(process.cwd(), file.replace(/\.json$/, '.svg'))} (copy it to docs/img/bench.svg for the README)`);
  }
  fs.writeFileSync(`${file}.tmp`, JSON.stringify({ ...r, search, table: table + (searchTable ? `\n${searchTable}` : '') }, null, 2) + '\n');
  fs.renameSync(`${file}.tmp`, file);
  process.stdout.write(`${table}\n${searchTable ? `\n${searchTable}` : ''}`);
  if (r.profile) process.stdout.write(`\n### Profile (${r.profile.file})\n\n\`\`\`\n${r.profile.summary}\n\`\`\`\n`);
  log(`results: ${path.relative(process.cwd(), file)} (${Math.round((Date.now() - t0) / 1000)} s)`);
  return Object.keys(r.errors).length > 0 ? 1 : 0;
}

let opts: BenchOptions | undefined;
try {
  opts = parseOptions(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
if (opts) {
  main(opts).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}
