// The walking skeleton, end to end through a real Kafka and a real Elasticsearch.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEvent, eventId, EVENT_VERSION, type LogEvent } from '../../common/event.js';
import {
  esCount,
  esJson,
  logship,
  makeEnv,
  metricValue,
  produce,
  readTopic,
  run,
  waitFor,
  type Proc,
  type TestEnv,
} from '../support/helpers.js';

describe('walking skeleton: file -> agent -> Kafka -> sink -> Elasticsearch -> search', () => {
  let env: TestEnv;
  let sink: Proc;
  let agent: Proc;
  const file = () => path.join(env.logs, 'app.log');

  beforeAll(async () => {
    env = makeEnv('skeleton');
    fs.writeFileSync(file(), 'first line before the agent started\n');
    sink = logship(['sink', '-c', env.config]);
    agent = logship(['agent', '-c', env.config]);
    await waitFor(
      'agent and sink ready',
      async () => {
        const a = await fetch(`http://${env.agentMetrics}/healthz`)
          .then((r) => r.ok)
          .catch(() => false);
        const s = await fetch(`http://${env.sinkMetrics}/readyz`)
          .then((r) => r.ok)
          .catch(() => false);
        return a && s;
      },
      60_000,
    );
  });

  afterAll(async () => {
    expect(await agent.stop()).toBe(0);
    expect(await sink.stop()).toBe(0);
  });

  // No timed assertion: how fast a line becomes searchable is measured by npm run bench (write -> searchable p99);
  // here the time is only reported. Under load a cold stack's first refresh can take longer than 10 s.
  it('a line appended to a watched file is returned by `logship search`', async () => {
    const token = `needle${Date.now()}`;
    const t0 = Date.now();
    fs.appendFileSync(file(), `GET /api/orders ${token} 200\n`);
    const out = await waitFor(
      'the line in search results',
      async () => {
        const r = await run(['search', token, '-c', env.config, '--since', '10m', '--utc']);
        return r.code === 0 && r.stdout.includes(token) ? r.stdout : undefined;
      },
      60_000,
      100,
    );
    const elapsed = Date.now() - t0;
    const line = out
      .trim()
      .split('\n')
      .find((l) => l.includes(token))!;
    // date time level host source message (a plain line has no level: -; the file's name, not its path)
    const [date, time, level, host, source, ...msg] = line.split(/ +/);
    expect(Number.isNaN(Date.parse(`${date}T${time}`))).toBe(false);
    expect(level).toBe('-');
    expect(host).toBe(env.host);
    expect(source).toBe(path.basename(file()));
    expect(msg.join(' ')).toBe(`GET /api/orders ${token} 200`);
    process.stderr.write(`[skeleton] appended line found by logship search after ${elapsed} ms\n`);
  });

  it('`logship search` exits as grep: 1 when nothing matched, 69 when Elasticsearch is unreachable', async () => {
    const none = await run(['search', `absent${Date.now()}`, '-c', env.config, '--since', '10m']);
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('');
    const away = await run(['search', 'x', '-c', env.config, '--set', 'elasticsearch.url=http://127.0.0.1:1']);
    expect(away.code).toBe(69);
  });

  it('the Kafka record key is the host name and the value is a versioned event', async () => {
    await waitFor('records in the topic', async () => ((await readTopic(env.topic)).length >= 2 ? true : undefined));
    const recs = await readTopic(env.topic);
    expect(recs.length).toBeGreaterThanOrEqual(2);
    for (const r of recs) {
      expect(r.key).toBe(env.host);
      const e = JSON.parse(r.value) as LogEvent;
      expect(e.v).toBe(EVENT_VERSION);
      expect(e.host.name).toBe(env.host);
    }
    const first = recs.map((r) => JSON.parse(r.value) as LogEvent).find((e) => e.log.offset === 0)!;
    expect(first.message).toBe('first line before the agent started');
  });

  it('the Elasticsearch document has the ECS fields, _id = event id, in the daily index of its @timestamp', async () => {
    const r = await esJson('POST', `/${env.prefix}-*/_search`, { query: { term: { 'log.offset': 0 } } });
    expect(r.hits.hits).toHaveLength(1);
    const hit = r.hits.hits[0];
    const d = hit._source;
    expect(d.message).toBe('first line before the agent started');
    expect(d.host.name).toBe(env.host);
    expect(d.log.file.path).toBe(file());
    expect(d.log.offset).toBe(0);
    expect(typeof d['@timestamp']).toBe('string');
    expect(d.event.id).toBe(hit._id);
    expect(d.event.id).toBe(eventId(env.host, d.logship.source.identity, 0));
    const day = new Date(d['@timestamp']).toISOString().slice(0, 10).replace(/-/g, '.');
    expect(hit._index).toBe(`${env.prefix}-${day}`);
    expect(d.v).toBeUndefined();
  });

  it('the same event produced twice is one document, and the duplicate is counted', async () => {
    const id = eventId('dup-host', 'dup-identity', 42);
    const ev: LogEvent = {
      v: EVENT_VERSION,
      '@timestamp': new Date().toISOString(),
      message: 'produced twice',
      event: { id, created: new Date().toISOString() },
      host: { name: 'dup-host' },
      log: { offset: 42 },
      logship: { source: { type: 'file', name: 'x', identity: 'dup-identity' } },
    };
    const before = await metricValue(env.sinkMetrics, 'logship_sink_documents_duplicate_total');
    await produce(env.topic, [{ key: 'dup-host', value: encodeEvent(ev) }]);
    await produce(env.topic, [{ key: 'dup-host', value: encodeEvent(ev) }]);
    await waitFor(
      'the duplicate counted',
      async () => (await metricValue(env.sinkMetrics, 'logship_sink_documents_duplicate_total')) >= before + 1 || undefined,
    );
    expect(await esCount(env.prefix, { term: { 'event.id': id } })).toBe(1);
  });
});
