// One framed line -> one event. The id comes from (host, source identity, offset); @timestamp from the line's
// own time when it has one, else from `readTime`, which the caller keeps stable across re-reads.
import { EVENT_VERSION, encodeEvent, eventId, type LogEvent, type SourceType } from '../../common/event.js';
import { parseJsonLine } from './json-line.js';

export interface SourceInfo {
  type: SourceType;
  /** File path, or the configured source name of a stream. */
  name: string;
  identity: string;
  path?: string;
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
}

/** Kafka's default message.max.bytes is 1 MiB; keep every record below it whatever the escaping costs. */
export const MAX_EVENT_BYTES = 1_000_000;

export function buildEvent(host: string, src: SourceInfo, line: EventLine, readTime: number, parseJson: boolean): LogEvent {
  const created = new Date(readTime).toISOString();
  const parsed = parseJson && !line.truncated && !line.lines ? parseJsonLine(line.text) : undefined;
  const e: LogEvent = {
    v: EVENT_VERSION,
    '@timestamp': parsed?.timestamp ?? created,
    message: line.text,
    event: { id: eventId(host, src.identity, line.offset), created },
    host: { name: host },
    log: { offset: line.offset },
    logship: { source: { type: src.type, name: src.name, identity: src.identity } },
  };
  if (src.path) e.log.file = { path: src.path };
  if (parsed?.level) e.log.level = parsed.level;
  if (line.truncated) e.log.truncated = true;
  if (line.invalidUtf8) e.log.invalid_utf8 = true;
  if (parsed) e.json = parsed.fields;
  if (line.lines) e.logship.lines = line.lines;
  return e;
}

/** Encodes, cutting the message further in the rare case escaping made the record too large for Kafka. */
export function encodeBounded(e: LogEvent): Buffer {
  let buf = encodeEvent(e);
  while (buf.length > MAX_EVENT_BYTES) {
    delete e.json;
    e.log.truncated = true;
    e.message = e.message.slice(0, Math.floor(e.message.length * (MAX_EVENT_BYTES / buf.length) * 0.9));
    buf = encodeEvent(e);
  }
  return buf;
}
