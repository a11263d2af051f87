// Our own logs: JSON on stderr (stdout is for data), with configured secrets and URL passwords redacted
// (common/redact.ts) from each line before it is written.
import { pino, type Logger } from 'pino';
import { Writable } from 'node:stream';
import { createRedactor } from './redact.js';

export type { Logger };
export { redactText } from './redact.js';

/**
 * The process's logger is named after its command (`name`: agent, sink, demo...). A part of the process logs
 * through a child with `component` (demo's sink and agent): a child given `name` again would write the key twice
 * in one JSON line, which JSON parsers resolve differently.
 */
export function componentLogger(log: Logger, component: string): Logger {
  return log.child({ component });
}

export function createLogger(
  opts: { level?: string; name?: string; secrets?: string[]; destination?: NodeJS.WritableStream } = {},
): Logger {
  const redact = createRedactor(opts.secrets ?? []);
  const dest = opts.destination ?? process.stderr;
  const pretty = dest === process.stderr && process.stderr.isTTY === true;
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      let line = redact(chunk.toString('utf8'));
      if (pretty) line = prettyLine(line);
      dest.write(line, cb);
    },
  });
  return pino(
    { level: opts.level ?? 'info', name: opts.name, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    stream,
  );
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

function prettyLine(line: string): string {
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    const { time, level, msg, pid: _pid, name, component, ...rest } = o;
    const extra = Object.keys(rest).length ? ' ' + JSON.stringify(rest) : '';
    const label = [name, component].filter(Boolean).join('/');
    return `${String(time).slice(11, 23)} ${LEVELS[level as number] ?? String(level)} ${label ? `[${label}] ` : ''}${String(msg)}${extra}\n`;
  } catch {
    return line;
  }
}
