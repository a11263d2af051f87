import { describe, expect, it } from 'vitest';
import { buildEventMarked } from '../../agent/pipeline/event-builder.js';
import { createMultiline } from '../../agent/pipeline/multiline.js';
import type { ContainerLine } from '../../agent/pipeline/container-join.js';

const READ = Date.parse('2026-12-01T12:00:05.000Z');
const src = {
  type: 'file' as const,
  name: '/var/log/pods/shop_web_u1/app/0.log',
  identity: 'id1',
  path: '/var/log/pods/shop_web_u1/app/0.log',
  meta: { kubernetes: { namespace: 'shop', pod: { name: 'web', uid: 'u1' }, container: { name: 'app' } } },
};
const line = (over: Partial<ContainerLine> = {}): ContainerLine => ({
  offset: 10,
  end: 20,
  text: 'hello',
  bytes: 5,
  truncated: false,
  invalidUtf8: false,
  partial: false,
  iostream: 'stderr',
  recordTime: '2026-12-01T12:00:00.123Z',
  ...over,
});

describe('container lines as events', () => {
  it("carry the path's metadata, the stream, the runtime's time as @timestamp and the read time as event.created", () => {
    const { event } = buildEventMarked('h', src, line(), READ, true);
    expect(event['@timestamp']).toBe('2026-12-01T12:00:00.123Z');
    expect(event.event.created).toBe('2026-12-01T12:00:05.000Z');
    expect(event.log.iostream).toBe('stderr');
    expect(event.kubernetes).toEqual(src.meta.kubernetes);
    expect(event.container).toBeUndefined();
  });

  it("the runtime's time wins over a JSON line's own; the JSON is still parsed", () => {
    const { event } = buildEventMarked('h', src, line({ text: '{"time":"2026-12-01T11:00:00Z","msg":"x"}' }), READ, true);
    expect(event['@timestamp']).toBe('2026-12-01T12:00:00.123Z');
    expect(event.json).toMatchObject({ msg: 'x' });
  });

  it('a runtime time outside the plausible window gives way to the read time', () => {
    const b = buildEventMarked('h', src, line({ recordTime: '2001-01-01T00:00:00.000Z' }), READ, true);
    expect(b.timestampRefused).toBe('too_old');
    expect(b.event['@timestamp']).toBe('2026-12-01T12:00:05.000Z');
    expect(b.event.log.original_timestamp).toBe('2001-01-01T00:00:00.000Z');
  });

  it("multiline keeps the first line's stream and time", () => {
    const ml = createMultiline({ continuation: /^\s/, maxLines: 10, maxBytes: 1000, timeoutMs: 1000 });
    ml.push(line({ text: 'Exception' }), 0);
    ml.push(line({ offset: 20, end: 30, text: '  at x', iostream: 'stderr', recordTime: '2026-12-01T12:00:01.000Z' }), 0);
    const [joined] = ml.flush(0, true) as ContainerLine[];
    expect(joined).toMatchObject({
      offset: 10,
      end: 30,
      text: 'Exception\n  at x',
      iostream: 'stderr',
      recordTime: '2026-12-01T12:00:00.123Z',
      lines: 2,
    });
  });
});
