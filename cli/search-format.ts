// How `logship search` prints a line: -o text (time, level, host, short source, message), json (the whole event),
// raw (the line as it was written) or logfmt. Pure. Text from the logs never reaches the terminal raw: control
// characters are escaped (terminal-text.ts), in every mode.
import { escapeControls, safeJson } from './terminal-text.js';

export type OutputMode = 'text' | 'json' | 'raw' | 'logfmt';
export const OUTPUT_MODES: OutputMode[] = ['text', 'json', 'raw', 'logfmt'];

export interface LineStyle {
  mode: OutputMode;
  /** Times in UTC rather than the local zone. */
  utc: boolean;
  color: boolean;
  /** With --around: ">" marks a hit, " " a line around it (text mode). */
  mark?: 'hit' | 'context';
}

const RESET = '\u001b[0m';
const LEVEL_COLORS: Record<string, string> = {
  fatal: '\u001b[1;35m',
  error: '\u001b[31m',
  warn: '\u001b[33m',
  warning: '\u001b[33m',
  info: '\u001b[32m',
  debug: '\u001b[36m',
  trace: '\u001b[2m',
};
const DIM = '\u001b[2m';

/**
 * Colour on a terminal only: `always`/`never` win; otherwise a TTY, NO_COLOR unset or empty (no-color.org), and
 * not TERM=dumb.
 */
export function useColor(flag: string | undefined, isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  if (flag === 'always') return true;
  if (flag === 'never') return false;
  return isTTY && !env.NO_COLOR && env.TERM !== 'dumb';
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** 2026-12-01 12:00:00.123 in the local zone, or 2026-12-01 12:00:00.123Z in UTC. */
export function formatTime(iso: unknown, utc: boolean): string {
  const d = new Date(String(iso));
  if (Number.isNaN(d.getTime())) return String(iso);
  if (utc) return d.toISOString().replace('T', ' ');
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
  );
}

type Src = Record<string, unknown>;
const obj = (v: unknown): Src | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Src) : undefined);

export function levelOf(src: Src): string | undefined {
  const l = obj(src.log)?.level;
  return typeof l === 'string' ? l : undefined;
}

/** The file's name without its directories, or the source's name (stdin, a command). */
export function shortSource(src: Src): string {
  const path = obj(obj(src.log)?.file)?.path;
  if (typeof path === 'string') return path.slice(path.lastIndexOf('/') + 1) || path;
  const name = obj(obj(src.logship)?.source)?.name;
  return typeof name === 'string' ? name : '-';
}

/** A JSON line's own message (pino `msg`, ECS `message`), else the line. */
export function messageOf(src: Src): string {
  const json = obj(src.json);
  const own = json?.msg ?? json?.message;
  if (typeof own === 'string') return own;
  return typeof src.message === 'string' ? src.message : JSON.stringify(src.message ?? '');
}

function textLine(src: Src, s: LineStyle): string {
  const level = levelOf(src);
  let lv = (level ?? '-').toUpperCase().slice(0, 5).padEnd(5);
  if (s.color && level && LEVEL_COLORS[level.toLowerCase()]) lv = `${LEVEL_COLORS[level.toLowerCase()]}${lv}${RESET}`;
  let time = formatTime(src['@timestamp'], s.utc);
  if (s.color) time = `${DIM}${time}${RESET}`;
  const name = obj(src.host)?.name;
  const host = typeof name === 'string' ? name : '-';
  const mark = s.mark === undefined ? '' : s.mark === 'hit' ? '> ' : '  ';
  return `${mark}${time} ${lv} ${escapeControls(host)} ${escapeControls(shortSource(src))} ${escapeControls(messageOf(src))}`;
}

/** A logfmt value: bare when it can be, else quoted with \ " and newlines escaped. */
export function logfmtValue(v: unknown): string {
  const s = typeof v === 'string' ? v : (JSON.stringify(v) ?? 'null');
  if (s !== '' && !/[\s"=\\]/.test(s)) return s;
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

function flatten(prefix: string, v: unknown, out: Array<[string, unknown]>): void {
  const o = obj(v);
  if (o) for (const [k, x] of Object.entries(o)) flatten(prefix ? `${prefix}.${k}` : k, x, out);
  else out.push([prefix, v]);
}

const JSON_SKIP = new Set(['msg', 'message', 'time', 'timestamp', '@timestamp', 'ts', 'level']);

function logfmtLine(src: Src): string {
  const pairs: Array<[string, unknown]> = [
    // The stored time: UTC ISO 8601, what logfmt readers parse.
    ['time', src['@timestamp']],
    ['level', levelOf(src) ?? ''],
    ['host', obj(src.host)?.name ?? ''],
    ['source', shortSource(src)],
    ['msg', messageOf(src)],
  ];
  const json: Array<[string, unknown]> = [];
  flatten('', obj(src.json) ?? {}, json);
  pairs.push(...json.filter(([k]) => !JSON_SKIP.has(k)));
  return escapeControls(pairs.map(([k, v]) => `${k.replace(/[\s="]/g, '_')}=${logfmtValue(v)}`).join(' '), { oneLine: true });
}

/** One event as printed, with its newline. */
export function formatLine(src: Src, s: LineStyle): string {
  switch (s.mode) {
    case 'json':
      return safeJson(src) + '\n';
    case 'raw':
      return escapeControls(typeof src.message === 'string' ? src.message : JSON.stringify(src.message ?? '')) + '\n';
    case 'logfmt':
      return logfmtLine(src) + '\n';
    default:
      return textLine(src, s) + '\n';
  }
}
