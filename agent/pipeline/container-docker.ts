// Docker's json-file log driver: one JSON object per line, `{"log":"text\n","stream":"stdout","time":"<RFC 3339
// nano>"}` (with `attrs` when the container has log tags or labels). A `log` without its trailing "\n" is a piece
// of a line longer than 16 KiB, or the container's last output without a newline: the records that follow it on
// the same stream, up to one that ends with "\n", are the rest of that line. Pure.
import { rfc3339ToIso, type ContainerRecord } from './container-record.js';

export function decodeDockerLine(line: string): ContainerRecord | undefined {
  if (line.charCodeAt(0) !== 0x7b /* { */) return undefined;
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return undefined;
  const r = o as Record<string, unknown>;
  if (typeof r.log !== 'string' || (r.stream !== 'stdout' && r.stream !== 'stderr') || typeof r.time !== 'string') return undefined;
  const time = rfc3339ToIso(r.time);
  if (time === undefined) return undefined;
  const whole = r.log.endsWith('\n');
  // The writer's CRLF is one line end, as the framer treats it in plain files.
  const text = whole ? r.log.slice(0, r.log.endsWith('\r\n') ? -2 : -1) : r.log;
  return { text, stream: r.stream, time, partial: !whole };
}
