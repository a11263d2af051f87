// The chaos oracle. Every generated line carries a unique sequence id; the ground truth (what was written) is
// kept in this process, where the faults cannot reach it. A scenario ends only when every written line is in
// Elasticsearch exactly once (or in the DLQ when designed to be rejected), with 0 duplicate documents across
// all of the scenario's indices, the accounting metrics balanced, and (for crash scenarios) proof that the
// replay path ran: at least one line reached Kafka twice.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { rng } from '../support/rng.js';
import {
  esJson,
  logship,
  makeEnv,
  metricValue,
  readTopic,
  run,
  TEST_PRODUCER,
  waitFor,
  type Proc,
  type TestEnv,
} from '../support/helpers.js';

export const RESULTS = path.resolve(import.meta.dirname, '../../docs/.chaos-results.json');

export function seedFor(name: string): number {
  if (process.env.CHAOS_SEED) return Number(process.env.CHAOS_SEED);
  let h = 2166136261;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

export const CI_SUBSET = process.env.CHAOS_SUBSET === 'ci';

/** What every scenario starts with: its seed (replayable with CHAOS_SEED), a generator on it, its start time. */
export function scenario(name: string) {
  const seed = seedFor(name);
  const t0 = Date.now();
  return { name, seed, rand: rng(seed), t0, seconds: () => Math.round((Date.now() - t0) / 1000) };
}

/** /readyz of an agent or sink: its status and the reasons it gives. */
export async function readyz(address: string): Promise<{ status: number; reasons: string[] }> {
  const r = await fetch(`http://${address}/readyz`);
  const body = (await r.json().catch(() => ({}))) as { reasons?: string[] };
  return { status: r.status, reasons: body.reasons ?? [] };
}

export class Pipeline {
  agent?: Proc;
  sink?: Proc;
  agentStarts = 0;
  sinkStarts = 0;
  constructor(readonly env: TestEnv) {}
  startAgent() {
    this.agent = logship(['agent', '-c', this.env.config]);
    this.agentStarts++;
    return this.agent;
  }
  startSink() {
    this.sink = logship(['sink', '-c', this.env.config]);
    this.sinkStarts++;
    return this.sink;
  }
  async killAgent() {
    this.agent?.child.kill('SIGKILL');
    await this.agent?.exited;
    this.keepLog('agent', this.agent);
  }
  /** Stops the agent with `signal` (SIGTERM: a clean stop; SIGKILL: a crash); returns its exit code. */
  async stopAgent(signal: NodeJS.Signals = 'SIGTERM') {
    const code = await this.agent?.stop(signal);
    this.keepLog('agent', this.agent);
    return code;
  }
  /** Waits until the agent's HTTP endpoints answer (it read its checkpoints and started tailing). */
  async agentUp() {
    await waitFor(
      'agent /healthz',
      () =>
        fetch(`http://${this.env.agentMetrics}/healthz`)
          .then((r) => r.ok)
          .catch(() => false),
      60_000,
      100,
    );
  }
  /** Logs of killed processes are kept beside the scenario's data, for the post-mortem of a failure. */
  keepLog(kind: string, p?: Proc) {
    if (p) fs.appendFileSync(path.join(this.env.dir, `${kind}.log`), p.stderr());
  }
  async killSink() {
    this.sink?.child.kill('SIGKILL');
    await this.sink?.exited;
    this.keepLog('sink', this.sink);
  }
  async stop() {
    const a = await this.agent?.stop();
    const s = await this.sink?.stop();
    return { agent: a, sink: s };
  }
}

export function chaosEnv(name: string, extra: Record<string, unknown> = {}): TestEnv {
  return makeEnv(`chaos-${name}`, {
    log_level: 'info',
    agent: { scan_interval_ms: 250, poll_interval_ms: 50, close_inactive_ms: 2000, files: { exclude: ['**/*.gz'] } },
    sink: { bulk: { max_docs: 500 }, retry_max_ms: 2000 },
    ...extra,
  });
}

/** Appends numbered lines at a steady rate; remembers every line it wrote. */
export class Writer {
  written: string[] = [];
  private n = 0;
  private timer?: NodeJS.Timeout;
  private rate: [number, number] = [20, 10];
  private partial?: [string, number];
  /** `format` makes the text of line i (default: numbered plain text). */
  constructor(
    private file: string,
    private tag: string,
    private format?: (i: number, tag: string) => string,
  ) {}
  line(i: number) {
    return (
      this.format?.(i, this.tag) ?? `seq=${String(i).padStart(7, '0')} ${this.tag} the quick brown fox jumps over the lazy dog ${i % 97}`
    );
  }
  writeBatch(count: number) {
    const ls: string[] = [];
    for (let i = 0; i < count; i++) ls.push(this.line(this.n++));
    fs.appendFileSync(this.file, ls.join('\n') + '\n');
    this.written.push(...ls);
  }
  start(linesPerTick = 20, tickMs = 10) {
    this.rate = [linesPerTick, tickMs];
    this.timer = setInterval(() => this.writeBatch(linesPerTick), tickMs);
  }
  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
  /** Starts again at the rate of the last start(). */
  resume() {
    if (!this.timer) this.start(...this.rate);
  }
  /** Writes the first `cut` characters of the next line, without its newline (stop() first). */
  writePartial(cut: number) {
    const l = this.line(this.n++);
    this.partial = [l, cut];
    fs.appendFileSync(this.file, l.slice(0, cut));
  }
  /** Writes the rest of the partial line and its newline: one line, as written. */
  completePartial() {
    const [l, cut] = this.partial!;
    fs.appendFileSync(this.file, l.slice(cut) + '\n');
    this.written.push(l);
    this.partial = undefined;
  }
}

/** All documents of the scenario's indices: message -> count, plus the total. */
export async function indexed(
  prefix: string,
): Promise<{ total: number; byMessage: Map<string, number>; docs: Array<Record<string, any>> }> {
  await esJson('POST', `/${prefix}-*/_refresh?ignore_unavailable=true&allow_no_indices=true`);
  const byMessage = new Map<string, number>();
  const docs: Array<Record<string, any>> = [];
  let after: unknown[] | undefined;
  for (;;) {
    const r = await esJson('POST', `/${prefix}-*/_search?ignore_unavailable=true&allow_no_indices=true`, {
      size: 5000,
      sort: [{ 'event.id': 'asc' }],
      _source: ['message', 'event.id', 'log', '@timestamp'],
      ...(after ? { search_after: after } : {}),
    });
    const hits = r.hits?.hits ?? [];
    if (hits.length === 0) break;
    for (const h of hits) {
      byMessage.set(h._source.message, (byMessage.get(h._source.message) ?? 0) + 1);
      docs.push({ _id: h._id, _index: h._index, ...h._source });
    }
    after = hits[hits.length - 1].sort;
  }
  return { total: docs.length, byMessage, docs };
}

export interface Verdict {
  scenario: string;
  fault: string;
  written: number;
  indexed: number;
  duplicates: number;
  lost: number;
  deadLettered: number;
  kafkaDuplicates: number;
  seed: number;
  seconds: number;
  others: string;
}

/** Waits until every expected line is indexed (each at least once); names what is missing when it times out. */
export async function waitIndexed(env: TestEnv, expected: string[], timeoutMs = 120_000) {
  let last = await indexed(env.prefix);
  await waitFor(
    `${expected.length} lines indexed`,
    async () => {
      last = await indexed(env.prefix);
      return expected.every((l) => last.byMessage.has(l)) ? true : undefined;
    },
    timeoutMs,
    1000,
  ).catch((err) => {
    const missing = expected.filter((l) => !last.byMessage.has(l));
    throw new Error(`${(err as Error).message}: ${missing.length} missing, e.g. ${missing.slice(0, 3).join(' | ')}`);
  });
  return last;
}

/** Waits until every expected line is indexed, then checks: exactly once each, nothing else, 0 duplicates. */
export async function verifyExactlyOnce(
  env: TestEnv,
  expected: string[],
  opts: { timeoutMs?: number; extraAllowed?: (m: string) => boolean } = {},
) {
  const want = new Set(expected);
  await waitIndexed(env, expected, opts.timeoutMs);
  await new Promise((r) => setTimeout(r, 1500)); // late duplicates would show now
  const last = await indexed(env.prefix);
  const dups = [...last.byMessage.entries()].filter(([, c]) => c > 1);
  const extra = [...last.byMessage.keys()].filter((m) => !want.has(m) && !(opts.extraAllowed?.(m) ?? false));
  const lost = expected.filter((l) => !last.byMessage.has(l));
  expect(lost.length, 'lost lines').toBe(0);
  expect(
    dups.length,
    `duplicate documents, e.g. ${dups
      .slice(0, 2)
      .map(([m]) => m)
      .join(' | ')}`,
  ).toBe(0);
  expect(extra.slice(0, 3), 'unexpected documents').toEqual([]);
  return { indexed: last.total, duplicates: dups.reduce((a, [, c]) => a + c - 1, 0), lost: lost.length };
}

/** Records that reached Kafka more than once (same id): proof that the replay path ran. */
export async function kafkaDuplicates(env: TestEnv): Promise<number> {
  const recs = await readTopic(env.topic, 60_000);
  const ids = new Map<string, number>();
  for (const r of recs) {
    const id = JSON.parse(r.value).event.id as string;
    ids.set(id, (ids.get(id) ?? 0) + 1);
  }
  return [...ids.values()].reduce((a, c) => a + (c > 1 ? c - 1 : 0), 0);
}

/** Agent and sink accounting metrics balance (both must be running and idle). */
export async function expectBalanced(env: TestEnv) {
  const A = (n: string) => metricValue(env.agentMetrics, n);
  const S = (n: string) => metricValue(env.sinkMetrics, n);
  await new Promise((r) => setTimeout(r, 1200));
  const read = await A('logship_agent_lines_read_total');
  const agentSide =
    (await A('logship_agent_lines_produced_total')) +
    (await A('logship_agent_lines_in_flight')) +
    (await A('logship_agent_lines_discarded_total')) +
    (await A('logship_agent_lines_joined_total'));
  expect(agentSide, 'agent: read = produced + in flight + discarded + joined').toBe(read);
  const consumed = await S('logship_sink_records_consumed_total');
  const sinkSide =
    (await S('logship_sink_documents_created_total')) +
    (await S('logship_sink_documents_duplicate_total')) +
    (await S('logship_sink_documents_dead_lettered_total')) +
    (await S('logship_sink_records_abandoned_total')) +
    (await S('logship_sink_records_in_flight'));
  expect(sinkSide, 'sink: consumed = created + duplicate + dead-lettered + abandoned (handed back, consumed again) + in flight').toBe(
    consumed,
  );
}

/** After the faults stop, a fresh line is searchable within 30 s. */
export async function expectFreshLineSearchable(env: TestEnv, file: string) {
  const token = `fresh${Date.now()}`;
  const t0 = Date.now();
  fs.appendFileSync(file, `fresh line ${token}\n`);
  await waitFor(
    'fresh line searchable',
    async () => {
      const r = await run(['search', token, '-c', env.config, '--since', '1h']);
      return r.stdout.includes(token) || undefined;
    },
    30_000,
    500,
  );
  return Date.now() - t0;
}

export function record(v: Verdict) {
  // A scenario run with the second producer (LOGSHIP_TEST_PRODUCER=platformatic) is its own row, beside kafkajs'.
  if (TEST_PRODUCER !== 'kafkajs') v = { ...v, scenario: `${v.scenario} (kafka.producer: ${TEST_PRODUCER})` };
  let all: Verdict[] = [];
  try {
    all = JSON.parse(fs.readFileSync(RESULTS, 'utf8'));
  } catch {
    /* first */
  }
  all = all.filter((x) => x.scenario !== v.scenario);
  all.push(v);
  fs.writeFileSync(RESULTS, JSON.stringify(all, null, 2));
  writeReport(all);
}

export function writeReport(all: Verdict[]) {
  const rows = all
    .map(
      (v) =>
        `| ${v.scenario} | ${v.fault} | ${v.written} | ${v.indexed} | ${v.duplicates} | ${v.lost} | ${v.deadLettered} | ${v.kafkaDuplicates} | ${v.seed} | ${v.others} |`,
    )
    .join('\n');
  const doc = `# Reliability

Written by \`npm run chaos\` (test/chaos/) up to "Hostile input", which is kept by hand. Each scenario writes numbered lines while a fault
is injected, then checks Elasticsearch: every written line indexed exactly once (or dead-lettered when the
input was designed to be rejected), no duplicate document across the scenario's indices, the agent's and
sink's accounting metrics balanced, and, where a crash happened, at least one line re-sent to Kafka (proof
that the replay path ran). Replay a scenario with \`CHAOS_SEED=<seed> npm run chaos -- -t '<scenario>'\`.

| scenario | fault | lines written | lines indexed | duplicate documents | lost | dead-lettered | re-sent to Kafka | seed | what others are known to do |
|---|---|---|---|---|---|---|---|---|---|
${rows}

Last run: ${new Date().toISOString()}.

In the CI subset (\`CHAOS_SUBSET=ci\`, tests named \`[ci]\`, run by .ci/run): agent SIGKILL + logrotate create and
copytruncate, sink SIGKILL, Kafka stopped, bad input, state directory file system full. The others restart Elasticsearch or take
minutes; \`npm run chaos\` runs them all.

## Known gaps

None known: every scenario of issue 6 has a test here. A row is written only when its scenario passed (0 lost,
0 duplicate documents), and stays until that scenario's next pass. Duplicates in Kafka (the "re-sent" column)
are expected after crashes; they carry the ids of the first copy and the sink counts them as 409s.
`;
  const file = path.resolve(import.meta.dirname, '../../docs/RELIABILITY.md');
  // The sections after the scenario table (from "## Hostile input" on) are kept up by hand: carried over as they are.
  const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const kept = old.indexOf('\n## Hostile input');
  fs.writeFileSync(file, kept >= 0 ? doc + old.slice(kept) : doc);
}
