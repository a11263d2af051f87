// Bad input in watched files: every byte sequence becomes lines the framer defines (the oracle applies the
// same pure framer to the same bytes), nothing is dropped, later lines keep arriving.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLineFramer } from '../../agent/line-framer.js';
import { MAX_EVENT_BYTES } from '../../agent/event-builder.js';
import { esJson, waitFor } from '../integration/helpers.js';
import { CI_SUBSET, Pipeline, chaosEnv, expectBalanced, expectFreshLineSearchable, record, rng, seedFor } from './harness.js';

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
      size: 2000, query: { term: { 'log.file.path': file } }, sort: [{ 'log.offset': 'asc' }, { 'event.id': 'asc' }],
      _source: ['message', 'log'], ...(after ? { search_after: after } : {}),
    });
    const hits = r.hits?.hits ?? [];
    if (hits.length === 0) break;
    for (const h of hits) {
      const o = h._source.log.offset as number;
      const prev = out.get(o);
      out.set(o, { message: h._source.message, truncated: h._source.log.truncated, invalid: h._source.log.invalid_utf8, count: (prev?.count ?? 0) + 1 });
    }
    after = hits[hits.length - 1].sort;
  }
  return out;
}

describe('chaos: bad input', () => {
  it('[ci] garbage, NUL bytes, invalid UTF-8, a huge line without newline, CRLF and lone CR, an empty file: all framed, none lost', async () => {
    const name = 'bad input in watched files';
    const seed = seedFor(name);
    const rand = rng(seed);
    const t0 = Date.now();
    const env = chaosEnv('badinput', { agent: { max_line_bytes: MAX_LINE, read_buffer_bytes: 65536 } });
    const files: Record<string, Buffer> = {};
    const garbage = Buffer.alloc((CI_SUBSET ? 2 : 10) * 1024 * 1024);
    for (let i = 0; i < garbage.length; i += 4) garbage.writeUInt32LE((rand() * 2 ** 32) >>> 0, i);
    files['urandom.log'] = Buffer.concat([garbage, Buffer.from('\n')]);
    files['nul.log'] = Buffer.from('a\0b\0\0c\nline with \0 inside\n\0\0\0\n');
    // lone continuation byte, overlong '/', encoded surrogate, and a 4-byte character across a 64 KiB read boundary
    const pad = Buffer.alloc(65536 - 2, 0x61);
    files['utf8.log'] = Buffer.concat([
      Buffer.from([0x80, 0x0a, 0xc0, 0xaf, 0x0a, 0xed, 0xa0, 0x80, 0x0a]),
      pad, Buffer.from('😀 straddles the read boundary\n'),
    ]);
    files['crlf.log'] = Buffer.from('windows\r\nline two\r\nlone\rcarriage return\n\r\n');
    files['empty.log'] = Buffer.alloc(0);
    const huge = Buffer.alloc((CI_SUBSET ? 8 : 64) * 1024 * 1024, 0x7a);
    files['huge.log'] = huge; // no newline yet
    for (const [n, b] of Object.entries(files)) fs.writeFileSync(path.join(env.logs, n), b);
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
      const got = await waitFor(`${want.length} lines of ${n}`, async () => {
        const d = await docsOf(env.prefix, file);
        return d.size >= want.length ? d : undefined;
      }, 180_000, 1000);
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
    await expectBalanced(env);
    await expectFreshLineSearchable(env, path.join(env.logs, 'crlf.log'));
    await p.stop();
    record({
      scenario: name, fault: 'urandom, NUL, invalid UTF-8, 4-byte char across reads, huge line, CRLF/CR, empty file', written, indexed: indexedTotal,
      duplicates: 0, lost: 0, deadLettered: 0, kafkaDuplicates: 0, seed, seconds: Math.round((Date.now() - t0) / 1000),
      others: 'Vector\'s file source stops reading a file at an over-long line until it is rotated (max_line_bytes discards); Fluent Bit skips long lines only with Skip_Long_Lines, else stops the file.',
    });
    expect(crypto).toBeDefined();
  });
});
