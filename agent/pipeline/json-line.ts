// Structured lines: a line that is a JSON object (pino, bunyan, ECS) keeps its text as `message` and its
// fields parsed. Its own time becomes @timestamp (when plausible: see timestamp-window.ts), which also keeps a
// re-sent line in the first copy's index.
// Parsing is bounded: a line nested deeper or with more members than the limits is not parsed at all (it parses,
// but JSON.stringify overflows the stack on it when the event is encoded, and Elasticsearch refuses it), and
// stays a plain message with the reason.
import { DEFAULT_JSON_LIMITS, jsonShapeProblem, type JsonLimits } from '../../common/json-bounds.js';

const PINO_LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

export interface ParsedJsonLine {
  fields: Record<string, unknown>;
  timestamp?: string;
  level?: string;
  message?: string;
}

/** A line read as JSON: `parsed` when it is a JSON object within the limits, `refused` (why) when it is outside them. */
export interface JsonLineResult {
  parsed?: ParsedJsonLine;
  refused?: string;
}

function toIso(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) {
    // Epoch seconds (with fraction) or milliseconds.
    const ms = v < 1e11 ? v * 1000 : v;
    const d = new Date(ms);
    return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
  }
  if (typeof v === 'string' && v.length >= 10) {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : new Date(t).toISOString();
  }
  return undefined;
}

/** Own properties only: a line's `__proto__` or `constructor` member is data, and a missing key never reads Object.prototype. */
function own(o: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function readJsonLine(text: string, limits: JsonLimits = DEFAULT_JSON_LIMITS): JsonLineResult {
  const first = text.charCodeAt(0);
  if (first !== 0x7b /* { */) return {};
  const refused = jsonShapeProblem(text, limits);
  if (refused) return { refused };
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    return {};
  }
  if (!isObject(obj)) return {};
  const fields = obj;
  const timestamp = toIso(own(fields, '@timestamp') ?? own(fields, 'time') ?? own(fields, 'timestamp') ?? own(fields, 'ts'));
  let level: string | undefined;
  const log = own(fields, 'log');
  const lv = own(fields, 'level') ?? own(fields, 'log.level') ?? (isObject(log) ? own(log, 'level') : undefined);
  if (typeof lv === 'number') level = PINO_LEVELS[lv] ?? String(lv);
  else if (typeof lv === 'string') level = lv.toLowerCase();
  const msg = own(fields, 'msg') ?? own(fields, 'message');
  return { parsed: { fields, timestamp, level, message: typeof msg === 'string' ? msg : undefined } };
}

/** The parsed line, or undefined when it is not a JSON object or is outside the limits. */
export function parseJsonLine(text: string, limits: JsonLimits = DEFAULT_JSON_LIMITS): ParsedJsonLine | undefined {
  return readJsonLine(text, limits).parsed;
}
