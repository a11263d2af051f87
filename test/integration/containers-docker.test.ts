// Docker's json-file driver against a real dockerd (test/support/dockerd.ts): a container prints lines on stdout
// and stderr, one of them 40,000 bytes (Docker writes it as three records of at most 16 KiB), its log rotates
// (max-size) while the agent reads, and the sink indexes it all. Every line is in Elasticsearch exactly once,
// whole, with the container's id and name, its stream, and the time Docker wrote it as @timestamp.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEvent } from '../../common/event.js';
import { esJson, logship, makeEnv, waitFor } from '../support/helpers.js';
import { expectExactly, shipped, waitShipped } from '../support/agent-harness.js';
import { esIdCounts, expectExactlyOnce, startSink } from '../support/sink-helpers.js';
import { BUSYBOX_IMAGE, startDockerd, type Dockerd } from '../support/dockerd.js';

const N = 1200;
const LONG = 40_000;
// stdout lines, every 10th on stderr instead, the long line after the 500th.
const SCRIPT = [
  'i=0',
  `while [ $i -lt ${N} ]; do`,
  '  if [ $((i % 10)) -eq 0 ]; then echo "dk-err-$i something went wrong on the standard error stream" >&2;',
  '  else echo "dk-out-$i a line of ordinary output written by the container to its standard output"; fi',
  `  if [ $i -eq 500 ]; then busybox head -c ${LONG} /dev/zero | busybox tr '\\0' L; echo; fi`,
  '  i=$((i + 1))',
  'done',
].join('\n');

function expectedLines(): Array<{ text: string; stream: 'stdout' | 'stderr' }> {
  const out: Array<{ text: string; stream: 'stdout' | 'stderr' }> = [];
  for (let i = 0; i < N; i++) {
    if (i % 10 === 0) out.push({ text: `dk-err-${i} something went wrong on the standard error stream`, stream: 'stderr' });
    else out.push({ text: `dk-out-${i} a line of ordinary output written by the container to its standard output`, stream: 'stdout' });
    if (i === 500) out.push({ text: 'L'.repeat(LONG), stream: 'stdout' });
  }
  return out;
}

describe('containers: Docker json-file from a real dockerd', () => {
  let dockerd: Dockerd | undefined;
  beforeAll(async () => {
    dockerd = await startDockerd();
  }, 300_000);
  afterAll(async () => {
    await dockerd?.stop();
  }, 120_000);

  it('every line of a container once in Elasticsearch, the 40,000-byte line whole, rotation followed', async () => {
    const d = dockerd!;
    const id = await d.docker(
      ['create', '--name', 'logship-c1', '--network', 'none', '--log-driver', 'json-file'].concat([
        '--log-opt',
        'max-size=64k',
        '--log-opt',
        'max-file=8',
        BUSYBOX_IMAGE,
        '/bin/sh',
        '-c',
        SCRIPT,
      ]),
    );
    const dir = path.join(d.dataRoot, 'containers', id);
    const env = makeEnv('docker', {
      agent: {
        files: { include: [`${d.dataRoot}/containers/*/*-json.log*`], exclude: [`${d.dataRoot}/containers/**/*.gz`], format: 'docker' },
      },
    });
    const agent = logship(['agent', '-c', env.config]);
    await agent.started(90_000);
    await d.docker(['start', 'logship-c1']);
    expect(await d.docker(['wait', 'logship-c1'])).toBe('0');
    const want = expectedLines();
    const texts = want.map((l) => l.text);
    // Docker rotated the log while the container wrote: the agent followed every generation.
    const files = fs.readdirSync(dir).filter((f) => f.startsWith(`${id}-json.log`));
    expect(files.length).toBeGreaterThan(2);
    await waitShipped(env, texts, 180_000);
    expectExactly(await shipped(env), texts);
    // The sink after the agent: on this shared machine Elasticsearch can take minutes to answer.
    const sink = await startSink(env.config, { timeoutMs: 300_000 });

    await waitFor(
      'every line in Elasticsearch',
      async () => ((await esIdCounts(env.prefix)).size >= texts.length ? true : undefined),
      300_000,
      500,
    );
    const ids = (await shipped(env)).events.map((e) => e.event.id);
    console.log(await expectExactlyOnce(env.prefix, ids));
    const r = await esJson('POST', `/${env.prefix}-*/_search`, { size: 10_000, query: { term: { 'container.name': 'logship-c1' } } });
    const docs = r.hits.hits.map((h: { _source: LogEvent }) => h._source) as LogEvent[];
    expect(docs).toHaveLength(texts.length);
    // Docker's own time of each record, from the files as it wrote them.
    const timeOf = new Map<string, string>();
    for (const f of files)
      for (const raw of fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean)) {
        const rec = JSON.parse(raw) as { log: string; time: string };
        if (rec.log.endsWith('\n')) timeOf.set(rec.log.slice(0, -1), new Date(rec.time).toISOString());
      }
    const streamOf = new Map(want.map((l) => [l.text, l.stream]));
    for (const doc of docs) {
      expect(doc.container).toEqual({ id, name: 'logship-c1', image: { name: BUSYBOX_IMAGE } });
      expect(doc.log.iostream).toBe(streamOf.get(doc.message));
      expect(doc.kubernetes).toBeUndefined();
      expect(Date.parse(doc['@timestamp'])).toBeLessThanOrEqual(Date.parse(doc.event.created));
      if (doc.message !== 'L'.repeat(LONG)) expect(doc['@timestamp']).toBe(timeOf.get(doc.message));
    }
    const long = docs.find((doc) => doc.message.length === LONG)!;
    expect(long.log.truncated).toBeUndefined();
    expect(long.message).toBe('L'.repeat(LONG));
    expect(await sink.stop()).toBe(0);
    expect(await agent.stop()).toBe(0);
  }, 900_000);
});
