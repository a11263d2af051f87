// Whether decompressed bytes are the records a batch header promised, walked the way kafkajs 2.2.4 will read them
// (protocol/recordBatch/record/v0/decoder.js): a decoder exception there, outside the codec, would fail the fetch
// just like a codec error. The broker checks this on produce; a batch that decompresses differently here than in
// the broker (a codec difference, corruption on disk) must not get that far. Pure.

class Short extends Error {}

/** Reads Kafka varints (zigzag) from `buf` between `pos` and `end`. */
class Cursor {
  constructor(
    private readonly buf: Buffer,
    public pos: number,
    private readonly end: number,
  ) {}

  varint(maxBytes = 5): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < maxBytes; i++) {
      if (this.pos >= this.end) throw new Short('truncated');
      const b = this.buf[this.pos++];
      // A varlong (timestamp delta) may use 10 bytes; only its size matters here, not its value.
      if (shift < 32) result |= (b & 0x7f) << shift;
      shift += 7;
      if (b < 0x80) return (result >>> 1) ^ -(result & 1);
    }
    throw new Short('a varint longer than its type');
  }

  /** A length-prefixed field (-1: null); skipped. */
  field(what: string): void {
    const n = this.varint();
    if (n < -1) throw new Short(`${what} length ${n}`);
    if (n > 0) this.skip(n, what);
  }

  skip(n: number, what: string): void {
    if (this.pos + n > this.end) throw new Short(`${what} past the record's end`);
    this.pos += n;
  }
}

/** Why `buf` does not hold `count` records, or undefined when it does. */
export function recordsProblem(buf: Buffer, count: number): string | undefined {
  const all = new Cursor(buf, 0, buf.length);
  try {
    for (let i = 0; i < count; i++) {
      const len = all.varint();
      if (len < 0) return `record ${i}: length ${len}`;
      const start = all.pos;
      all.skip(len, `record ${i}`);
      const r = new Cursor(buf, start, start + len);
      r.skip(1, 'attributes');
      r.varint(10); // timestamp delta
      r.varint(); // offset delta
      r.field('key');
      r.field('value');
      const headers = r.varint();
      if (headers < -1 || headers > len) return `record ${i}: ${headers} headers`;
      for (let h = 0; h < headers; h++) {
        r.field('header key');
        r.field('header value');
      }
    }
  } catch (err) {
    if (err instanceof Short) return err.message;
    throw err;
  }
  return undefined;
}
