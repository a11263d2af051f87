// `node dist/bench/idle-files.js [files] [seconds]`: the agent's cost at rest, measured from the outside as an
// operator would. The agent starts on `files` small files (default 200, 10 lines each) in one directory, ships
// them, then nothing is written for `seconds` (default 30): resident memory (VmRSS, and VmHWM since start),
// open descriptors, and CPU (utime + stime from /proc/<pid>/stat) over that quiet time, as % of one core.
// With 0 files it is the idle agent (an include glob that matches nothing). Uses the bench stack's Kafka
// (LOGSHIP_KAFKA_PORT, as `npm run bench`).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { agentConfig } from './agent-bench.js';
import { BIN, childEnv, ROOT } from './lib/env.js';
import { procStats, sleep, start, until } from './lib/proc.js';
import { createTopic, deleteCreatedTopics, freeAddress, metric } from './lib/services.js';

export interface IdleFilesResult {
  files: number;
  seconds: number;
  rssMb: number;
  hwmMb: number;
  fds: number;
  cpuS: number;
  corePercent: number;
}

function openFds(pid: number): number {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

export async function idleFiles(workDir: string, files = 200, seconds = 30): Promise<IdleFilesResult> {
  const dir = fs.mkdtempSync(path.join(workDir, `idle-${files}-`));
  const logs = path.join(dir, 'logs');
  fs.mkdirSync(logs);
  for (let i = 0; i < files; i++)
    fs.writeFileSync(path.join(logs, `app-${i}.log`), Array.from({ length: 10 }, (_, j) => `file ${i} line ${j} GET /x 200\n`).join(''));
  const metrics = await freeAddress();
  const topic = `bench-idle-${files}-${Date.now().toString(36)}`;
  await createTopic(topic, 4);
  const cfg = agentConfig(dir, { topic, include: [path.join(logs, '*.log')], metrics });
  const p = start(process.execPath, [BIN, 'agent', '-c', cfg], { cwd: ROOT, env: childEnv() });
  try {
    await until(
      `${files * 10} lines acknowledged`,
      () => metric(metrics, 'logship_agent_lines_produced_total').then((n) => (n >= files * 10 ? true : undefined)),
      { timeoutMs: 300_000, everyMs: 250, child: p },
    );
    await sleep(5000); // let the checkpoint after the last acknowledgement be written
    const before = procStats(p.pid);
    await sleep(seconds * 1000);
    const after = procStats(p.pid);
    if (!before || !after) throw new Error(`agent exited: ${p.output().slice(-1000)}`);
    const cpuS = after.cpuS - before.cpuS;
    return { files, seconds, rssMb: after.rssMb, hwmMb: after.hwmMb, fds: openFds(p.pid), cpuS, corePercent: (100 * cpuS) / seconds };
  } finally {
    await p.stop(5000);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const files = Number(process.argv[2] ?? 200);
  const seconds = Number(process.argv[3] ?? 30);
  const work = process.env.BENCH_WORK_DIR ?? path.join(os.tmpdir(), 'logship-bench');
  fs.mkdirSync(work, { recursive: true });
  try {
    const r = await idleFiles(work, files, seconds);
    process.stdout.write(
      `idle agent, ${r.files} files, ${r.seconds} s quiet: RSS ${r.rssMb.toFixed(1)} MB (peak ${r.hwmMb.toFixed(1)} MB), ` +
        `${r.fds} descriptors, CPU ${r.cpuS.toFixed(2)} s = ${r.corePercent.toFixed(2)} % of a core\n`,
    );
  } finally {
    await deleteCreatedTopics();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(path.dirname(new URL(import.meta.url).pathname), 'idle-files.js')) {
  main().then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`${(err as Error).stack}\n`);
      process.exit(1);
    },
  );
}
