// A stream (stdin, a wrapped command) whose spool cannot be written: lines are held, not produced, and the input
// paused; once the spool takes writes again every line is spooled and produced once, in order.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { createAgentMetrics } from '../../agent/metrics.js';
import { createBatcher, type QueuedEvent } from '../../agent/pipeline/batcher.js';
import { Spool } from '../../agent/sources/streams/spool.js';
import { StreamSource } from '../../agent/sources/streams/stream-source.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logship-spoolfull-'));
});
afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

describe('stream spool on a full disk', () => {
  it('holds lines and pauses the input until the spool takes them; then produces each once, in order', async () => {
    const sent: Array<{ message: string; seq: number }> = [];
    const batcher = createBatcher({
      maxEvents: 1000,
      maxBytes: 1 << 20,
      lingerMs: 0,
      maxInflightBytes: 1 << 24,
      async send(batch: QueuedEvent[]) {
        for (const e of batch) {
          const ev = JSON.parse(e.value.toString());
          sent.push({ message: ev.message, seq: ev.log.offset });
        }
      },
    });
    const metrics = createAgentMetrics(pino({ level: 'silent' }));
    const src = new StreamSource('s', 'stdin', undefined, {
      host: 'h',
      dataDir: dir,
      maxLineBytes: 1 << 16,
      spoolMaxBytes: 1 << 20,
      spoolFull: 'block',
      parseJson: false,
      batcher,
      metrics,
      now: Date.now,
    });
    const input = new PassThrough();
    const ended = src.attach(input);
    input.write('one\ntwo\n');
    await batcher.flush();
    expect(sent.map((s) => s.message)).toEqual(['one', 'two']);

    let full = true;
    const real = fs.writeSync.bind(fs) as (fd: number, b: Buffer) => number;
    vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, b: Buffer) => {
      if (full) throw enospc();
      return real(fd, b);
    }) as never);
    input.write('three\nfour\n');
    await new Promise((r) => setTimeout(r, 100));
    await batcher.flush();
    expect(sent).toHaveLength(2); // not on disk, so not sent
    expect(src.spoolFailure).toMatch(/cannot append to .*ENOSPC/);
    expect(input.isPaused()).toBe(true);
    const errors = await metrics.registry.getSingleMetricAsString('logship_agent_state_write_errors_total');
    expect(errors).toMatch(/file="spool"} [1-9]/);

    full = false;
    input.end('five\n');
    await ended; // resolves once every line is in the spool
    await batcher.flush();
    expect(sent.map((s) => s.message)).toEqual(['one', 'two', 'three', 'four', 'five']);
    expect(sent.map((s) => s.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(src.spoolFailure).toBeUndefined();
    src.close();
  });

  it('a record cut short is cut off again, so a reload sees whole records only', () => {
    const sp = new Spool(path.join(dir, 'sp'), 1 << 20);
    sp.load(0);
    sp.append({ seq: 0, time: 1, message: 'whole' });
    const real = fs.writeSync.bind(fs) as (fd: number, b: Buffer) => number;
    const spy = vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, b: Buffer) => real(fd, b.subarray(0, 5))) as never);
    expect(() => sp.append({ seq: 1, time: 2, message: 'cut short' })).toThrow(/cannot append to .*ENOSPC/);
    spy.mockRestore();
    sp.append({ seq: 1, time: 3, message: 'after' });
    sp.close();
    const again = new Spool(path.join(dir, 'sp'), 1 << 20);
    expect(again.load(0).map((r) => [r.seq, r.message])).toEqual([
      [0, 'whole'],
      [1, 'after'],
    ]);
    again.close();
  });
});
