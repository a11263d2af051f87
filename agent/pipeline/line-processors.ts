// A source's processors, in this fixed order, on each event after multiline joined it and before it is built:
//   1. include_lines: when any is set, an event matching none is dropped;
//   2. exclude_lines: an event matching any is dropped;
//   3. redact: every match of each pattern (or of its (?<secret>...) group) is replaced by the mask.
// Parsing (JSON, plain time and level) comes after, on the redacted text, and the static fields last (event-
// builder.ts). Patterns are compiled once, at start, on RE2 (common/line-regex.ts): time linear in the line.
// Pure: the caller counts what was dropped and redacted, and still acknowledges a dropped line's offset, so the
// checkpoint moves past it.
import { compileLineRegex, type LineRegex } from '../../common/line-regex.js';

export interface ProcessorSpec {
  include_lines: readonly string[];
  exclude_lines: readonly string[];
  redact: readonly string[];
  redact_mask: string;
}

export interface LineProcessors {
  /** Whether anything is configured: without, the tailer skips the call. */
  readonly active: boolean;
  apply(text: string): ProcessedLine;
}

export type ProcessedLine = { keep: false } | { keep: true; text: string; redacted: number };

/** The group a redaction pattern may name to replace only part of its match. */
export const SECRET_GROUP = 'secret';

/** Compiles a source's processors; throws (LineRegexError, naming the problem) on a pattern that cannot run. */
export function createLineProcessors(spec: ProcessorSpec): LineProcessors {
  const include = spec.include_lines.map((p) => compileLineRegex(p));
  const exclude = spec.exclude_lines.map((p) => compileLineRegex(p));
  const redact: Array<{ re: LineRegex; group?: string }> = spec.redact.map((p) => ({
    re: compileLineRegex(p),
    group: /\(\?P?<secret>/.test(p) ? SECRET_GROUP : undefined,
  }));
  const mask = spec.redact_mask;
  return {
    active: include.length + exclude.length + redact.length > 0,
    apply(text) {
      if (include.length > 0 && !include.some((r) => r.test(text))) return { keep: false };
      if (exclude.some((r) => r.test(text))) return { keep: false };
      let redacted = 0;
      for (const { re, group } of redact) {
        const r = re.replace(text, mask, group);
        text = r.text;
        redacted += r.count;
      }
      return { keep: true, text, redacted };
    },
  };
}

export const NO_PROCESSORS: LineProcessors = { active: false, apply: (text) => ({ keep: true, text, redacted: 0 }) };
