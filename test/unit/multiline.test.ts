// The multiline joiner: continuation lines join the event before them (a stack trace is one event), an event is
// cut at max_lines or max_bytes and closed after timeout_ms; the joined event starts at its first line's offset
// and ends where its last line ends.
import { describe, expect, it } from 'vitest';
import type { FramedLine } from '../../agent/pipeline/line-framer.js';
import { MULTILINE_PRESETS, createMultiline, multilineFactory, type JoinedLine } from '../../agent/pipeline/multiline.js';

/** Framed lines of `texts` as they would come from a file starting at `start`. */
function framed(texts: string[], start = 0, flags: Partial<FramedLine> = {}): FramedLine[] {
  let offset = start;
  return texts.map((text) => {
    const bytes = Buffer.byteLength(text);
    const line = { offset, end: offset + bytes + 1, text, bytes, truncated: false, invalidUtf8: false, partial: false, ...flags };
    offset = line.end;
    return line;
  });
}

const opts = { maxLines: 500, maxBytes: 1 << 20, timeoutMs: 1000 };

function joinAll(continuation: RegExp | string, texts: string[], o: Partial<typeof opts> = {}): JoinedLine[] {
  const ml = createMultiline({ ...opts, ...o, continuation: new RegExp(continuation) });
  return [...framed(texts).flatMap((l) => ml.push(l, 0)), ...ml.flush(0, true)];
}

describe('multiline', () => {
  it('java preset: frames, "... n more", "Caused by:" and "Suppressed:" join the line before them', () => {
    const trace = [
      'Exception in thread "main" java.lang.IllegalStateException: boom',
      '\tat com.example.App.run(App.java:10)',
      '\t... 12 more',
      'Caused by: java.io.IOException: disk',
      '\tSuppressed: java.lang.Exception: close',
      '    at com.example.Res.close(Res.java:3)',
    ];
    const out = joinAll(MULTILINE_PRESETS.java, [...trace, '2025-01-01 INFO next']);
    expect(out.map((e) => e.text)).toEqual([trace.join('\n'), '2025-01-01 INFO next']);
    expect(out[0].lines).toBe(6);
    expect(out[1].lines).toBeUndefined(); // a single line is not marked
  });

  it('python preset: the traceback, its frames, the chained-exception notes and the final error line', () => {
    const tb = [
      'ERROR handler failed',
      'Traceback (most recent call last):',
      '  File "app.py", line 3, in <module>',
      '    main()',
      "KeyError: 'x'",
      'During handling of the above exception, another exception occurred:',
      'Traceback (most recent call last):',
      'app.errors.ConfigError: missing key',
    ];
    const out = joinAll(MULTILINE_PRESETS.python, [...tb, 'INFO done']);
    expect(out.map((e) => [e.text, e.lines])).toEqual([
      [tb.join('\n'), tb.length],
      ['INFO done', undefined],
    ]);
  });

  it('pattern mode, and off, from the agent config', () => {
    const cfg = { pattern: '^\\+', max_lines: 500, max_bytes: 1 << 20, timeout_ms: 1000 };
    expect(multilineFactory({ ...cfg, mode: 'off' })).toBeUndefined();
    const ml = multilineFactory({ ...cfg, mode: 'pattern' })!();
    const out = [...framed(['a', '+b', '+c', 'd']).flatMap((l) => ml.push(l, 0)), ...ml.flush(0, true)];
    expect(out.map((e) => e.text)).toEqual(['a\n+b\n+c', 'd']);
    // Each call makes a joiner of its own (one per file generation).
    const factory = multilineFactory({ ...cfg, mode: 'java' })!;
    expect(factory()).not.toBe(factory());
  });

  it('the joined event starts at its first line and ends where its last line ends; bytes count the newlines', () => {
    const ml = createMultiline({ ...opts, continuation: /^\s/ });
    const lines = framed(['head', '  one', '  two', 'next'], 100);
    const out = [...lines.flatMap((l) => ml.push(l, 0)), ...ml.flush(0, true)];
    expect(out[0]).toEqual({
      offset: 100,
      end: lines[2].end,
      text: 'head\n  one\n  two',
      bytes: 4 + 1 + 5 + 1 + 5,
      truncated: false,
      invalidUtf8: false,
      partial: false,
      lines: 3,
    });
    expect(out[1]).toMatchObject({ offset: lines[3].offset, end: lines[3].end, text: 'next' });
  });

  it('a cut or invalid line marks the whole event', () => {
    const ml = createMultiline({ ...opts, continuation: /^\s/ });
    const out = [
      ...ml.push(framed(['head'])[0], 0),
      ...ml.push(framed([' cut'], 5, { truncated: true })[0], 0),
      ...ml.push(framed([' bad\uFFFD'], 10, { invalidUtf8: true })[0], 0),
      ...ml.flush(0, true),
    ];
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ truncated: true, invalidUtf8: true, lines: 3 });
  });

  it('max_lines: the event is cut (marked truncated) and the next continuation line starts a new one', () => {
    const out = joinAll(/^\s/, ['head', ' 1', ' 2', ' 3', ' 4'], { maxLines: 3 });
    expect(out.map((e) => [e.text, e.lines, e.truncated])).toEqual([
      ['head\n 1\n 2', 3, true],
      [' 3\n 4', 2, false],
    ]);
  });

  it('max_bytes: a line that would take the event past it starts a new event', () => {
    // 'head' (4) + newline + ' 123' (4) = 9 <= 10; one more line would make 14.
    const out = joinAll(/^\s/, ['head', ' 123', ' 456'], { maxBytes: 10 });
    expect(out.map((e) => [e.text, e.bytes, e.truncated])).toEqual([
      ['head\n 123', 9, true],
      [' 456', 4, false],
    ]);
  });

  it('timeout: the pending event is closed timeout_ms after its last line, or at once with force', () => {
    const ml = createMultiline({ ...opts, continuation: /^\s/ });
    const [head, cont] = framed(['head', ' more']);
    expect(ml.pending).toBe(false);
    expect(ml.push(head, 0)).toEqual([]);
    expect(ml.pending).toBe(true);
    expect(ml.push(cont, 800)).toEqual([]); // a joined line restarts the wait
    expect(ml.flush(1799)).toEqual([]);
    const out = ml.flush(1800);
    expect(out.map((e) => e.text)).toEqual(['head\n more']);
    expect(ml.pending).toBe(false);
    expect(ml.flush(5000, true)).toEqual([]); // nothing left

    ml.push(head, 10_000);
    expect(ml.flush(10_001, true).map((e) => e.text)).toEqual(['head']);
  });

  it('a continuation line with nothing before it starts an event', () => {
    expect(joinAll(/^\s/, ['  orphan', '  more']).map((e) => e.text)).toEqual(['  orphan\n  more']);
  });
});
