// Bytes -> lines with the byte offset where each began. Pure: any split of the same bytes gives the same lines.
// - '\n' ends a line; a '\r' right before it is dropped (CRLF). A lone '\r' is kept as data.
// - '\n' never occurs inside a multi-byte UTF-8 character, so cutting at it never splits a character, and a
//   character split across chunks is whole again once the pending bytes are joined.
// - A line longer than maxLineBytes keeps its first maxLineBytes (cut back to a character boundary), is marked
//   truncated, and the rest up to its newline is skipped and counted. Memory per source stays <= maxLineBytes.
// - Invalid UTF-8 is decoded with U+FFFD replacement and the line is marked; it is never dropped.
import { isUtf8 } from 'node:buffer';

export interface FramedLine {
  /** Byte offset of the line's first byte in the source. */
  offset: number;
  /** Byte offset just past this line (past its newline): where reading resumes once this line is acknowledged. */
  end: number;
  text: string;
  /** Bytes of the line as read (without newline), for byte accounting. */
  bytes: number;
  truncated: boolean;
  invalidUtf8: boolean;
  /** True when emitted by flushPartial(): no newline was seen. */
  partial: boolean;
}

export interface LineFramer {
  push(chunk: Buffer): FramedLine[];
  /** Emit the held partial line (idle flush). Bytes that follow continue as a new line, so it is never sent twice. */
  flushPartial(): FramedLine | undefined;
  /** Offset of the first byte not yet part of an emitted line. */
  readonly pendingOffset: number;
  /** Bytes held for the current, incomplete line (capped at maxLineBytes). */
  readonly pendingBytes: number;
  /** Total bytes skipped because lines exceeded maxLineBytes. */
  readonly skippedBytes: number;
}

export interface LineFramerOptions {
  startOffset?: number;
  maxLineBytes: number;
}

const NL = 0x0a;
const CR = 0x0d;

export function createLineFramer(opts: LineFramerOptions): LineFramer {
  const max = opts.maxLineBytes;
  let lineStart = opts.startOffset ?? 0; // offset of the first byte of the pending line
  let pos = lineStart; // offset of the next byte to arrive
  let parts: Buffer[] = [];
  let held = 0; // bytes in parts
  let skipping = 0; // bytes of the current line skipped past max
  let skippedTotal = 0;
  let lastByte = -1; // last byte of the current line so far, held or skipped

  function hold(piece: Buffer) {
    if (piece.length === 0) return;
    lastByte = piece[piece.length - 1];
    const room = max - held;
    if (room >= piece.length) {
      parts.push(piece);
      held += piece.length;
    } else {
      if (room > 0) {
        parts.push(piece.subarray(0, room));
        held += room;
      }
      skipping += piece.length - room;
    }
  }

  function makeLine(end: number, partial: boolean): FramedLine {
    let bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts, held);
    const rawLen = held + skipping;
    // The CR of a CRLF is part of the terminator, not data: a line of exactly maxLineBytes ending in CRLF is whole.
    const crlf = !partial && lastByte === CR;
    const skippedData = crlf && skipping > 0 ? skipping - 1 : skipping;
    const truncated = skippedData > 0;
    if (crlf && skipping === 0) bytes = bytes.subarray(0, bytes.length - 1);
    if (truncated) {
      // Cut back to a character boundary so the kept prefix decodes cleanly.
      bytes = bytes.subarray(0, lastLeadIncomplete(bytes) ?? bytes.length);
    }
    const valid = isUtf8(bytes);
    const line: FramedLine = {
      offset: lineStart,
      end,
      text: bytes.toString('utf8'),
      bytes: rawLen,
      truncated,
      invalidUtf8: !valid,
      partial,
    };
    skippedTotal += skippedData;
    parts = [];
    held = 0;
    skipping = 0;
    lastByte = -1;
    lineStart = end;
    return line;
  }

  return {
    push(chunk: Buffer): FramedLine[] {
      const out: FramedLine[] = [];
      let from = 0;
      for (;;) {
        const nl = chunk.indexOf(NL, from);
        if (nl === -1) break;
        const end = pos + (nl - from) + 1;
        hold(chunk.subarray(from, nl));
        pos = end;
        out.push(makeLine(end, false));
        from = nl + 1;
      }
      if (from < chunk.length) {
        hold(chunk.subarray(from));
        pos += chunk.length - from;
      }
      return out;
    },
    flushPartial(): FramedLine | undefined {
      if (held === 0 && skipping === 0) return undefined;
      return makeLine(pos, true);
    },
    get pendingOffset() {
      return lineStart;
    },
    get pendingBytes() {
      return held;
    },
    get skippedBytes() {
      return skippedTotal;
    },
  };
}

/** If buf ends with an incomplete multi-byte sequence, the index of its lead byte; else undefined. */
function lastLeadIncomplete(buf: Buffer): number | undefined {
  const n = buf.length;
  for (let back = 1; back <= 4 && back <= n; back++) {
    const b = buf[n - back];
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep walking back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? n - back : undefined;
  }
  return undefined;
}
