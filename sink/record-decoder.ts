// Records to bulk items, each one caught on its own: a record that does not decode (not an event of this version,
// nested or wide past the bound, not UTF-8, its compressed batch refused) or whose document cannot be serialized
// becomes a dead letter with the reason; one record never stops the others. Pure.
import { decodeEvent, EVENT_JSON_LIMITS } from '../common/event.js';
import { errorMessage, LogshipError } from '../common/errors.js';
import type { JsonLimits } from '../common/json-bounds.js';
import type { InRecord } from '../kafka/consumer.js';
import { bulkLines, type IndexItem } from './bulk.js';
import { makeDeadLetter, type DeadLetter } from './dead-letter.js';

/** Records as bulk items with their bulk lines built, and the dead letters of those that could not be. */
export function decodeBatch(
  topic: string,
  partition: number,
  records: InRecord[],
  indexPrefix: string,
  limits: JsonLimits = EVENT_JSON_LIMITS,
): { items: IndexItem[]; letters: DeadLetter[] } {
  const items: IndexItem[] = [];
  const letters: DeadLetter[] = [];
  const where = (r: InRecord, key: string | null) => ({ topic, partition, offset: r.offset, key });
  for (const r of records) {
    if (r.refused) {
      letters.push(
        makeDeadLetter({
          raw: null,
          reason: r.refused.reason,
          stage: 'decode',
          errorType: 'batch_refused',
          originalMissing: true,
          ...where(r, null),
        }),
      );
      continue;
    }
    const key = r.key ? r.key.toString('utf8') : null;
    let item: IndexItem;
    try {
      item = { event: decodeEvent(r.value, limits), ref: { partition, offset: r.offset }, raw: r.value!, key };
    } catch (err) {
      const reason = err instanceof LogshipError ? err.message : errorMessage(err);
      letters.push(makeDeadLetter({ raw: r.value, reason, stage: 'decode', errorType: 'decode_error', ...where(r, key) }));
      continue;
    }
    try {
      item.lines = bulkLines(item, indexPrefix);
      items.push(item);
    } catch (err) {
      letters.push(
        makeDeadLetter({
          raw: r.value,
          reason: `the document could not be serialized for the bulk request: ${errorMessage(err)}`,
          stage: 'index',
          errorType: 'serialize_error',
          eventId: typeof item.event.event.id === 'string' ? item.event.event.id : undefined,
          ...where(r, key),
        }),
      );
    }
  }
  return { items, letters };
}
