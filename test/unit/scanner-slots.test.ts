// The scanner, opener and tailers over a real directory with many files: checkpoints are written once per scan
// or read round (not once per file), yet no line leaves before its file's identity is in a written checkpoint;
// with agent.max_open_files, files wait for a slot in turn, idle files give theirs up, and a file closed while
// idle is reopened from its checkpoint when it changes (a different file at the path is a new file).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createAgentMetrics } from '../../agent/metrics.js';
import { createBatcher, type Batcher } from '../../agent/pipeline/batcher.js';
import { FileSlots, IDLE_MS } from '../../agent/sources/files/file-slots.js';
import { FileOpener } from '../../agent/sources/files/opener.js';
import { createScanner } from '../../agent/sources/files/scanner.js';
import type { FileTailer, TailerContext } from '../../agent/sources/files/tailer.js';
import type { CheckpointState, FileCheckpoint } from '../../agent/state/checkpoint-store.js';
import { openTimeJournal } from '../../agent/state/time-journal.js';

let dir: string;
let stop: Array<() => Promise<void> | void> = [];
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logship-slots-'));
  fs.mkdirSync(path.join(dir, 'logs'));
  fs.mkdirSync(path.join(dir, 'state'));
});
afterEach(async () => {
  for (const s of stop) await s();
  stop = [];
  fs.rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const logFile = (i: number) => path.join(dir, 'logs', `f${String(i).padStart(5, '0')}.log`);

interface Sent {
  message: string;
  offset: number;
  identity: string;
  path: string;
}

/** What agent.ts wires, with a checkpointer that keeps its "file" in memory and counts writes. */
function agentParts(maxOpenFiles: number, scanIntervalMs = 20) {
  let clock = 1_000_000;
  const silent = pino({ level: 'silent' });
  const metrics = createAgentMetrics(silent);
  const sent: Sent[] = [];
  /** Lines handed over while their identity was in no written checkpoint (must stay empty). */
  const early: string[] = [];
  const inner = createBatcher({
    maxEvents: 1000,
    maxBytes: 1 << 20,
    lingerMs: 0,
    maxInflightBytes: 1 << 24,
    async send(batch) {
      for (const e of batch) {
        const ev = JSON.parse(e.value.toString());
        sent.push({ message: ev.message, offset: ev.log.offset, identity: ev.logship.source.identity, path: ev.log.file.path });
      }
    },
  });
  const batcher: Batcher = Object.create(inner, {
    add: {
      value(e: Parameters<Batcher['add']>[0]) {
        const id = JSON.parse(e.value.toString()).logship.source.identity;
        if (!Object.values(onDisk.files).some((f) => f.identity === id && f.fpLen > 0)) early.push(id);
        inner.add(e);
      },
    },
  });
  const tailers = new Map<string, FileTailer>();
  const slots = new FileSlots(maxOpenFiles);
  let dirty = false;
  let writes = 0;
  let onDisk: CheckpointState = { files: {}, streams: {} };
  const write = () => {
    const files: Record<string, FileCheckpoint> = {};
    for (const [key, t] of tailers) files[key] = { ...t.checkpoint() };
    for (const [key, p] of slots.parked) files[key] ??= { ...p.entry };
    onDisk = { files, streams: {} };
    dirty = false;
    writes++;
  };
  const checkpointer = {
    get state() {
      return onDisk;
    },
    get dirty() {
      return dirty;
    },
    markDirty: () => void (dirty = true),
    soon: write,
    now: write,
  };
  const now = () => clock;
  const opener = new FileOpener({ log: silent, metrics, now, markDirty: checkpointer.markDirty });
  const journal = openTimeJournal(path.join(dir, 'state'), { now });
  const ctx: TailerContext = {
    host: 'h',
    maxLineBytes: 1 << 16,
    readBufferBytes: 1 << 16,
    partialFlushMs: 0,
    parseJson: false,
    batcher,
    metrics,
    journal,
    now,
    persist: {
      request: () => {
        dirty = true;
        return writes;
      },
      get written() {
        return writes;
      },
      failing: false,
    },
  };
  let scans = 0;
  let maxOpen = 0;
  let maxWaiting = 0;
  const scanner = createScanner({
    files: { include: [`${dir}/logs/*.log`], exclude: [], follow_symlinks: false },
    closeInactiveMs: 30_000,
    scanIntervalMs,
    readFromEnd: false,
    tailers,
    slots,
    opener,
    checkpointer,
    ctx: () => ctx,
    metrics,
    now,
    scanned: () => {
      scans++;
      maxOpen = Math.max(maxOpen, [...tailers.values()].filter((t) => !t.closed).length);
      maxWaiting = Math.max(maxWaiting, slots.waiting);
    },
  });
  stop.push(async () => {
    await scanner.stop();
    for (const t of tailers.values()) t.close();
    journal.close();
  });
  /** What the read pump does: rounds over the open files, a checkpoint write after a round that needs one. */
  async function pump() {
    let progressed = true;
    while (progressed) {
      progressed = false;
      for (const t of [...tailers.values()]) if (t.readOnce() === 'data') progressed = true;
      if (scanner.rebalance()) progressed = true;
      if (dirty) write();
    }
    await batcher.flush();
  }
  return {
    scanner,
    tailers,
    slots,
    sent,
    early,
    pump,
    tick: (ms: number) => (clock += ms),
    get writes() {
      return writes;
    },
    get scans() {
      return scans;
    },
    get maxOpen() {
      return maxOpen;
    },
    get maxWaiting() {
      return maxWaiting;
    },
    write,
    onDisk: () => onDisk,
  };
}

/** Reads, lets time pass for idle files, and waits for scans until `done`. */
async function drive(h: ReturnType<typeof agentParts>, done: () => boolean) {
  for (let i = 0; i < 400 && !done(); i++) {
    await h.pump();
    h.tick(IDLE_MS);
    await sleep(25);
  }
  await h.pump();
}

function expectOnce(sent: Sent[], lines: string[]) {
  const seen = new Map<string, number>();
  for (const s of sent) seen.set(s.message, (seen.get(s.message) ?? 0) + 1);
  expect(lines.filter((l) => seen.get(l) !== 1).slice(0, 5)).toEqual([]);
  expect(sent).toHaveLength(lines.length);
}

describe('many files', () => {
  it('checkpoints are written once per scan or round, and no line leaves before its identity is on disk', async () => {
    const h = agentParts(10_000);
    const lines: string[] = [];
    const create = (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const ls = [`file ${i} line 1`, `file ${i} line 2`];
        fs.writeFileSync(logFile(i), ls.join('\n') + '\n');
        lines.push(...ls);
      }
    };
    create(0, 300);
    h.scanner.start();
    expect(h.tailers.size).toBe(300);
    expect(h.writes).toBe(1); // the first scan: one write for 300 new files
    await h.pump();
    expect(h.writes).toBe(2); // one round read every first chunk; one write let them all go
    create(300, 600);
    await drive(h, () => h.sent.length === lines.length);
    expectOnce(h.sent, lines);
    expect(h.early).toEqual([]);
    // Was one per file (600 writes of a growing file): now at most one per scan and one per read round.
    expect(h.writes).toBeLessThan(h.scans + 30);
    expect(h.writes).toBeLessThan(60);
  });

  it('with max_open_files, files wait in turn, idle ones give their slot up, and every line is read once', async () => {
    const h = agentParts(10);
    const lines: string[] = [];
    for (let i = 0; i < 35; i++) {
      const ls = Array.from({ length: 1 + (i % 3) }, (_, j) => `file ${i} line ${j}`);
      fs.writeFileSync(logFile(i), ls.join('\n') + '\n');
      lines.push(...ls);
    }
    h.scanner.start();
    await drive(h, () => h.sent.length === lines.length);
    expectOnce(h.sent, lines);
    expect(h.early).toEqual([]);
    expect(h.maxOpen).toBe(10);
    expect(h.maxWaiting).toBe(25);
    h.write();
    // Each file's checkpoint is at its end, whether it is open or was closed while idle.
    const files = Object.values(h.onDisk().files);
    expect(files).toHaveLength(35);
    for (const f of files) expect(f.offset, f.path).toBe(fs.statSync(f.path).size);
    expect(h.slots.parked.size).toBe(25);
  });

  it('slots pass from idle files to waiting ones between scans too (after read rounds)', async () => {
    const h = agentParts(2, 600_000);
    const lines: string[] = [];
    for (let i = 0; i < 7; i++) {
      fs.writeFileSync(logFile(i), `file ${i} only line\n`);
      lines.push(`file ${i} only line`);
    }
    h.scanner.start(); // the first scan; no other comes within this test
    for (let i = 0; i < 20 && h.sent.length < lines.length; i++) {
      await h.pump();
      h.tick(IDLE_MS);
    }
    expectOnce(h.sent, lines);
    expect(h.scans).toBe(1);
    expect(h.early).toEqual([]);
  });

  it('a file closed while idle is reopened from its checkpoint when it grows; a different file at its path is new', async () => {
    const h = agentParts(2);
    for (let i = 0; i < 6; i++) fs.writeFileSync(logFile(i), `file ${i} first\n`);
    h.scanner.start();
    await drive(h, () => h.sent.length === 6);
    const parked = [...h.slots.parked.values()].map((p) => p.entry.path).sort();
    expect(parked.length).toBe(4);
    const [grows, replaced] = parked;
    const before = (p: string) => h.sent.find((s) => s.path === p)!;
    const old = { grows: before(grows), replaced: before(replaced) };

    fs.appendFileSync(grows, 'appended later\n');
    // Rewritten in place (same inode) with other, longer content: not the file the checkpoint describes.
    fs.writeFileSync(replaced, 'something else entirely, and longer than before\n');
    await drive(h, () => h.sent.length === 8);
    const appended = h.sent.find((s) => s.message === 'appended later')!;
    expect(appended).toMatchObject({ identity: old.grows.identity, offset: Buffer.byteLength(old.grows.message) + 1 });
    const other = h.sent.find((s) => s.message.startsWith('something else'))!;
    expect(other.offset).toBe(0);
    expect(other.identity).not.toBe(old.replaced.identity);
    expect(h.sent).toHaveLength(8); // nothing read twice
    expect(h.early).toEqual([]);
  });
});
