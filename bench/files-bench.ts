// Many files at once: N files of 260-byte lines written before the agent starts and read side by side (lines/s and
// fairness: the slowest file's throughput over the fastest's, each file's throughput being its lines over the time
// until its checkpoint reached its end), and many new small files created while the agent runs (time until every
// line is acknowledged). Also the agent watching many idle files: resident memory and CPU over a quiet window.
import fs from 'node:fs';
import path from 'node:path';
import { BIN, childEnv, ROOT } from './lib/env.js';
import { lineMaker } from './lib/lines.js';
import { procStats, sampleRss, sleep, start, until, type Child } from './lib/proc.js';
import { createTopic, freeAddress, metric } from './lib/services.js';
import { agentConfig } from './agent-bench.js';

export interface FilesResult {
  files: number;
  lines: number;
  lineBytes: number;
  seconds: number;
  linesPerS: number;
  cpuSPerMLines: number;
  peakRssMb: number;
  /** min/max of the per-file throughputs (1 = every file moved at the same rate). */
  fairness?: number;
  /** Slowest and fastest file, lines/s (from the checkpoints, written once a second). */
  minFileLinesPerS?: number;
  maxFileLinesPerS?: number;
}

export interface IdleFilesResult {
  files: number;
  rssMb: number;
  /** Share of one core over the window at rest (after `settleS`). */
  corePct: number;
  cpuS: number;
  /** Share of one core over the first window, right after the files were read. */
  firstCorePct: number;
  windowS: number;
  settleS: number;
  fds: number;
}

function writeFiles(dir: string, n: number, linesEach: number, size = 260): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const make = lineMaker(size, 11);
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const f = path.join(dir, `app-${String(i).padStart(5, '0')}.log`);
    let s = '';
    for (let k = 0; k < linesEach; k++) s += make();
    fs.writeFileSync(f, s);
    files.push(f);
  }
  return files;
}

async function startAgent(dir: string, include: string, name: string, sets: string[]): Promise<Child & { metrics: string }> {
  const metrics = await freeAddress();
  const topic = `bench-${name}-${Date.now().toString(36)}`;
  await createTopic(topic, 4);
  const cfg = agentConfig(dir, { topic, include: [include], metrics });
  const p = start(process.execPath, [BIN, 'agent', '-c', cfg, ...sets.flatMap((s) => ['--set', s])], { cwd: ROOT, env: childEnv() });
  await until('agent /metrics', () => metric(metrics, 'logship_agent_lines_produced_total').then(() => true), {
    timeoutMs: 60_000,
    everyMs: 20,
    child: p,
  });
  return Object.assign(p, { metrics });
}

/** Offsets per path from the agent's checkpoint file (undefined while it is being replaced). */
function checkpointOffsets(stateDir: string): Map<string, number> | undefined {
  try {
    const j = JSON.parse(fs.readFileSync(path.join(stateDir, 'checkpoints.json'), 'utf8')) as {
      state?: { files?: Record<string, { path: string; offset: number }> };
      files?: Record<string, { path: string; offset: number }>;
    };
    const files = j.state?.files ?? j.files ?? {};
    return new Map(Object.values(files).map((f) => [f.path, f.offset]));
  } catch {
    return undefined;
  }
}

/** `n` files of `linesEach` 260-byte lines, all there before the agent starts, read side by side. */
export async function filesAtOnce(workDir: string, n: number, linesEach: number, sets: string[] = []): Promise<FilesResult> {
  const dir = path.join(workDir, 'runs', `files-${n}-${Date.now().toString(36)}`);
  const files = writeFiles(path.join(dir, 'logs'), n, linesEach);
  const total = n * linesEach;
  const p = await startAgent(dir, path.join(dir, 'logs', '*.log'), `files-${n}`, sets);
  const t0 = Date.now();
  const rss = sampleRss(p.pid);
  const doneAt = new Map<string, number>();
  const size = linesEach * 260;
  try {
    let last = 0;
    const end = await until(
      `${total} lines acknowledged from ${n} files`,
      async () => {
        const cp = checkpointOffsets(path.join(dir, 'state'));
        for (const f of files) if (!doneAt.has(f) && (cp?.get(f) ?? 0) >= size) doneAt.set(f, Date.now());
        last = await metric(p.metrics, 'logship_agent_lines_produced_total');
        return last >= total ? Date.now() : undefined;
      },
      { timeoutMs: Math.max(180_000, (total / 2000) * 1000), everyMs: 250, child: p },
    );
    // The checkpoints trail the acknowledgements by up to a second: wait for the last files' to land.
    await until(
      'every checkpoint at its file end',
      () => {
        const cp = checkpointOffsets(path.join(dir, 'state'));
        for (const f of files) if (!doneAt.has(f) && (cp?.get(f) ?? 0) >= size) doneAt.set(f, Date.now());
        return doneAt.size === files.length ? true : undefined;
      },
      { timeoutMs: 30_000, everyMs: 100, child: p },
    );
    const s = procStats(p.pid);
    const mem = rss.stop();
    const seconds = (end - t0) / 1000;
    const rates = files.map((f) => linesEach / Math.max(0.001, ((doneAt.get(f) ?? end) - t0) / 1000));
    const min = Math.min(...rates);
    const max = Math.max(...rates);
    return {
      files: n,
      lines: total,
      lineBytes: 260,
      seconds,
      linesPerS: total / seconds,
      cpuSPerMLines: ((s?.cpuS ?? mem.cpuS) / total) * 1e6,
      peakRssMb: Math.max(s?.hwmMb ?? 0, mem.hwmMb),
      fairness: min / max,
      minFileLinesPerS: min,
      maxFileLinesPerS: max,
    };
  } finally {
    rss.stop();
    await p.stop(5000);
  }
}

/** `n` new files of `linesEach` lines created while the agent runs: from the first file made to the last line acked. */
export async function manyNewFiles(workDir: string, n: number, linesEach: number, sets: string[] = []): Promise<FilesResult> {
  const dir = path.join(workDir, 'runs', `newfiles-${n}-${Date.now().toString(36)}`);
  fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
  const p = await startAgent(dir, path.join(dir, 'logs', '*.log'), `newfiles-${n}`, sets);
  const rss = sampleRss(p.pid);
  const total = n * linesEach;
  try {
    const cpu0 = procStats(p.pid)?.cpuS ?? 0;
    const t0 = Date.now();
    writeFiles(path.join(dir, 'logs'), n, linesEach);
    const end = await until(
      `${total} lines acknowledged from ${n} new files`,
      async () => ((await metric(p.metrics, 'logship_agent_lines_produced_total')) >= total ? Date.now() : undefined),
      { timeoutMs: Math.max(300_000, n * 100), everyMs: 250, child: p },
    );
    const s = procStats(p.pid);
    const mem = rss.stop();
    const seconds = (end - t0) / 1000;
    return {
      files: n,
      lines: total,
      lineBytes: 260,
      seconds,
      linesPerS: total / seconds,
      cpuSPerMLines: (((s?.cpuS ?? mem.cpuS) - cpu0) / total) * 1e6,
      peakRssMb: Math.max(s?.hwmMb ?? 0, mem.hwmMb),
    };
  } finally {
    rss.stop();
    await p.stop(5000);
  }
}

/**
 * `n` small files already read to their end, then two quiet windows: what watching them costs. The first starts
 * as soon as every line is acknowledged; it holds V8's one-time memory reducer (up to three full collections
 * that give back the heap the reads grew, about 0.1-0.3 s of CPU on this machine). The second, `settleS` after
 * the first, is the agent at rest, where it spends its days: the figure compared with the target.
 */
export async function idleFiles(workDir: string, n: number, windowS: number, settleS = 30): Promise<IdleFilesResult> {
  const dir = path.join(workDir, 'runs', `idlefiles-${n}-${Date.now().toString(36)}`);
  writeFiles(path.join(dir, 'logs'), n, 5);
  const p = await startAgent(dir, path.join(dir, 'logs', '*.log'), `idlefiles-${n}`, []);
  try {
    await until(
      'the idle files read',
      async () => ((await metric(p.metrics, 'logship_agent_lines_produced_total')) >= n * 5 ? true : undefined),
      { timeoutMs: 120_000, everyMs: 250, child: p },
    );
    await sleep(3000); // the checkpoint write and the first scans after the reads
    const cpuOver = async () => {
      const a = procStats(p.pid);
      await sleep(windowS * 1000);
      const b = procStats(p.pid);
      if (!a || !b) throw new Error(`agent exited: ${p.output().slice(-1000)}`);
      return { cpuS: b.cpuS - a.cpuS, rssMb: b.rssMb };
    };
    const first = await cpuOver();
    await sleep(settleS * 1000);
    const rest = await cpuOver();
    let fds = 0;
    try {
      fds = fs.readdirSync(`/proc/${p.pid}/fd`).length;
    } catch {
      /* gone */
    }
    return {
      files: n,
      rssMb: rest.rssMb,
      cpuS: rest.cpuS,
      corePct: (rest.cpuS / windowS) * 100,
      firstCorePct: (first.cpuS / windowS) * 100,
      windowS,
      settleS,
      fds,
    };
  } finally {
    await p.stop(5000);
  }
}
