// Baselines on the same broker and the same lines: Kafka's own Java producer (ProducerPerformance, from the
// stack's cached kafka-tools jar) and rsyslog (imfile -> omkafka) as a separate rsyslogd instance.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BROKER, KAFKA_LIBS } from './lib/env.js';
import type { LineFile } from './lib/lines.js';
import { headLines } from './lib/lines.js';
import { procStats, sampleRss, start, until } from './lib/proc.js';
import { createTopic, topicRecords } from './lib/services.js';

export interface BaselineResult {
  name: string;
  lines: number;
  seconds: number;
  linesPerS: number;
  mbPerS: number;
  cpuS?: number;
  cpuSPerMLines?: number;
  peakRssMb?: number;
  /** Average Kafka record value per line. */
  recordBytes?: number;
  note?: string;
}

export type Baseline = BaselineResult | { name: string; unavailable: string };

function runDir(workDir: string, name: string): string {
  const dir = path.join(workDir, 'runs', `${name}-${Date.now().toString(36)}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * ProducerPerformance with the file's own lines as payloads (--payload-file: each record is one of the first
 * 10,000 lines, picked at random), acks=-1, batch.size=1 MiB, linger.ms=20: the broker-side ceiling for one
 * producer. Its records/s is its own measure (from the first send, JVM start-up excluded).
 */
export async function javaProducer(file: LineFile, workDir: string): Promise<Baseline> {
  const name = 'java ProducerPerformance';
  if (!fs.existsSync(KAFKA_LIBS)) return { name, unavailable: `kafka libs not found at ${KAFKA_LIBS}` };
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (java.status !== 0) return { name, unavailable: 'java not found' };
  const dir = runDir(workDir, 'java');
  const payload = path.join(dir, 'payload.txt');
  fs.writeFileSync(
    payload,
    headLines(file.path, 10_000)
      .filter((l) => l.length > 0)
      .join('\n'),
  );
  const topic = `bench-java-${file.lineBytes}b-${Date.now().toString(36)}`;
  await createTopic(topic, 4);
  const args = [
    '-cp',
    `${KAFKA_LIBS}/*`,
    'org.apache.kafka.tools.ProducerPerformance',
    '--topic',
    topic,
    '--num-records',
    String(file.lines),
    '--payload-file',
    payload,
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${BROKER}`,
    'acks=-1',
    'batch.size=1048576',
    'linger.ms=20',
  ];
  const p = start('java', args);
  const rss = sampleRss(p.pid, 100);
  const code = await p.exited;
  const mem = rss.stop();
  const out = p.output();
  const m = [...out.matchAll(/(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\)/g)].at(-1);
  if (code !== 0 || !m) return { name, unavailable: `ProducerPerformance exited ${code}: ${out.slice(-500)}` };
  const records = await topicRecords(topic);
  const linesPerS = Number(m[2]);
  return {
    name,
    lines: Number(m[1]),
    seconds: Number(m[1]) / linesPerS,
    linesPerS,
    mbPerS: Number(m[3]),
    cpuS: mem.cpuS,
    cpuSPerMLines: (mem.cpuS / file.lines) * 1e6,
    peakRssMb: mem.hwmMb,
    recordBytes: file.lineBytes - 1,
    note: `${records} records in the topic; CPU and RSS include JVM start-up, sampled every 100 ms`,
  };
}

/** The rsyslog modules, or why they are not there. */
function rsyslogMissing(): string | undefined {
  const v = spawnSync('rsyslogd', ['-v'], { encoding: 'utf8' });
  if (v.error || v.status !== 0) return 'rsyslogd not installed (apt-get install -y rsyslog rsyslog-kafka)';
  const dirs = ['/usr/lib/x86_64-linux-gnu/rsyslog', '/usr/lib/aarch64-linux-gnu/rsyslog', '/usr/lib/rsyslog', '/usr/lib64/rsyslog'];
  if (!dirs.some((d) => fs.existsSync(path.join(d, 'omkafka.so')))) return 'omkafka not installed (apt-get install -y rsyslog-kafka)';
  return undefined;
}

/**
 * rsyslogd (imfile, inotify, from the head) -> omkafka, acks -1, linger 20 ms, 1 MiB batches, into its own
 * topic. Each record is a JSON object (time, host, path, message), about what our event carries minus the id.
 * Done when the topic's end offsets add up to the line count.
 */
export async function rsyslog(file: LineFile, workDir: string): Promise<Baseline> {
  const name = 'rsyslog imfile+omkafka';
  const missing = rsyslogMissing();
  if (missing) return { name, unavailable: missing };
  const dir = runDir(workDir, 'rsyslog');
  fs.mkdirSync(path.join(dir, 'work'));
  const topic = `bench-rsyslog-${file.lineBytes}b-${Date.now().toString(36)}`;
  await createTopic(topic, 4);
  const conf = path.join(dir, 'rsyslog.conf');
  fs.writeFileSync(
    conf,
    `global(workDirectory="${dir}/work" maxMessageSize="64k")
module(load="imfile" mode="inotify")
module(load="omkafka")
template(name="bench_json" type="list" option.jsonf="on") {
  property(outname="@timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="host" name="hostname" format="jsonf")
  property(outname="path" name="$!metadata!filename" format="jsonf")
  property(outname="message" name="msg" format="jsonf")
}
ruleset(name="bench" queue.type="LinkedList" queue.size="200000" queue.dequeueBatchSize="2048") {
  action(type="omkafka" broker=["${BROKER}"] topic="${topic}" template="bench_json" partitions.auto="on"
         confParam=["queue.buffering.max.ms=20", "batch.size=1048576", "compression.codec=none"]
         topicConfParam=["request.required.acks=-1"])
}
input(type="imfile" File="${file.path}" Tag="bench" ruleset="bench" addMetadata="on" freshStartTail="off")
`,
  );
  const t0 = Date.now();
  const p = start('rsyslogd', ['-n', '-f', conf, '-i', path.join(dir, 'rsyslogd.pid')]);
  const rss = sampleRss(p.pid, 200);
  try {
    const timeoutMs = Math.max(120_000, (file.lines / 5_000) * 1000);
    const done = await until(
      `rsyslog: ${file.lines} records in ${topic}`,
      async () => ((await topicRecords(topic)) >= file.lines ? Date.now() : undefined),
      {
        timeoutMs,
        everyMs: 250,
        child: p,
      },
    );
    const s = procStats(p.pid);
    const mem = rss.stop();
    const seconds = (done - t0) / 1000;
    const cpuS = s?.cpuS ?? mem.cpuS;
    return {
      name,
      lines: file.lines,
      seconds,
      linesPerS: file.lines / seconds,
      mbPerS: file.bytes / 1048576 / seconds,
      cpuS,
      cpuSPerMLines: (cpuS / file.lines) * 1e6,
      peakRssMb: Math.max(s?.hwmMb ?? 0, mem.hwmMb),
      note: 'from rsyslogd spawn; end offsets polled every 250 ms',
    };
  } finally {
    rss.stop();
    await p.stop(10_000);
  }
}
