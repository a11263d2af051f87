// Internal events about what a line held rather than where it came from: JSON outside the limits, a time outside
// the plausible window, a line whose event could not be built, a stream handler that threw. Every line is still
// sent; these say what was not taken from it and why. A hostile file can hold millions of such lines: the log says
// so on the first and every 1000th, the counters count each.
import { Counter, type Registry } from 'prom-client';
import { streakLevel, type FaultReporter } from '../common/internal-events.js';
import type { Logger } from '../common/logger.js';

const EVERY = { first: 'warn', every: 1000, repeat: 'warn' } as const;

export function createLineEvents(registry: Registry, log: Logger, fault: FaultReporter<'build' | 'stream', 'exception'>) {
  const jsonRefused = new Counter({
    name: 'logship_agent_lines_json_refused_total',
    help: 'JSON lines outside agent.json_max_depth or json_max_keys: sent as plain messages, marked log.json_error.',
    registers: [registry],
  });
  const timestampRefused = new Counter({
    name: 'logship_agent_lines_timestamp_refused_total',
    help: 'Lines whose own time was outside the plausible window (too_old, too_new): sent with the read time, their own in log.original_timestamp.',
    labelNames: ['reason'],
    registers: [registry],
  });
  const redactions = new Counter({
    name: 'logship_agent_redactions_total',
    help: "Matches of a source's redact patterns replaced by its mask before the line left the host.",
    registers: [registry],
  });
  const containerUndecoded = new Counter({
    name: 'logship_agent_lines_container_undecoded_total',
    help: 'Lines of a docker or cri source that were not a record of that format: sent as they were.',
    labelNames: ['format'],
    registers: [registry],
  });
  let undecoded = 0;
  let refusedJson = 0;
  let refusedTime = 0;
  let buildFailures = 0;
  let streamFailures = 0;
  return {
    jsonRefused(source: string, offset: number, reason: string) {
      jsonRefused.inc();
      log[streakLevel(++refusedJson, EVERY)](
        { source, offset, reason, total: refusedJson },
        'JSON line outside the limits: sent as a plain message',
      );
    },
    timestampRefused(source: string, offset: number, reason: 'too_old' | 'too_new' | 'invalid', original: string) {
      timestampRefused.inc({ reason });
      log[streakLevel(++refusedTime, EVERY)](
        { source, offset, reason, original_timestamp: original, total: refusedTime },
        "line's own time is outside the plausible window: sent with its read time",
      );
    },
    /** `n` secrets masked in one line: counted, never logged (the log must not say where a secret was). */
    redacted(n: number) {
      redactions.inc(n);
    },
    containerUndecoded(format: 'docker' | 'cri', source: string, offset: number) {
      containerUndecoded.inc({ format });
      log[streakLevel(++undecoded, EVERY)](
        { source, offset, format, total: undecoded },
        `line is not a ${format} log record: sent as it is`,
      );
    },
    /** Building or encoding a line's event threw: the plain line was sent instead, marked log.build_error. */
    buildFailed(source: string, offset: number, err: unknown) {
      fault({
        stage: 'build',
        errorType: 'exception',
        message: 'cannot build the event of a line: sent as a plain message',
        err,
        fields: { source, offset },
        consecutive: ++buildFailures,
        streak: EVERY,
      });
    },
    /** A stream's data handler threw: counted, and the input keeps flowing. */
    streamHandlerFailed(source: string, err: unknown) {
      fault({
        stage: 'stream',
        errorType: 'exception',
        message: 'stream input handler failed; input continues',
        err,
        fields: { source },
        consecutive: ++streamFailures,
        streak: EVERY,
      });
    },
  };
}
