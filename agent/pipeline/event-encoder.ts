// Line -> record value, for every source. Nothing a line holds can make this throw: a line outside the JSON
// limits or with an implausible time is built as usual, marked and counted; any other failure building or
// encoding it gives the plain line marked with the reason (log.build_error), counted as a fault. A source's read
// loop never sees an exception from its data, so one line cannot stop a file or crash a stream.
import { errorMessage } from '../../common/errors.js';
import type { LogEvent } from '../../common/event.js';
import {
  buildEventMarked,
  DEFAULT_EVENT_RULES,
  encodeBounded,
  plainEvent,
  type EventLine,
  type EventRules,
  type SourceInfo,
} from './event-builder.js';
import { createEventSerializer } from './event-serializer.js';

/** The internal events of the encoder (agent/metrics.ts implements them). */
export interface EncoderEvents {
  jsonRefused(source: string, offset: number, reason: string): void;
  timestampRefused(source: string, offset: number, reason: 'too_old' | 'too_new' | 'invalid', original: string): void;
  buildFailed(source: string, offset: number, err: unknown): void;
}

export interface EventEncoderOptions {
  host: string;
  parseJson: boolean;
  rules?: EventRules;
  events: EncoderEvents;
  now: () => number;
}

/** Encodes one line as the source's event; `decorate` adds what is not from the line (a command's exit). */
export type EventEncoder = (src: SourceInfo, line: EventLine, readTime: number, decorate?: (e: LogEvent) => void) => Buffer;

export function createEventEncoder(o: EventEncoderOptions): EventEncoder {
  const rules = o.rules ?? DEFAULT_EVENT_RULES;
  // One per encoder (one encoder per source): the source's constant parts stay encoded between lines.
  const serialize = createEventSerializer();
  return (src, line, readTime, decorate) => {
    let value: Buffer;
    let built: ReturnType<typeof buildEventMarked>;
    try {
      built = buildEventMarked(o.host, src, line, readTime, o.parseJson, rules);
      decorate?.(built.event);
      value = encodeBounded(built.event, serialize);
    } catch (err) {
      o.events.buildFailed(src.name, line.offset, err);
      const e = plainEvent(o.host, src, line, readTime, o.now(), errorMessage(err));
      // Without `decorate`: whatever it added may be what failed. The plain line always encodes (its message is cut to fit).
      return encodeBounded(e, serialize);
    }
    if (built.jsonRefused) o.events.jsonRefused(src.name, line.offset, built.jsonRefused);
    if (built.timestampRefused)
      o.events.timestampRefused(src.name, line.offset, built.timestampRefused, built.event.log.original_timestamp ?? '');
    return value;
  };
}
