// The container stage between the framer and multiline: each framed line is decoded as a runtime's record
// (container-docker.ts, container-cri.ts) and replaced by the text the container wrote; the pieces of a line the
// runtime split (partial records) are joined into that one line. A line that is not a record passes untouched.
//
// Offsets. A joined line carries the offset of its first piece (its event id) and ends past its last piece. The
// other stream's records can sit between two pieces (stdout and stderr are written by separate copiers), so lines
// leave in the order of their first byte, and a line whose pieces are interleaved with another's gets as its end
// (where reading resumes once it is acknowledged) the last offset that cuts no line in two: a checkpoint never
// lands inside a half-joined line, and a crash re-reads every piece from the first. Pure.
import type { FramedLine } from './line-framer.js';
import type { ContainerDecoder, IoStream } from './container-record.js';

export interface ContainerLine extends FramedLine {
  iostream?: IoStream;
  /** The runtime's time of the (first piece's) write, ISO. */
  recordTime?: string;
}

/** What the stage tells about the lines it changed (agent/metrics.ts implements them). */
export interface ContainerEvents {
  /** A line of a container-format file was not a record of that format: sent as it was. */
  undecoded(offset: number): void;
  /** `pieces` records were joined into the line at `offset`. */
  joined(offset: number, pieces: number): void;
  /** A joined line was cut at max_line_bytes; `bytes` of it were skipped. */
  cut(offset: number, bytes: number): void;
}

export interface ContainerJoinOptions {
  decode: ContainerDecoder;
  maxLineBytes: number;
  events: ContainerEvents;
  /** Most lines held behind a line whose last piece has not come; past it, that line is sent as it is. */
  maxHeldLines?: number;
}

export interface ContainerJoiner {
  push(lines: FramedLine[]): ContainerLine[];
  /** Sends every held line, a line still missing pieces as far as it got (idle flush, truncation, shutdown). */
  flush(): ContainerLine[];
  readonly pending: boolean;
}

interface Held {
  line: ContainerLine;
  texts: string[];
  bytes: number;
  cut: number;
  pieces: number;
}

export function createContainerJoiner(o: ContainerJoinOptions): ContainerJoiner {
  const maxHeld = o.maxHeldLines ?? 1000;
  const queue: Held[] = [];
  const open: Partial<Record<IoStream, Held>> = {};

  function addPiece(h: Held, text: string, line: FramedLine) {
    h.pieces++;
    h.line.end = line.end;
    h.line.invalidUtf8 ||= line.invalidUtf8;
    h.line.truncated ||= line.truncated;
    const n = Buffer.byteLength(text);
    if (h.bytes + n <= o.maxLineBytes) {
      h.texts.push(text);
      h.bytes += n;
      return;
    }
    const room = o.maxLineBytes - h.bytes;
    if (room > 0) h.texts.push(cutToBytes(text, room));
    h.cut += n - Math.max(0, room);
    h.bytes = o.maxLineBytes;
    h.line.truncated = true;
  }

  function finish(h: Held): ContainerLine {
    const line = h.line;
    if (line.iostream !== undefined) {
      line.text = h.texts.length === 1 ? h.texts[0] : h.texts.join('');
      line.bytes = h.bytes;
    }
    if (h.pieces > 1) o.events.joined(line.offset, h.pieces);
    if (h.cut > 0) o.events.cut(line.offset, h.cut);
    return line;
  }

  /** Sends the held lines once no line among them waits for a piece, each ending at the last clean cut. */
  function drain(out: ContainerLine[]) {
    if (queue.length === 0 || open.stdout || open.stderr) return;
    let cut = queue[0].line.offset;
    let maxEnd = cut;
    for (let i = 0; i < queue.length; i++) {
      const line = finish(queue[i]);
      maxEnd = Math.max(maxEnd, line.end);
      const next = i + 1 < queue.length ? queue[i + 1].line.offset : Infinity;
      if (maxEnd <= next) cut = maxEnd;
      line.end = cut;
      out.push(line);
    }
    queue.length = 0;
  }

  function closeAll(out: ContainerLine[]) {
    delete open.stdout;
    delete open.stderr;
    drain(out);
  }

  function pushOne(line: FramedLine, out: ContainerLine[]) {
    const rec = o.decode(line.text);
    if (!rec) {
      o.events.undecoded(line.offset);
      queue.push({ line: { ...line }, texts: [], bytes: line.bytes, cut: 0, pieces: 1 });
    } else {
      let h = open[rec.stream];
      if (!h) {
        h = {
          line: { ...line, text: '', iostream: rec.stream, recordTime: rec.time, partial: false },
          texts: [],
          bytes: 0,
          cut: 0,
          pieces: 0,
        };
        queue.push(h);
        open[rec.stream] = h;
      }
      addPiece(h, rec.text, line);
      if (!rec.partial) delete open[rec.stream];
    }
    drain(out);
    if (queue.length > maxHeld) closeAll(out);
  }

  return {
    push(lines) {
      const out: ContainerLine[] = [];
      for (const line of lines) pushOne(line, out);
      return out;
    },
    flush() {
      const out: ContainerLine[] = [];
      closeAll(out);
      return out;
    },
    get pending() {
      return queue.length > 0;
    },
  };
}

/** The first `max` bytes of `s`, cut back to a character boundary. */
function cutToBytes(s: string, max: number): string {
  const b = Buffer.from(s);
  let n = Math.min(max, b.length);
  while (n > 0 && n < b.length && (b[n] & 0xc0) === 0x80) n--;
  return b.subarray(0, n).toString();
}
