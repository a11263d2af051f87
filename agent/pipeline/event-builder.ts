// One framed line -> one event. The id comes from (host, source identity, offset); @timestamp from the line's
// own time when it has a plausible one, else from `readTime`, which the caller keeps stable across re-reads.
import { EVENT_VERSION, eventId, type LogEvent, type SourceType } from '../../common/event.js';
import { LogshipError } from '../../common/errors.js';
import { DEFAULT_JSON_LIMITS, type JsonLimits } from '../../common/json-bounds.js';
import { createEventSerializer } from './event-serializer.js';
import { readJsonLine } from './json-line.js';
import type { CompiledCustomFormat } from './plain-custom.js';
import { parsePlainLine, type PlainFormat } from './plain-parser.js';
import { DEFAULT_TIMESTAMP_WINDOW, judgeTimestamp, type TimestampWindow } from './timestamp-window.js';

export interface SourceInfo {
  type: SourceType;
  /** File path, or the configured source name of a stream. */
  name: string;
  identity: string;
  path?: string;
  /** A container's log file: what its path says about the container. */
  meta?: Pick<LogEvent, 'container' | 'kubernetes'>;
}

/** What an event is built from: a framed line, a multiline event, or a stream's spooled record. */
export interface EventLine {
  /** Byte offset of the line in its file, or sequence number in its stream. */
  offset: number;
  text: string;
  truncated: boolean;
  invalidUtf8: boolean;
  /** Lines joined into this event by multiline, when more than one. */
  lines?: number;
  /** A container runtime's record (agent/pipeline/container-join.ts): its stream and its time of the write. */
  iostream?: 'stdout' | 'stderr';
  recordTime?: string;
}

/** How a plain (non-JSON) line's time and level are read: plain-parser.ts. */
export interface PlainRules {
  format: 'auto' | PlainFormat | 'off';
  timezone: string;
  custom?: CompiledCustomFormat;
}

/**
 * How far a line's own content is trusted (the bound on its JSON, the window for its time), how a plain line is
 * parsed, and what its source adds to every event. One object per source, built once at start.
 */
export interface EventRules {
  json: JsonLimits;
  timestamps: TimestampWindow;
  /** Absent or format 'off' without a custom format: plain lines keep the read time and no level. */
  plain?: PlainRules;
  /** The source's static fields, already nested at their dots, and its tags. */
  fields?: Record<string, unknown>;
  tags?: string[];
}

export const DEFAULT_EVENT_RULES: EventRules = { json: DEFAULT_JSON_LIMITS, timestamps: DEFAULT_TIMESTAMP_WINDOW };

/** An event and what was not taken from its line (each is also marked on the event). */
export interface BuiltEvent {
  event: LogEvent;
  /** The line looked like JSON but was outside the limits: why. */
  jsonRefused?: string;
  /** The line's own time was not used: why. */
  timestampRefused?: 'too_old' | 'too_new' | 'invalid';
}

/** Kafka's default message.max.bytes is 1 MiB; keep every record below it whatever the escaping costs. */
export const MAX_EVENT_BYTES = 1_000_000;

/** The last read time and its ISO string: the lines of one read share their read time. */
let createdFor = NaN;
let createdIso = '';
function isoOf(readTime: number): string {
  if (readTime !== createdFor) {
    createdIso = new Date(readTime).toISOString();
    createdFor = readTime;
  }
  return createdIso;
}

/** The last own time parsed: lines written in the same second carry the same stamp. */
let ownFor: string | undefined;
let ownMs = NaN;
function msOf(stamp: string): number {
  if (stamp !== ownFor) {
    ownMs = Date.parse(stamp);
    ownFor = stamp;
  }
  return ownMs;
}

export function buildEventMarked(
  host: string,
  src: SourceInfo,
  line: EventLine,
  readTime: number,
  parseJson: boolean,
  rules: EventRules = DEFAULT_EVENT_RULES,
): BuiltEvent {
  const created = isoOf(readTime);
  const json = parseJson && !line.truncated && !line.lines ? readJsonLine(line.text, rules.json) : {};
  const parsed = json.parsed;
  // A plain line (not a JSON object, or JSON turned off or refused): its own time and level, if it has them.
  // `now` is the read time, which the journal keeps for a re-read line: a year-less stamp gets the same year.
  const plain =
    !parsed && rules.plain && (rules.plain.format !== 'off' || rules.plain.custom)
      ? parsePlainLine(line.text, { format: rules.plain.format, timezone: rules.plain.timezone, now: readTime, custom: rules.plain.custom })
      : undefined;
  let timestamp = created;
  let timestampRefused: BuiltEvent['timestampRefused'];
  // A container runtime's time of the write wins over a time the text itself carries: it is always there.
  const ownTime = line.recordTime ?? parsed?.timestamp ?? plain?.timestamp;
  if (ownTime !== undefined) {
    const verdict = judgeTimestamp(msOf(ownTime), readTime, rules.timestamps);
    if (verdict === 'ok') timestamp = ownTime;
    else timestampRefused = verdict;
  }
  const e: LogEvent = {
    v: EVENT_VERSION,
    '@timestamp': timestamp,
    message: line.text,
    event: { id: eventId(host, src.identity, line.offset), created },
    host: { name: host },
    log: { offset: line.offset },
    logship: { source: { type: src.type, name: src.name, identity: src.identity } },
  };
  if (src.path) e.log.file = { path: src.path };
  if (parsed?.level) e.log.level = parsed.level;
  else if (plain?.level) e.log.level = plain.level;
  if (line.truncated) e.log.truncated = true;
  if (line.invalidUtf8) e.log.invalid_utf8 = true;
  if (json.refused) e.log.json_error = json.refused;
  if (timestampRefused) e.log.original_timestamp = ownTime;
  if (line.iostream) e.log.iostream = line.iostream;
  if (src.meta?.container) e.container = src.meta.container;
  if (src.meta?.kubernetes) e.kubernetes = src.meta.kubernetes;
  if (parsed) e.json = parsed.fields;
  else if (plain?.fields) e.json = plain.fields;
  if (rules.fields) e.fields = rules.fields;
  if (rules.tags && rules.tags.length > 0) e.tags = rules.tags;
  if (line.lines) e.logship.lines = line.lines;
  return { event: e, jsonRefused: json.refused, timestampRefused };
}

export function buildEvent(
  host: string,
  src: SourceInfo,
  line: EventLine,
  readTime: number,
  parseJson: boolean,
  rules: EventRules = DEFAULT_EVENT_RULES,
): LogEvent {
  return buildEventMarked(host, src, line, readTime, parseJson, rules).event;
}

/**
 * The line as a plain message, nothing parsed, marked with why the usual event could not be built. Its id is the
 * usual one. A read time that is not a date (a damaged spool record) is replaced by `fallbackTime`.
 */
export function plainEvent(
  host: string,
  src: SourceInfo,
  line: EventLine,
  readTime: number,
  fallbackTime: number,
  reason: string,
): LogEvent {
  const time = Number.isFinite(new Date(readTime).getTime()) ? readTime : fallbackTime;
  const e = buildEvent(host, src, { ...line, text: String(line.text) }, time, false);
  e.log.build_error = reason;
  return e;
}

/**
 * Encodes, cutting the message further in the rare case escaping made the record too large for Kafka (and a
 * wrapped command's argv, when even an empty message does not fit). Each round makes the message strictly shorter.
 */
export function encodeBounded(e: LogEvent, serialize: (e: LogEvent) => string | Buffer = createEventSerializer()): Buffer {
  let buf = toBuffer(serialize(e));
  while (buf.length > MAX_EVENT_BYTES) {
    delete e.json;
    e.log.truncated = true;
    if (e.message.length > 0) e.message = e.message.slice(0, Math.floor(e.message.length * (MAX_EVENT_BYTES / buf.length) * 0.9));
    else if (e.process?.command_line && e.process.command_line.length > 4096)
      e.process.command_line = e.process.command_line.slice(0, 4096);
    else
      throw new LogshipError(
        'LOGSHIP_ERR_INTERNAL',
        `event of ${buf.length} bytes does not fit in ${MAX_EVENT_BYTES} even without its message`,
      );
    buf = toBuffer(serialize(e));
  }
  return buf;
}

function toBuffer(x: string | Buffer): Buffer {
  return typeof x === 'string' ? Buffer.from(x) : x;
}
