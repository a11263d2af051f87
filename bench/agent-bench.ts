// Agent throughput: the real CLI (`node bin/logship.js agent -c cfg`) reads a generated file from its head into a
// fresh topic (acks -1, checkpoints on, default batching). Done when logship_agent_lines_produced_total (lines
// Kafka acknowledged) reaches the file's line count. Also the agent's idle memory.
import fs from 'node:fs';
import path from 'node:path';
import { BIN, BROKER, childEnv, ROOT } from './lib/env.js';
import type { LineFile } from './lib/lines.js';
import { procStats, sampleRss, sleep, start, until } from './lib/proc.js';
import { createTopic, freeAddress, metric, topicDiskBytes, topicRecords } from './lib/services.js';

export interface AgentResult {
  lineBytes: number;
  lines: number;
  fileMb: number;
  /** From the agent's /metrics first answering (reading starts right after) to the last acknowledgement. */
  seconds: number;
  /** From spawn to the last acknowledgement (includes Node start-up and connecting). */
  wallSeconds: number;
  linesPerS: number;
  mbPerS: number;
  cpuS: number;
  cpuSPerMLines: number;
  peakRssMb: number;
  /** Average encoded event (Kafka record value) per line. */
  recordBytes: number;
  topicRecords: number;
  /** Bytes the broker stores for the run's topic (record batches as compressed by the agent). */
  topicBytes?: number;
  /** agent.compression of the run. */
  compression?: string;
  /** kafka.producer of the run (kafkajs unless --agent-set or the contender run says otherwise). */
  producer?: string;
  profile?: string;
  /** Which contender of bench/contenders.ts ran (absent in runs before the list existed). */
  contender?: string;
}

export interface AgentRunOptions {
  workDir: string;
  sets?: string[];
  /** Directory for `node --cpu-prof`: the agent runs under the profiler and the .cpuprofile path is returned. */
  profileDir?: string;
  label?: string;
}

export function agentConfig(
  dir: string,
  o: { topic: string; include: string[]; metrics: string; extra?: Record<string, unknown> },
): string {
  const cfg = {
    host_name: 'bench-host',
    log_level: 'warn',
    kafka: { brokers: [BROKER], topic: o.topic, dlq_topic: `${o.topic}-dlq`, topic_partitions: 4 },
    agent: { data_dir: path.join(dir, 'state'), files: { include: o.include }, metrics_listen: o.metrics, ...(o.extra ?? {}) },
  };
  const file = path.join(dir, 'agent.yaml');
  fs.writeFileSync(file, JSON.stringify(cfg, null, 2)); // JSON is YAML
  return file;
}

function runDir(workDir: string, name: string): string {
  const dir = path.join(workDir, 'runs', `${name}-${Date.now().toString(36)}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export async function runAgent(file: LineFile, o: AgentRunOptions): Promise<AgentResult> {
  const name = `agent-${file.lineBytes}b${o.label ? `-${o.label}` : ''}`;
  const dir = runDir(o.workDir, name);
  const topic = `bench-${name}-${Date.now().toString(36)}`;
  await createTopic(topic, 4);
  const metrics = await freeAddress();
  const cfg = agentConfig(dir, { topic, include: [file.path], metrics });
  const nodeArgs = o.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`] : [];
  const sets = (o.sets ?? []).flatMap((s) => ['--set', s]);
  if (o.profileDir) fs.mkdirSync(o.profileDir, { recursive: true });
  const before = o.profileDir ? new Set(fs.readdirSync(o.profileDir)) : new Set<string>();
  const t0 = Date.now();
  const p = start(process.execPath, [...nodeArgs, BIN, 'agent', '-c', cfg, ...sets], { cwd: ROOT, env: childEnv() });
  const rss = sampleRss(p.pid);
  try {
    const ready = await until('agent /metrics', () => metric(metrics, 'logship_agent_lines_produced_total').then(() => Date.now()), {
      timeoutMs: 60_000,
      everyMs: 20,
      child: p,
    });
    const timeoutMs = Math.max(120_000, (file.lines / 2_000) * 1000);
    let pollAt = 0;
    // Scraping /metrics costs the agent CPU (prom-client collects its default metrics on each scrape): every 500 ms
    // until near the end, then every 50 ms so the end is seen within 50 ms.
    let last = 0;
    const done = await until(
      `${file.lines} lines acknowledged`,
      async () => {
        if (last < file.lines * 0.95 && Date.now() - pollAt < 500) return undefined;
        pollAt = Date.now();
        last = await metric(metrics, 'logship_agent_lines_produced_total');
        return last >= file.lines ? Date.now() : undefined;
      },
      { timeoutMs, everyMs: 50, child: p },
    );
    const produced = await metric(metrics, 'logship_agent_bytes_produced_total');
    const mem = rss.stop();
    const stats = procStats(p.pid);
    await p.stop();
    const records = await topicRecords(topic);
    const seconds = (done - ready) / 1000;
    let profile: string | undefined;
    if (o.profileDir)
      profile = fs
        .readdirSync(o.profileDir)
        .filter((f) => !before.has(f) && f.endsWith('.cpuprofile'))
        .map((f) => path.join(o.profileDir!, f))[0];
    const cpuS = stats?.cpuS ?? mem.cpuS;
    return {
      lineBytes: file.lineBytes,
      lines: file.lines,
      fileMb: file.bytes / 1048576,
      seconds,
      wallSeconds: (done - t0) / 1000,
      linesPerS: file.lines / seconds,
      mbPerS: file.bytes / 1048576 / seconds,
      cpuS,
      cpuSPerMLines: (cpuS / file.lines) * 1e6,
      peakRssMb: Math.max(stats?.hwmMb ?? 0, mem.hwmMb),
      recordBytes: produced / file.lines,
      topicRecords: records,
      topicBytes: topicDiskBytes(topic),
      compression: (o.sets ?? []).find((s) => s.startsWith('agent.compression='))?.split('=')[1] ?? 'none',
      producer:
        (o.sets ?? [])
          .filter((s) => s.startsWith('kafka.producer='))
          .pop()
          ?.split('=')[1] ?? 'kafkajs',
      profile,
    };
  } finally {
    rss.stop();
    await p.stop(5000);
  }
}

export interface IdleResult {
  rssMb: number;
  hwmMb: number;
  afterSeconds: number;
}

/** The agent started on an include glob that matches nothing yet: its resident memory after `seconds`. */
export async function runAgentIdle(workDir: string, seconds = 10): Promise<IdleResult> {
  const dir = runDir(workDir, 'agent-idle');
  fs.mkdirSync(path.join(dir, 'logs'));
  const metrics = await freeAddress();
  const topic = `bench-agent-idle-${Date.now().toString(36)}`;
  const cfg = agentConfig(dir, { topic, include: [path.join(dir, 'logs', '*.log')], metrics });
  const p = start(process.execPath, [BIN, 'agent', '-c', cfg], { cwd: ROOT, env: childEnv() });
  try {
    await until('agent /healthz', () => fetch(`http://${metrics}/healthz`).then((r) => (r.ok ? true : undefined)), {
      timeoutMs: 60_000,
      child: p,
    });
    await sleep(seconds * 1000);
    const s = procStats(p.pid);
    if (!s) throw new Error(`agent exited: ${p.output().slice(-1000)}`);
    return { rssMb: s.rssMb, hwmMb: s.hwmMb, afterSeconds: seconds };
  } finally {
    await p.stop(5000);
  }
}
