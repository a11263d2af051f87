import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCriLine } from '../../agent/pipeline/container-cri.js';
import { decodeDockerLine } from '../../agent/pipeline/container-docker.js';
import { createContainerJoiner, type ContainerLine } from '../../agent/pipeline/container-join.js';
import type { ContainerDecoder } from '../../agent/pipeline/container-record.js';
import type { FramedLine } from '../../agent/pipeline/line-framer.js';

const T = '2026-12-01T12:00:00.123456789Z';
const docker = (log: string, stream = 'stdout') => JSON.stringify({ log, stream, time: T });
const cri = (text: string, tag: 'P' | 'F', stream = 'stdout') => `${T} ${stream} ${tag} ${text}`;

/** Framed lines of `texts` as the framer gives them, from `start`. */
function frame(texts: string[], start = 0): FramedLine[] {
  let off = start;
  return texts.map((text) => {
    const bytes = Buffer.byteLength(text);
    const line = { offset: off, end: off + bytes + 1, text, bytes, truncated: false, invalidUtf8: false, partial: false };
    off = line.end;
    return line;
  });
}

function joiner(decode: ContainerDecoder = decodeDockerLine, maxLineBytes = 1 << 20) {
  const seen = { undecoded: 0, joined: 0, cut: 0 };
  const j = createContainerJoiner({
    decode,
    maxLineBytes,
    events: { undecoded: () => seen.undecoded++, joined: (_o, n) => (seen.joined += n - 1), cut: (_o, b) => (seen.cut += b) },
  });
  return { j, seen };
}

describe('container joiner', () => {
  it('unwraps whole records and joins pieces into one line at the first piece', () => {
    const { j, seen } = joiner();
    const framed = frame([docker('a\n'), docker('x'.repeat(5)), docker('y'.repeat(5)), docker('z\n'), docker('b\n', 'stderr')]);
    const out = j.push(framed);
    expect(out.map((l) => [l.text, l.offset, l.end, l.iostream])).toEqual([
      ['a', 0, framed[0].end, 'stdout'],
      ['xxxxxyyyyyz', framed[1].offset, framed[3].end, 'stdout'],
      ['b', framed[4].offset, framed[4].end, 'stderr'],
    ]);
    expect(out[1].recordTime).toBe('2026-12-01T12:00:00.123Z');
    expect(out[1].bytes).toBe(11);
    expect(seen).toEqual({ undecoded: 0, joined: 2, cut: 0 });
    expect(j.pending).toBe(false);
  });

  it('holds what follows a piece until the line is whole; the end never cuts an interleaved line', () => {
    const { j } = joiner(decodeCriLine);
    const framed = frame([cri('p1', 'P'), cri('err', 'F', 'stderr'), cri('p2', 'F'), cri('next', 'F')]);
    expect(j.push(framed.slice(0, 2))).toEqual([]);
    expect(j.pending).toBe(true);
    const out = j.push(framed.slice(2));
    expect(out.map((l) => [l.text, l.offset, l.end])).toEqual([
      ['p1p2', 0, 0], // acknowledged alone, reading would resume at its first piece: the stderr line is not yet acknowledged
      ['err', framed[1].offset, framed[2].end],
      ['next', framed[3].offset, framed[3].end],
    ]);
  });

  it('a line that is not a record passes untouched, in its place', () => {
    const { j, seen } = joiner();
    const framed = frame(['not json', docker('a\n')]);
    const out = j.push(framed);
    expect(out[0]).toEqual(framed[0]);
    expect(out[1].text).toBe('a');
    expect(seen.undecoded).toBe(1);
  });

  it('a joined line is cut at max_line_bytes (character boundary), the rest counted', () => {
    const { j, seen } = joiner(decodeDockerLine, 10);
    const out = j.push(frame([docker('éééé'), docker('éééé'), docker('x\n')]));
    expect(out).toHaveLength(1);
    expect(out[0].text).toBe('ééééé');
    expect(out[0].truncated).toBe(true);
    expect(seen.cut).toBe(17 - 10);
  });

  it('flush sends a line still missing pieces as far as it got', () => {
    const { j } = joiner();
    expect(j.push(frame([docker('half')]))).toEqual([]);
    expect(j.flush().map((l) => l.text)).toEqual(['half']);
    expect(j.pending).toBe(false);
  });

  it('a piece that never ends does not hold lines forever', () => {
    const j = createContainerJoiner({
      decode: decodeCriLine,
      maxLineBytes: 1000,
      maxHeldLines: 5,
      events: { undecoded() {}, joined() {}, cut() {} },
    });
    const out = j.push(frame([cri('open', 'P'), ...Array.from({ length: 6 }, (_, i) => cri(`e${i}`, 'F', 'stderr'))]));
    expect(out.map((l) => l.text)).toEqual(['open', 'e0', 'e1', 'e2', 'e3', 'e4', 'e5']);
  });
});

/** A container's output: lines on two streams, some split into pieces, pieces of the two streams interleaved. */
const arbOutput = fc.array(
  fc.record({
    stream: fc.constantFrom('stdout' as const, 'stderr' as const),
    pieces: fc.array(fc.string({ maxLength: 6 }), { minLength: 1, maxLength: 4 }),
  }),
  { maxLength: 12 },
);

/** Records as a runtime writes them (pieces of one stream in order, streams interleaved), and the lines they hold. */
function write(out: Array<{ stream: 'stdout' | 'stderr'; pieces: string[] }>, format: 'docker' | 'cri', order: number[]) {
  const queues = { stdout: [] as string[], stderr: [] as string[] };
  for (const l of out)
    l.pieces.forEach((p, i) =>
      queues[l.stream].push(
        format === 'docker'
          ? docker(i === l.pieces.length - 1 ? `${p}\n` : p, l.stream)
          : cri(p, i === l.pieces.length - 1 ? 'F' : 'P', l.stream),
      ),
    );
  const records: string[] = [];
  let k = 0;
  while (queues.stdout.length || queues.stderr.length) {
    const pick = (order[k++ % order.length] ?? 0) % 2 === 0 ? 'stdout' : 'stderr';
    const q = queues[pick].length ? queues[pick] : queues[pick === 'stdout' ? 'stderr' : 'stdout'];
    records.push(q.shift()!);
  }
  return records;
}

function run(decode: ContainerDecoder, framed: FramedLine[], cuts: number[]): ContainerLine[] {
  const { j } = joiner(decode);
  const out: ContainerLine[] = [];
  let i = 0;
  for (const c of [...cuts, framed.length]) {
    const to = Math.min(framed.length, Math.max(i, c));
    out.push(...j.push(framed.slice(i, to)));
    i = to;
  }
  return out;
}

describe('container joiner properties', () => {
  it('every line once, at its first piece; a crash after any acknowledged prefix re-reads exactly the rest', () => {
    fc.assert(
      fc.property(
        arbOutput,
        fc.constantFrom('docker' as const, 'cri' as const),
        fc.array(fc.nat(), { minLength: 1 }),
        fc.array(fc.nat({ max: 60 })),
        (lines, format, order, cuts) => {
          const decode = format === 'docker' ? decodeDockerLine : decodeCriLine;
          const framed = frame(write(lines, format, order));
          const out = run(decode, framed, cuts);
          // Per stream, the lines in order, each the concatenation of its pieces.
          for (const s of ['stdout', 'stderr'] as const)
            expect(out.filter((l) => l.iostream === s).map((l) => l.text)).toEqual(
              lines.filter((l) => l.stream === s).map((l) => l.pieces.join('')),
            );
          for (let i = 1; i < out.length; i++) {
            expect(out[i].offset).toBeGreaterThan(out[i - 1].offset);
            expect(out[i].end).toBeGreaterThanOrEqual(out[i - 1].end);
          }
          if (out.length) expect(out[out.length - 1].end).toBe(framed[framed.length - 1].end);
          // Acknowledged up to line i: reading resumes at its end and gives the lines after it, with the same offsets.
          for (let i = 0; i < out.length; i++) {
            const resume = out[i].end;
            const again = run(
              decode,
              framed.filter((f) => f.offset >= resume),
              [],
            );
            const want = out.filter((l) => l.offset >= resume);
            expect(again.map((l) => [l.offset, l.text])).toEqual(want.map((l) => [l.offset, l.text]));
            // Nothing not yet acknowledged lies below it (it would be lost); what lies above is re-sent with its id.
            expect(out.slice(i + 1).every((l) => l.offset >= resume)).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('any framed input: never throws, an undecodable line comes out as it went in', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string({ unit: 'binary' }),
            fc.string().map((s) => docker(s)),
            fc.string().map((s) => cri(s, 'P')),
          ),
        ),
        (texts) => {
          for (const decode of [decodeDockerLine, decodeCriLine]) {
            const { j } = joiner(decode);
            const framed = frame(texts);
            const out = [...j.push(framed), ...j.flush()];
            const undecoded = framed.filter((f) => decode(f.text) === undefined);
            // Its end (where reading resumes) may wait for a line around it; nothing else changes.
            const strip = ({ end: _end, ...rest }: FramedLine) => rest;
            expect(out.filter((l) => l.iostream === undefined).map(strip)).toEqual(undecoded.map(strip));
            expect(j.pending).toBe(false);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
