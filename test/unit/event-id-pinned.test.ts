// Ids are where a line came from, forever: an agent upgraded mid-file re-sends its unacknowledged lines, and
// only the same id makes them 409s instead of second documents. These ids were computed by the code of
// before the fixed-shape encoder and event version 2 (commit 3be9992); any change to how an id is made fails here.
import { describe, expect, it } from 'vitest';
import { createEventEncoder } from '../../agent/pipeline/event-encoder.js';
import { decodeEvent, eventId } from '../../common/event.js';

const PINNED: Array<[host: string, identity: string, offset: number, id: string]> = [
  ['web-1', 'a1b2c3d4e5f60718', 0, '70afb97d2195417d8ced1b7fe1998add'],
  ['web-1', 'a1b2c3d4e5f60718', 260, 'fdd2e97f8ab5bec2c4dde0209d2e734f'],
  ['web-1', 'a1b2c3d4e5f60718', 1_000_000_000_000, '3499e58f1e45a65a8349cdf1669f2f01'],
  ['db.example.com', 'stream:7f3c-9a', 42, '0bb56087689f715613341bc84a44e8f8'],
  ['h', '', 0, '6aac83a375cdf4d96140df3a63b738f5'],
  ['hôte-中文', 'id"with\\quotes\n', 9_007_199_254_740_991, 'efcd0445de1fbb694176fe060958d8d4'],
];

const noEvents = { jsonRefused() {}, timestampRefused() {}, buildFailed() {} };

describe('event ids are pinned', () => {
  it('eventId(host, identity, offset) gives the ids it always gave', () => {
    for (const [host, identity, offset, id] of PINNED) expect(eventId(host, identity, offset)).toBe(id);
  });

  it('the encoder writes the same ids into the record, for files and streams', () => {
    for (const [host, identity, offset, id] of PINNED) {
      const encode = createEventEncoder({ host, parseJson: true, events: noEvents, now: () => 0 });
      for (const src of [
        { type: 'file' as const, name: '/var/log/app.log', identity, path: '/var/log/app.log' },
        { type: 'stdin' as const, name: 'stdin', identity },
      ]) {
        const line = { offset, text: 'GET /x 200', truncated: false, invalidUtf8: false };
        expect(decodeEvent(encode(src, line, 1_700_000_000_000)).event.id).toBe(id);
      }
    }
  });
});
