// Bad input in watched files: every byte sequence becomes lines the framer defines (the oracle applies the
// same pure framer to the same bytes), nothing is dropped, later lines keep arriving. JSON lines whose fields
// conflict with the index mapping go to the dead-letter topic with Elasticsearch's reason.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLineFramer } from '../../agent/pipeline/line-framer.js';
import { MAX_EVENT_BYTES } from '../../agent/pipeline/event-builder.js';
import type { DeadLetter } from '../../sink/dead-letter.js';
import { esJson, run, waitFor, type TestEnv } from '../support/helpers.js';
import { rng } from '../support/rng.js';
import { CI_SUBSET, Pipeline, chaosEnv, expectBalanced, expectFreshLineSearchable, record, seedFor } from './harness.js';

const MAX_LINE = 256 * 1024;

function expectedLines(bytes: Buffer) {
  const f = createLineFramer({ maxLineBytes: MAX_LINE });
  return f.push(bytes);
}

async function docsOf(prefix: string, file: string) {
  await esJson('POST', `/${prefix}-*/_refresh?ignore_unavailable=true&allow_no_indices=true`);
  const out = new Map<number, { message: string; truncated?: boolean; invalid?: boolean; count: number }>();
  let after: unknown[] | undefined;
  for (;;) {
    const r = await esJson('POST', `/${prefix}-*/_search?ignore_unavailable=true&allow_no_indices=true`, {
      size: 2000,
      query: { term: { 'log.file.path': file } },
      sort: [{ 'log.offset': 'asc' }, { 'event.id': 'asc' }],
      _source: ['message', 'log'],
      ...(after ? { search_after: after } : {}),
    });
    const hits = r.hits?.hits ?? [];
    if (hits.length === 0) break;
    for (const h of hits) {
      const o = h._source.log.offset as number;
      const prev = out.get(o);
      out.set(o, {
        message: h._source.message,
        truncated: h._source.log.truncated,
        invalid: h._source.log.invalid_utf8,
        count: (prev?.count ?? 0) + 1,
      });
    }
    after = hits[hits.length - 1].sort;
  }
  return out;
}

/**
 * JSON lines that Elasticsearch refuses (400 per item) although each is valid JSON: a field nested deeper than the
 * flattened `json` field allows, a level too long for the `log.level` keyword, a key too long for `json`. Good JSON
 * lines around them.
 */
function mappingConflicts() {
  let deep: unknown = 'v';
  for (let i = 0; i < 25; i++) deep = { k: deep };
  const bad = [
    {
      line: JSON.stringify({ msg: 'nested deeper than the flattened field allows', deep }),
      reason: /failed to parse field \[json\] of type \[flattened\]/,
    },
    {
      line: JSON.stringify({ level: 'x'.repeat(40_000), msg: 'a level too long for a keyword' }),
      reason: /failed to parse field \[log\.level\] of type \[keyword\]/,
    },
    {
      line: JSON.stringify({ ['k'.repeat(40_000)]: 1, msg: 'a key too long for the flattened field' }),
      reason: /failed to parse field \[json\] of type \[flattened\]/,
    },
  ];
  const good = Array.from({ length: 30 }, (_, i) =>
    JSON.stringify({ level: 30, time: Date.now(), msg: `good json line ${i}`, user: { id: i } }),
  );
  const all = good.flatMap((g, i) => (i % 10 === 5 ? [g, bad[(i - 5) / 10].line] : [g]));
  return { good, bad, bytes: Buffer.from(all.join('\n') + '\n') };
}

/** Dead letters of the scenario's DLQ topic, once there are at least `n`. */
async function deadLetters(env: TestEnv, n: number): Promise<DeadLetter[]> {
  return waitFor(
    `${n} dead letters`,
    async () => {
      const r = await run(['dlq', 'list', '--json', '-c', env.config]);
      const letters = r.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as DeadLetter);
      return letters.length >= n ? letters : undefined;
    },
    120_000,
    1000,
  );
}

/** The mapping conflicts: good lines indexed once, bad ones dead-lettered with the reason, not indexed. */
async function expectMappingConflicts(env: TestEnv, m: ReturnType<typeof mappingConflicts>) {
  const file = path.join(env.logs, 'mapping.log');
  const got = await waitFor(
    `${m.good.length} good JSON lines`,
    async () => {
      const d = await docsOf(env.prefix, file);
      return d.size >= m.good.length ? d : undefined;
    },
    120_000,
    1000,
  );
  const letters = await deadLetters(env, m.bad.length);
  expect([...got.values()].map((d) => d.message).sort()).toEqual([...m.good].sort());
  expect([...got.values()].every((d) => d.count === 1)).toBe(true);
  expect(letters).toHaveLength(m.bad.length);
  for (const b of m.bad) {
    const letter = letters.find(
      (l) => (JSON.parse(Buffer.from(l.original, l.original_encoding).toString()) as { message: string }).message === b.line,
    );
    expect(letter, b.line.slice(0, 60)).toBeDefined();
    expect(letter!.stage).toBe('index');
    expect(letter!.status).toBe(400);
    expect(letter!.reason).toMatch(b.reason);
  }
  return { written: m.good.length + m.bad.length, indexed: got.size, deadLettered: letters.length };
}

describe('chaos: bad input', () => {
  it('[ci] garbage, NUL bytes, invalid UTF-8, a huge line without newline, CRLF and lone CR, an empty file: all framed, none lost; JSON lines whose fields conflict with the mapping dead-lettered with the reason', async () => {
    const name = 'bad input in watched files';
    const seed = seedFor(name);
    const rand = rng(seed);
    const t0 = Date.now();
    // json_max_depth above Elasticsearch's flattened depth_limit (20): this scenario proves the sink's path for
    // mapping conflicts (a 25-deep line reaches Elasticsearch and is dead-lettered with its reason). With the
    // default bound the agent keeps such a line plain (agent-hostile.test.ts covers that).
    const env = chaosEnv('badinput', { agent: { max_line_bytes: MAX_LINE, read_buffer_bytes: 65536, json_max_depth: 30 } });
    const files: Record<string, Buffer> = {};
    const garbage = Buffer.alloc((CI_SUBSET ? 2 : 10) * 1024 * 1024);
    for (let i = 0; i < garbage.length; i += 4) garbage.writeUInt32LE((rand() * 2 ** 32) >>> 0, i);
    files['urandom.log'] = Buffer.concat([garbage, Buffer.from('\n')]);
    files['nul.log'] = Buffer.from('a\0b\0\0c\nline with \0 inside\n\0\0\0\n');
    // lone continuation byte, overlong '/', encoded surrogate, and a 4-byte character across a 64 KiB read boundary
    const pad = Buffer.alloc(65536 - 2, 0x61);
    files['utf8.log'] = Buffer.concat([
      Buffer.from([0x80, 0x0a, 0xc0, 0xaf, 0x0a, 0xed, 0xa0, 0x80, 0x0a]),
      pad,
      Buffer.from('😀 straddles the read boundary\n'),
    ]);
    files['crlf.log'] = Buffer.from('windows\r\nline two\r\nlone\rcarriage return\n\r\n');
    files['empty.log'] = Buffer.alloc(0);
    const huge = Buffer.alloc((CI_SUBSET ? 8 : 64) * 1024 * 1024, 0x7a);
    files['huge.log'] = huge; // no newline yet
    for (const [n, b] of Object.entries(files)) fs.writeFileSync(path.join(env.logs, n), b);
    const mapping = mappingConflicts();
    fs.writeFileSync(path.join(env.logs, 'mapping.log'), mapping.bytes);
    const p = new Pipeline(env);
    p.startSink();
    p.startAgent();
    await new Promise((r) => setTimeout(r, 3000));
    // The huge line ends, and the file keeps being tailed: later lines arrive.
    fs.appendFileSync(path.join(env.logs, 'huge.log'), '\nafter the huge line\n');
    files['huge.log'] = Buffer.concat([huge, Buffer.from('\nafter the huge line\n')]);
    let written = 0;
    let indexedTotal = 0;
    for (const [n, bytes] of Object.entries(files)) {
      const file = path.join(env.logs, n);
      const want = expectedLines(bytes);
      written += want.length;
      const got = await waitFor(
        `${want.length} lines of ${n}`,
        async () => {
          const d = await docsOf(env.prefix, file);
          return d.size >= want.length ? d : undefined;
        },
        180_000,
        1000,
      );
      expect(got.size, n).toBe(want.length);
      for (const l of want) {
        const d = got.get(l.offset);
        expect(d, `${n} @${l.offset}`).toBeDefined();
        expect(d!.count, `${n} @${l.offset} duplicated`).toBe(1);
        if (l.truncated || Buffer.byteLength(l.text) > MAX_EVENT_BYTES / 2) {
          expect(d!.truncated, `${n} @${l.offset} marked truncated`).toBe(true);
          expect(l.text.startsWith(d!.message.slice(0, 1000)), `${n} @${l.offset} prefix`).toBe(true);
        } else {
          expect(d!.message, `${n} @${l.offset}`).toBe(l.text);
        }
        if (l.invalidUtf8) expect(d!.invalid, `${n} @${l.offset} marked invalid`).toBe(true);
      }
      indexedTotal += got.size;
    }
    const conflicts = await expectMappingConflicts(env, mapping);
    written += conflicts.written;
    indexedTotal += conflicts.indexed;
    await expectBalanced(env);
    await expectFreshLineSearchable(env, path.join(env.logs, 'crlf.log'));
    await p.stop();
    record({
      scenario: name,
      fault:
        'urandom, NUL, invalid UTF-8, 4-byte char across reads, huge line, CRLF/CR, empty file; JSON lines conflicting with the mapping (too deep, too long a keyword or key)',
      written,
      indexed: indexedTotal,
      duplicates: 0,
      lost: 0,
      deadLettered: conflicts.deadLettered,
      kafkaDuplicates: 0,
      seed,
      seconds: Math.round((Date.now() - t0) / 1000),
      others:
        "Vector's file source stops reading a file at an over-long line until it is rotated (max_line_bytes discards); Fluent Bit skips long lines only with Skip_Long_Lines, else stops the file. Filebeat drops documents Elasticsearch refuses with a 400 unless non_indexable_policy is dead_letter_index.",
    });
    expect(crypto).toBeDefined();
  });
});
