// `logship test-output` with a producer that fails: the check fails (69) and the producer is still disconnected.
import { afterEach, describe, expect, it, vi } from 'vitest';

const producer = {
  connect: vi.fn(async () => {}),
  send: vi.fn(async () => {
    throw new Error('broker went away');
  }),
  disconnect: vi.fn(async () => {}),
};
vi.mock('../../kafka/admin.js', () => ({ ensureTopics: vi.fn(async () => {}) }));
vi.mock('../../kafka/producer.js', () => ({ createKafkaProducer: () => producer }));

const { testOutputCommand } = await import('../../cli/test-output.js');

describe('test-output', () => {
  afterEach(() => vi.restoreAllMocks());

  it('disconnects the producer when the check record cannot be sent', async () => {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    expect(await testOutputCommand(['--kafka-only'])).toBe(69);
    expect(producer.send).toHaveBeenCalledTimes(1);
    expect(producer.disconnect).toHaveBeenCalledTimes(1);
    expect(out).toContain('FAIL kafka 127.0.0.1:9092: broker went away');
  });
});
