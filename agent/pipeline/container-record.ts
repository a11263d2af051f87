// What a container runtime's log record holds once unwrapped: the text the container wrote, the stream it wrote
// it to, the runtime's time of the write, and whether the text is a piece of a longer line (the runtime splits a
// line longer than 16 KiB into pieces, each its own record; the last piece ends the line).

export type IoStream = 'stdout' | 'stderr';

export interface ContainerRecord {
  text: string;
  stream: IoStream;
  /** The runtime's time of the write, ISO 8601 in UTC with milliseconds. */
  time: string;
  /** A piece of a longer line: the pieces that follow, up to one that is not partial, are the same line. */
  partial: boolean;
}

/** Decodes one framed line as a record of its format; undefined when it is not one (the line then passes as is). */
export type ContainerDecoder = (line: string) => ContainerRecord | undefined;

/** An RFC 3339 time (with a zone) as ISO milliseconds in UTC; undefined when it is not one. */
export function rfc3339ToIso(s: string): string | undefined {
  // Date.parse also takes forms without a zone (local time) or without a date: a runtime always writes both.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(s)) return undefined;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}
