// Progress follows acknowledgements: a source's checkpoint is the highest offset below which every line was
// acknowledged by Kafka. Lines are registered in read order; acks may come back in any order.

export interface AckWatermark {
  /** Register a line (in read order) that ends at `end`; returns its ticket. */
  add(end: number): number;
  /** Mark a ticket acknowledged. */
  ack(ticket: number): void;
  /** Offset below which everything is acknowledged. */
  readonly watermark: number;
  /** Lines registered and not yet acknowledged. */
  readonly pending: number;
}

export function createAckWatermark(start: number): AckWatermark {
  let mark = start;
  let base = 0; // ticket number of ends[0]
  const ends: number[] = [];
  const acked: boolean[] = [];
  let head = 0; // index into ends of the first unacked ticket
  let pending = 0;
  return {
    add(end) {
      ends.push(end);
      acked.push(false);
      pending++;
      return base + ends.length - 1;
    },
    ack(ticket) {
      const i = ticket - base;
      if (i < 0 || i >= ends.length || acked[i]) return;
      acked[i] = true;
      pending--;
      while (head < ends.length && acked[head]) {
        mark = ends[head];
        head++;
      }
      // Compact now and then so memory follows what is in flight, not what was ever read.
      if (head > 1024 && head * 2 > ends.length) {
        ends.splice(0, head);
        acked.splice(0, head);
        base += head;
        head = 0;
      }
    },
    get watermark() {
      return mark;
    },
    get pending() {
      return pending;
    },
  };
}
