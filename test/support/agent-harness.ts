// Oracle for agent tests: the exact set of lines that reached Kafka, with their ids.
import fs from 'node:fs';
import { expect } from 'vitest';
import { decodeEvent, type LogEvent } from '../../common/event.js';
import { readTopic, type TestEnv } from './helpers.js';

export interface Shipped {
  events: LogEvent[];
  /** message -> ids seen for it */
  byMessage: Map<string, Set<string>>;
  /** id -> messages seen for it */
  byId: Map<string, Set<string>>;
  records: number;
}

export async function shipped(env: TestEnv): Promise<Shipped> {
  const recs = await readTopic(env.topic).catch(() => []);
  // Decoded as the sink decodes them: a v2 record's omitted fields (event.created equal to @timestamp, the source
  // name equal to the path) are restored, so tests compare what ends up as the document.
  const events = recs.map((r) => decodeEvent(r.value));
  const byMessage = new Map<string, Set<string>>();
  const byId = new Map<string, Set<string>>();
  for (const e of events) {
    (byMessage.get(e.message) ?? byMessage.set(e.message, new Set()).get(e.message)!).add(e.event.id);
    (byId.get(e.event.id) ?? byId.set(e.event.id, new Set()).get(e.event.id)!).add(e.message);
  }
  return { events, byMessage, byId, records: recs.length };
}

/**
 * Waits until every expected line is in Kafka. `stallMs` bounds the time without progress (no new expected line
 * seen), not the whole wait: on a loaded machine a large backlog may take long to arrive, and a deadline on the
 * total would fail a correct agent, while one that stopped shipping still fails after `stallMs`.
 */
export async function waitShipped(env: TestEnv, expected: string[], stallMs = 30_000): Promise<Shipped> {
  let last: Shipped | undefined;
  let seen = -1;
  let progressAt = Date.now();
  for (;;) {
    last = await shipped(env);
    const present = expected.reduce((n, l) => (last!.byMessage.has(l) ? n + 1 : n), 0);
    if (present === expected.length) return last;
    if (present > seen) [seen, progressAt] = [present, Date.now()];
    else if (Date.now() - progressAt > stallMs) {
      const missing = expected.filter((l) => !last!.byMessage.has(l));
      throw new Error(
        `no progress for ${stallMs} ms waiting for ${expected.length} lines in Kafka; missing ${missing.length}: ${missing.slice(0, 5).join(' | ')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

/**
 * Every expected line is there; nothing else is; each line has exactly one id and no id is shared by two lines.
 * Duplicate records are allowed only when `allowDuplicates` (a crash happened); they must carry the same id.
 */
export function expectExactly(s: Shipped, expected: string[], opts: { allowDuplicates?: boolean } = {}) {
  const want = new Set(expected);
  const extra = [...s.byMessage.keys()].filter((m) => !want.has(m));
  expect(extra.slice(0, 5)).toEqual([]);
  for (const l of expected) {
    const ids = s.byMessage.get(l);
    expect(ids, `line missing: ${l}`).toBeDefined();
    expect(ids!.size, `line has ${ids!.size} ids: ${l}`).toBe(1);
  }
  for (const [id, msgs] of s.byId) expect(msgs.size, `id ${id} shared by ${[...msgs].slice(0, 2).join(' | ')}`).toBe(1);
  if (!opts.allowDuplicates) expect(s.records).toBe(expected.length);
}

export function lines(prefix: string, from: number, to: number): string[] {
  const out: string[] = [];
  for (let i = from; i < to; i++) out.push(`${prefix}-${String(i).padStart(6, '0')} some text to make the line longer than a few bytes`);
  return out;
}

export function append(file: string, ls: string[]) {
  if (ls.length > 0) fs.appendFileSync(file, ls.join('\n') + '\n');
}

export function checkpointOf(env: TestEnv): {
  files: Record<string, { path: string; offset: number; identity: string }>;
  streams: Record<string, { seq: number }>;
} {
  const doc = JSON.parse(fs.readFileSync(`${env.dir}/state/checkpoints.json`, 'utf8'));
  return doc.state;
}

/**
 * The agent's include globs are given before the env (and its logs directory) exists: `__LOGS__` in them stands
 * for env.logs, put in here (e.g. makeEnv(name, { agent: { files: { include: ['__LOGS__/app.log*'] } } })).
 */
export function fixInclude(env: TestEnv) {
  const cfg = JSON.parse(fs.readFileSync(env.config, 'utf8'));
  cfg.agent.files.include = cfg.agent.files.include.map((g: string) => g.replace('__LOGS__', env.logs));
  fs.writeFileSync(env.config, JSON.stringify(cfg));
}
