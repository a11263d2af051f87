// Multiline (off by default): joins continuation lines onto the line before them, so a stack trace is one
// event. A line matching the continuation pattern joins the current event; any other line starts a new one.
// An event is also closed at max_lines, max_bytes, or after timeout_ms without a new line. Pure.
import { compileLineRegex } from '../../common/line-regex.js';
import type { Config } from '../../config/types.js';
import type { FramedLine } from './line-framer.js';

export const MULTILINE_PRESETS: Record<string, string> = {
  // Java: "\tat ...", "... 12 more", "Caused by: ...", "Suppressed: ...", and other indented lines.
  java: '^(\\s+at\\s|\\s+\\.\\.\\.\\s\\d+\\s(more|common frames omitted)|\\s*Caused by:|\\s*Suppressed:|\\s)',
  // Python: the traceback header, indented frames, the chained-exception notes and the final "SomeError: ..." line.
  python:
    '^(\\s|Traceback \\(most recent call last\\):|During handling of the above exception|The above exception was the direct cause|[A-Za-z_][\\w.]*(Error|Exception|Exit|Interrupt|Warning|Iteration)(:|$))',
};

export interface MultilineOptions {
  /** RegExp or a LineRegex (common/line-regex.ts): an operator's pattern runs on RE2, in linear time. */
  continuation: { test(text: string): boolean };
  maxLines: number;
  maxBytes: number;
  timeoutMs: number;
}

/** One event out of multiline: a line, or lines joined (`text` joined by '\n', from the first line's offset to
 * the last line's end). */
export interface JoinedLine extends FramedLine {
  /** How many lines were joined, when more than one. */
  lines?: number;
}

export interface Multiline {
  push(line: FramedLine, now: number): JoinedLine[];
  /** Close the pending event when it waited timeoutMs (or always with force). */
  flush(now: number, force?: boolean): JoinedLine[];
  readonly pending: boolean;
}

/** A new joiner per file generation as `agent.multiline` says; undefined when multiline is off. */
export function multilineFactory(m: Config['agent']['multiline']): (() => Multiline) | undefined {
  if (m.mode === 'off') return undefined;
  const continuation = m.mode === 'pattern' ? compileLineRegex(m.pattern) : new RegExp(MULTILINE_PRESETS[m.mode]);
  return () => createMultiline({ continuation, maxLines: m.max_lines, maxBytes: m.max_bytes, timeoutMs: m.timeout_ms });
}

export function createMultiline(o: MultilineOptions): Multiline {
  let cur:
    | { first: FramedLine; texts: string[]; bytes: number; end: number; truncated: boolean; invalid: boolean; lines: number; last: number }
    | undefined;

  function close(): JoinedLine[] {
    if (!cur) return [];
    const c = cur;
    cur = undefined;
    // The first line's own fields (a container record's stream and time) are the event's.
    const line: JoinedLine = {
      ...c.first,
      offset: c.first.offset,
      end: c.end,
      text: c.texts.join('\n'),
      bytes: c.bytes,
      truncated: c.truncated,
      invalidUtf8: c.invalid,
      partial: false,
    };
    if (c.lines > 1) line.lines = c.lines;
    return [line];
  }

  return {
    push(line, now) {
      const out: JoinedLine[] = [];
      const continues = cur !== undefined && o.continuation.test(line.text);
      if (cur && continues && cur.lines < o.maxLines && cur.bytes + line.bytes <= o.maxBytes) {
        cur.texts.push(line.text);
        cur.bytes += line.bytes + 1;
        cur.end = line.end;
        cur.truncated ||= line.truncated;
        cur.invalid ||= line.invalidUtf8;
        cur.lines++;
        cur.last = now;
        return out;
      }
      if (cur && continues) cur.truncated = true; // over max_lines / max_bytes: what follows is a new event
      out.push(...close());
      cur = {
        first: line,
        texts: [line.text],
        bytes: line.bytes,
        end: line.end,
        truncated: line.truncated,
        invalid: line.invalidUtf8,
        lines: 1,
        last: now,
      };
      return out;
    },
    flush(now, force = false) {
      if (!cur) return [];
      if (force || now - cur.last >= o.timeoutMs) return close();
      return [];
    },
    get pending() {
      return cur !== undefined;
    },
  };
}
