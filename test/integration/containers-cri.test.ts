// Kubernetes' CRI log files, written as the kubelet's runtime (containerd, CRI-O) writes them: one record per
// line, `<RFC 3339 nano> <stream> <P|F> <text>`, a line longer than 16 KiB as P pieces ended by an F, the other
// stream's records between the pieces; rotated by the kubelet (0.log renamed to 0.log.<time>, a new 0.log, the
// older rotated file gzipped), and a restarted container's 1.log. Every line reaches Kafka exactly once, whole,
// with the pod's namespace, name, uid and container from the path and the stream and time from the record.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { logship, makeEnv, waitFor, type TestEnv } from '../support/helpers.js';
import { checkpointOf, expectExactly, shipped, waitShipped } from '../support/agent-harness.js';

const PIECE = 16 * 1024;
const UID = '8d3f1c2a-4b5e-4f60-9a7b-0c1d2e3f4a5b';

/** The records of one line as the runtime writes them. */
function records(stream: 'stdout' | 'stderr', text: string): string[] {
  const time = () => new Date().toISOString().replace('Z', '123456Z');
  const out: string[] = [];
  for (let i = 0; i + PIECE < text.length; i += PIECE) out.push(`${time()} ${stream} P ${text.slice(i, i + PIECE)}`);
  out.push(`${time()} ${stream} F ${text.slice(Math.floor(Math.max(0, text.length - 1) / PIECE) * PIECE)}`);
  return out;
}

function write(file: string, recs: string[]) {
  fs.appendFileSync(file, recs.map((r) => `${r}\n`).join(''));
}

function podDir(env: TestEnv) {
  const dir = path.join(env.logs, 'pods', `shop_checkout-6f7c9d-x2x4q_${UID}`, 'app');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function criEnv(name: string, extra: Record<string, unknown> = {}) {
  return makeEnv(name, {
    agent: {
      files: { include: [`__LOGS__/pods/*/*/*.log*`], exclude: [`__LOGS__/pods/**/*.gz`], format: 'cri' },
      close_inactive_ms: 500,
      ...extra,
    },
  });
}

function fixLogs(env: TestEnv) {
  fs.writeFileSync(env.config, fs.readFileSync(env.config, 'utf8').replaceAll('__LOGS__', env.logs));
}

const lines = (p: string, from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `${p}-${String(from + i).padStart(5, '0')} checkout handled order`);

async function ready(env: TestEnv) {
  await waitFor(
    'agent /healthz',
    () =>
      fetch(`http://${env.agentMetrics}/healthz`)
        .then((r) => r.ok)
        .catch(() => false),
    90_000,
  );
}

describe('containers: CRI files as the kubelet writes them', () => {
  it('partial pieces joined, streams interleaved, rotation and restart followed: every line once', async () => {
    const env = criEnv('cri');
    fixLogs(env);
    const dir = podDir(env);
    const f0 = path.join(dir, '0.log');
    const long = 'J'.repeat(3 * PIECE + 1000);
    const errs = lines('cri-err', 0, 3);
    const a = lines('cri-a', 0, 300);
    // The long line's pieces with stderr records between them, as two copiers write them.
    const [p1, p2, p3, fin] = records('stdout', long);
    write(f0, [...a.slice(0, 150).flatMap((l) => records('stdout', l)), p1, records('stderr', errs[0])[0], p2, p3]);
    write(f0, [...records('stderr', errs[1]), fin, ...records('stderr', errs[2]), ...a.slice(150).flatMap((l) => records('stdout', l))]);
    const agent = logship(['agent', '-c', env.config]);
    await ready(env);
    await waitShipped(env, [...a, long, ...errs], 120_000);
    // The kubelet rotates: 0.log -> 0.log.<time>, the runtime reopens 0.log; at the next rotation the previous
    // rotated file is gzipped (and removed).
    const b = lines('cri-b', 0, 200);
    const r1 = path.join(dir, '0.log.20261201-120000');
    fs.renameSync(f0, r1);
    write(
      f0,
      b.slice(0, 100).flatMap((l) => records('stderr', l)),
    );
    const c = lines('cri-c', 0, 100);
    await waitShipped(env, b.slice(0, 100), 120_000);
    fs.renameSync(f0, path.join(dir, '0.log.20261201-130000'));
    execFileSync('gzip', [r1]);
    write(f0, [...b.slice(100).flatMap((l) => records('stdout', l))]);
    // The container restarts: its next log is 1.log.
    write(
      path.join(dir, '1.log'),
      c.flatMap((l) => records('stdout', l)),
    );
    const all = [...a, long, ...errs, ...b, ...c];
    const s = await waitShipped(env, all, 120_000);
    expect(await agent.stop()).toBe(0);
    expectExactly(await shipped(env), all);
    for (const e of s.events) {
      expect(e.kubernetes).toEqual({ namespace: 'shop', pod: { name: 'checkout-6f7c9d-x2x4q', uid: UID }, container: { name: 'app' } });
      expect(e.log.iostream).toBe(e.message.startsWith('cri-err') || b.slice(0, 100).includes(e.message) ? 'stderr' : 'stdout');
      expect(e['@timestamp']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    }
    const joined = s.events.find((e) => e.message === long)!;
    expect(joined.log.truncated).toBeUndefined();
    expect(fs.readdirSync(dir).sort()).toEqual(['0.log', '0.log.20261201-120000.gz', '0.log.20261201-130000', '1.log']);
  }, 600_000);

  it('a line still missing its last piece holds the checkpoint at its first piece; after a restart it is whole, once', async () => {
    const env = criEnv('cri-ckpt');
    fixLogs(env);
    const f0 = path.join(podDir(env), '0.log');
    const before = lines('ck-a', 0, 50);
    const long = 'K'.repeat(2 * PIECE + 10);
    const pieces = records('stdout', long);
    write(
      f0,
      before.flatMap((l) => records('stdout', l)),
    );
    const firstPiece = fs.statSync(f0).size;
    write(f0, pieces.slice(0, -1));
    let agent = logship(['agent', '-c', env.config]);
    await ready(env);
    await waitShipped(env, before, 120_000);
    await waitFor('checkpoint at the first piece', () => Object.values(checkpointOf(env).files)[0]?.offset === firstPiece, 60_000);
    expect(await agent.stop()).toBe(0);
    expect(Object.values(checkpointOf(env).files)[0].offset).toBe(firstPiece);
    write(f0, pieces.slice(-1));
    const after = lines('ck-b', 0, 20);
    write(
      f0,
      after.flatMap((l) => records('stderr', l)),
    );
    agent = logship(['agent', '-c', env.config]);
    const all = [...before, long, ...after];
    const s = await waitShipped(env, all, 120_000);
    expect(await agent.stop()).toBe(0);
    expectExactly(await shipped(env), all);
    expect(s.events.find((e) => e.message === long)!.log.offset).toBe(firstPiece);
  }, 600_000);
});
