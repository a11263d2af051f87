// What a file tailer is given by the agent: the shared pipeline parts and its source's rules (one per source).
import type { Batcher } from '../../pipeline/batcher.js';
import type { EventRules } from '../../pipeline/event-builder.js';
import type { IdentityPersistence } from './identity-gate.js';
import type { AgentMetrics } from '../../metrics.js';
import type { TimeJournal } from '../../state/time-journal.js';
import type { Multiline } from '../../pipeline/multiline.js';
import type { LineProcessors } from '../../pipeline/line-processors.js';
import type { ContainerSource } from '../../container-logs.js';

export interface TailerContext {
  host: string;
  maxLineBytes: number;
  readBufferBytes: number;
  partialFlushMs: number;
  parseJson: boolean;
  /** Bounds on what is taken from a line (JSON shape, time window); the defaults when absent. */
  rules?: EventRules;
  batcher: Batcher;
  metrics: AgentMetrics;
  journal: TimeJournal;
  now: () => number;
  /** A new multiline joiner per file generation, when multiline is on. */
  multiline?: () => Multiline;
  /** Checkpoint writes, so that a generation's identity is on disk before any of its lines leave. */
  persist?: IdentityPersistence;
  /** The configured source this file belongs to (logship.source.name); the path when absent. */
  sourceName?: string;
  /** The source's include/exclude lines and redaction (line-processors.ts). */
  processors?: LineProcessors;
  /** A docker or cri source: its records unwrapped and joined before multiline (agent/container-logs.ts). */
  container?: (path: string) => ContainerSource;
  closeInactiveMs?: number;
}
