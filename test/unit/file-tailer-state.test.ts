// A file tailer whose read-time journal cannot be written (the state directory's disk is full): nothing of the
// chunk is read or sent, and once the journal can be written again every line is sent once, in order, with the
// offsets it would have had.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createAgentMetrics } from '../../agent/metrics.js';
import { createBatcher, type QueuedEvent } from '../../agent/pipeline/batcher.js';
import { fingerprint } from '../../agent/sources/files/identity.js';
import { FileTailer } from '../../agent/sources/files/tailer.js';
import type { TimeJournal } from '../../agent/state/time-journal.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logship-tailer-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A journal that refuses marks while `full` is set, as the real one does on ENOSPC. */
function fakeJournal() {
  const marks: Array<[string, number, number]> = [];
  const j = {
    full: false,
    marks,
    timeFor: () => 1_700_000_000_000,
    noteChunk(identity: string, start: number, end: number) {
      if (j.full) return false;
      marks.push([identity, start, end]);
      return true;
    },
    compact() {},
    get failure() {
      return j.full ? 'cannot append to read-times.log: ENOSPC' : undefined;
    },
    close() {},
  };
  return j satisfies TimeJournal;
}

function tailer(file: string, journal: TimeJournal) {
  const sent: Array<{ message: string; offset: number; identity: string }> = [];
  const batcher = createBatcher({
    maxEvents: 1000,
    maxBytes: 1 << 20,
    lingerMs: 0,
    maxInflightBytes: 1 << 24,
    async send(batch: QueuedEvent[]) {
      for (const e of batch) {
        const ev = JSON.parse(e.value.toString());
        sent.push({ message: ev.message, offset: ev.log.offset, identity: ev.logship.source.identity });
      }
    },
  });
  const fd = fs.openSync(file, 'r');
  const st = fs.fstatSync(fd);
  const entry = {
    identity: '',
    dev: st.dev,
    ino: st.ino,
    path: file,
    offset: 0,
    fp: fingerprint(Buffer.alloc(0)),
    fpLen: 0,
    generation: 0,
    firstSeen: 1,
    updated: 1,
  };
  const t = new FileTailer(
    file,
    fd,
    entry,
    {
      host: 'h',
      maxLineBytes: 1 << 16,
      readBufferBytes: 64,
      partialFlushMs: 0,
      parseJson: false,
      batcher,
      metrics: createAgentMetrics(pino({ level: 'silent' })),
      journal,
      now: Date.now,
    },
    () => undefined,
  );
  return { t, sent, batcher };
}

describe('file tailer when read times cannot be written', () => {
  it('stalls without reading; resumes with every line once, at its offset', async () => {
    const file = path.join(dir, 'app.log');
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i} ${'x'.repeat(i)}`);
    fs.writeFileSync(file, lines.slice(0, 5).join('\n') + '\n');
    const j = fakeJournal();
    const { t, sent, batcher } = tailer(file, j);
    while (t.readOnce() === 'data');
    await batcher.flush();
    expect(sent.map((s) => s.message)).toEqual(lines.slice(0, 5));
    const identity = sent[0].identity;

    j.full = true;
    fs.appendFileSync(file, lines.slice(5).join('\n') + '\n');
    for (let i = 0; i < 5; i++) expect(t.readOnce()).toBe('stalled');
    await batcher.flush();
    expect(sent).toHaveLength(5); // nothing of the new bytes left without a mark
    expect(t.acked).toBe(Buffer.byteLength(lines.slice(0, 5).join('\n') + '\n'));

    j.full = false;
    while (t.readOnce() === 'data');
    await batcher.flush();
    expect(sent.map((s) => s.message)).toEqual(lines);
    let offset = 0;
    for (const [i, s] of sent.entries()) {
      expect(s.offset, lines[i]).toBe(offset);
      expect(s.identity).toBe(identity);
      offset += Buffer.byteLength(lines[i]) + 1;
    }
    // Every byte sent is covered by a mark, written before its lines left.
    expect(j.marks.at(-1)?.[2]).toBe(fs.statSync(file).size);
    expect(t.acked).toBe(fs.statSync(file).size);
    t.close();
  });

  it('a new file whose first chunk cannot be marked keeps no identity taken from it', async () => {
    const file = path.join(dir, 'new.log');
    fs.writeFileSync(file, 'first line of the first generation\nsecond\n');
    const j = fakeJournal();
    j.full = true;
    const { t, sent, batcher } = tailer(file, j);
    expect(t.readOnce()).toBe('stalled');
    expect(t.entry.identity).toBe('');
    // Rewritten before the disk frees up: the identity comes from what is read then.
    fs.writeFileSync(file, 'another first line\n');
    j.full = false;
    while (t.readOnce() === 'data');
    await batcher.flush();
    expect(sent.map((s) => s.message)).toEqual(['another first line']);
    expect(j.marks).toEqual([[t.entry.identity, 0, 'another first line\n'.length]]);
    t.close();
  });
});
