// A file's events on their way to the batcher: the source's processors first (a dropped line is counted as
// filtered and acknowledged at once, so the checkpoint moves past it), then one encoded event per line, each
// acknowledged into the file's watermark when Kafka has it.
import type { AckWatermark } from '../../pipeline/ack-watermark.js';
import type { SourceInfo } from '../../pipeline/event-builder.js';
import type { EventEncoder } from '../../pipeline/event-encoder.js';
import type { JoinedLine } from '../../pipeline/multiline.js';
import type { AgentMetrics } from '../../metrics.js';
import type { Batcher } from '../../pipeline/batcher.js';
import type { LineProcessors } from '../../pipeline/line-processors.js';
import type { TimeJournal } from '../../state/time-journal.js';

/** What of a tailer's context sending needs. */
export interface SendContext {
  host: string;
  metrics: Pick<AgentMetrics, 'linesJoined' | 'linesDiscarded' | 'redacted'>;
  batcher: Pick<Batcher, 'add'>;
  journal: Pick<TimeJournal, 'timeFor'>;
  processors?: LineProcessors;
}

export function sendLines(ctx: SendContext, src: SourceInfo, marks: AckWatermark, encode: EventEncoder, lines: JoinedLine[]): void {
  const { host, metrics, batcher, journal, processors } = ctx;
  let filtered = 0;
  for (const joined of lines) {
    if (joined.lines) metrics.linesJoined(joined.lines - 1);
    let line = joined;
    if (processors?.active) {
      const r = processors.apply(line.text);
      if (!r.keep) {
        filtered++;
        marks.ack(marks.add(line.end));
        continue;
      }
      if (r.redacted > 0) {
        metrics.redacted(r.redacted);
        line = { ...line, text: r.text };
      }
    }
    const value = encode(src, line, journal.timeFor(src.identity, line.offset));
    const ticket = marks.add(line.end);
    batcher.add({ key: host, value, acks: marks, ticket });
  }
  if (filtered > 0) metrics.linesDiscarded('filtered', filtered, src.path ?? src.name);
}
