// `logship test-output` with a producer that fails: the check fails (69) and the producer is still disconnected.
// With an Elasticsearch that fails quoting its URL: no password in the report, in any form.
import { afterEach, describe, expect, it, vi } from 'vitest';

const producer = {
  connect: vi.fn(async () => {}),
  send: vi.fn(async () => {
    throw new Error('broker went away');
  }),
  disconnect: vi.fn(async () => {}),
};
vi.mock('../../kafka/admin.js', () => ({
  ensureTopics: vi.fn(async () => {}),
  topicReplication: () => ({ replicationFactor: -1, minInsyncReplicas: 0 }),
}));
vi.mock('../../kafka/replication.js', () => ({
  describeReplication: vi.fn(async (_o: unknown, _l: unknown, topic: string) => ({
    topic,
    replicationFactor: 1,
    minInsyncReplicas: 1,
    partitions: [],
  })),
  replicationProblems: () => ({ blocking: [], degraded: [] }),
}));
vi.mock('../../kafka/producer.js', () => ({ createKafkaProducer: () => producer }));
// The client's error quotes the URL it was given, as HTTP clients' errors do.
vi.mock('../../sink/es-client.js', () => ({
  createEs: (cfg: { elasticsearch: { url: string } }) => ({
    info: async () => {
      throw new Error(`request to ${cfg.elasticsearch.url}/ failed, reason: connect ECONNREFUSED`);
    },
    close: async () => {},
  }),
}));

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

  it('never prints the Elasticsearch password, decoded or percent-encoded', async () => {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    expect(await testOutputCommand(['--es-only', '--set', 'elasticsearch.url=http://elastic:p%40ssw0rd@127.0.0.1:1'])).toBe(69);
    expect(out).not.toMatch(/p%40ssw0rd|p@ssw0rd/);
    expect(out).toBe(
      'FAIL elasticsearch http://elastic:[redacted]@127.0.0.1:1: request to http://elastic:[redacted]@127.0.0.1:1/ failed, reason: connect ECONNREFUSED\n',
    );
  });
});
