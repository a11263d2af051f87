// A generation's identity and first bytes reach the checkpoint file before any of its lines leave (so that a
// copytruncate copy made while we are down is recognised on restart). Checkpoint writes come once per scan or
// read round, never once per file (each write is the whole file: thousands of new files were quadratic): a
// tailer asks for one and holds its lines until a write that began after the request succeeded.

/** The checkpointer as a tailer sees it. */
export interface IdentityPersistence {
  /** Asks for a write at the end of this round; returns the count of writes done so far. */
  request(): number;
  /** Successful writes so far. */
  readonly written: number;
  /** The last write failed (the next is tried about a second later). */
  readonly failing: boolean;
}

export class IdentityGate {
  /** While an identity waits for the disk: the write count a checkpoint write must pass. */
  private waitFor: number | undefined;

  constructor(private persistence: IdentityPersistence | undefined) {}

  request() {
    this.waitFor = this.persistence?.request();
  }

  /** True once on disk; otherwise 'data' (a write comes at the end of this round: read again) or 'stalled'. */
  check(): true | 'data' | 'stalled' {
    const p = this.persistence;
    if (!p || this.waitFor === undefined || p.written > this.waitFor) {
      this.waitFor = undefined;
      return true;
    }
    return p.failing ? 'stalled' : 'data';
  }
}
