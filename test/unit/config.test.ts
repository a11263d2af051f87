import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { interpolate, loadConfig, type ConfigProblem } from '../../config/loader.js';
import { leaves } from '../../config/schema.js';
import { get, loadError, problems, tmp } from '../support/config-helpers.js';

describe('defaults', () => {
  it('load with no file, env or flags', () => {
    const cfg = loadConfig();
    expect(cfg.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(cfg.kafka.topic).toBe('logs');
    expect(cfg.kafka.dlq_topic).toBe('logs-dlq');
    expect(cfg.kafka.sasl.mechanism).toBe('none');
    expect(cfg.elasticsearch.url).toBe('http://127.0.0.1:9200');
    expect(cfg.agent.max_line_bytes).toBe(1024 * 1024);
    expect(cfg.agent.batch).toEqual({ max_events: 2000, max_bytes: 1024 * 1024, linger_ms: 20, max_in_flight: 1 });
    expect(cfg.agent.files).toEqual({ include: [], exclude: [], follow_symlinks: false, format: 'plain' });
    expect(cfg.sink.bulk.concurrency).toBe(2);
    expect(cfg.sink.from_beginning).toBe(true);
    expect(cfg.log_level).toBe('info');
  });

  it('every schema leaf has a default of its declared kind', () => {
    const cfg = loadConfig();
    for (const [p, leaf] of leaves()) {
      const v = get(cfg, p);
      switch (leaf.kind) {
        case 'string':
          expect(typeof v, p).toBe('string');
          break;
        case 'int':
          expect(Number.isInteger(v), p).toBe(true);
          expect(v as number, p).toBeGreaterThanOrEqual(leaf.min ?? 0);
          if (leaf.max !== undefined) expect(v as number, p).toBeLessThanOrEqual(leaf.max);
          break;
        case 'bool':
          expect(typeof v, p).toBe('boolean');
          break;
        case 'enum':
          expect(leaf.values, p).toContain(v);
          break;
        case 'strings':
          expect(Array.isArray(v) && v.every((x) => typeof x === 'string'), p).toBe(true);
          break;
      }
    }
  });

  it('defaults are fresh copies: mutating one config does not change the next', () => {
    const a = loadConfig();
    a.kafka.brokers.push('x:1');
    a.agent.files.include.push('/tmp/*.log');
    const b = loadConfig();
    expect(b.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(b.agent.files.include).toEqual([]);
  });
});

describe('interpolate', () => {
  const env = { HOST: 'kafka1', EMPTY: '', PORT: '9092' };

  it('replaces ${VAR}, uses ${VAR:-default} when unset or empty, and $$ is a literal $', () => {
    const probs: ConfigProblem[] = [];
    expect(interpolate('${HOST}:${PORT}', env, 'k', probs)).toBe('kafka1:9092');
    expect(interpolate('${NOPE:-localhost}:${PORT:-1}', env, 'k', probs)).toBe('localhost:9092');
    expect(interpolate('${EMPTY:-fallback}', env, 'k', probs)).toBe('fallback');
    expect(interpolate('${NOPE:-}', env, 'k', probs)).toBe('');
    expect(interpolate('${NOPE:-http://h:9200/x}', env, 'k', probs)).toBe('http://h:9200/x');
    expect(interpolate('cost $$5 and $${HOST}', env, 'k', probs)).toBe('cost $5 and ${HOST}');
    expect(interpolate('plain $HOST text', env, 'k', probs)).toBe('plain $HOST text');
    expect(probs).toEqual([]);
  });

  it('an unset variable without default is a problem naming the key path and the variable', () => {
    const probs: ConfigProblem[] = [];
    expect(interpolate('a-${MISSING}-b', env, 'elasticsearch.url', probs)).toBe('a--b');
    expect(probs).toEqual([
      { path: 'elasticsearch.url', reason: 'environment variable MISSING is not set (use ${MISSING:-default} for a default)' },
    ]);
  });
});

describe('loading YAML', () => {
  it('file values replace defaults, others keep theirs', () => {
    const cfg = loadConfig({
      text: `
kafka:
  brokers: [k1:9092, k2:9093]
  topic: app-logs
agent:
  max_line_bytes: 4096
  files:
    include: ["/var/log/*.log"]
  batch:
    linger_ms: 5
sink:
  from_beginning: false
`,
    });
    expect(cfg.kafka.brokers).toEqual(['k1:9092', 'k2:9093']);
    expect(cfg.kafka.topic).toBe('app-logs');
    expect(cfg.kafka.dlq_topic).toBe('logs-dlq');
    expect(cfg.agent.max_line_bytes).toBe(4096);
    expect(cfg.agent.files.include).toEqual(['/var/log/*.log']);
    expect(cfg.agent.batch).toEqual({ max_events: 2000, max_bytes: 1024 * 1024, linger_ms: 5, max_in_flight: 1 });
    expect(cfg.sink.from_beginning).toBe(false);
  });

  it('reads a file from disk', () => {
    const f = path.join(tmp, 'c.yaml');
    fs.writeFileSync(f, 'kafka:\n  client_id: from-file\n');
    expect(loadConfig({ file: f }).kafka.client_id).toBe('from-file');
  });

  it('a missing file is LOGSHIP_ERR_CONFIG_READ naming the file', () => {
    const f = path.join(tmp, 'nope.yaml');
    const e = loadError({ file: f });
    expect(e.code).toBe('LOGSHIP_ERR_CONFIG_READ');
    expect(e.message).toBe(`cannot read config file ${f}: ENOENT`);
  });

  it('a key with no value keeps the default; an empty document is all defaults', () => {
    expect(loadConfig({ text: 'kafka:\n  topic:\n' }).kafka.topic).toBe('logs');
    expect(loadConfig({ text: '' }).kafka.topic).toBe('logs');
    expect(loadConfig({ text: '# only a comment\n' }).agent.json).toBe('auto');
  });

  it('interpolates ${VAR} and ${VAR:-default} in values with the given env', () => {
    const text =
      'kafka:\n  brokers: "${BROKERS:-127.0.0.1:9092}"\n  client_id: "id-${WHO}"\nelasticsearch:\n  url: "${ES_URL:-http://es:9200}"\n  password: "p$$w"\n';
    const a = loadConfig({ text, env: { WHO: 'me' } });
    expect(a.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(a.kafka.client_id).toBe('id-me');
    expect(a.elasticsearch.url).toBe('http://es:9200');
    expect(a.elasticsearch.password).toBe('p$w');
    const b = loadConfig({ text, env: { WHO: 'you', BROKERS: 'a:1, b:2', ES_URL: 'https://x:9201' } });
    expect(b.kafka.brokers).toEqual(['a:1', 'b:2']);
    expect(b.kafka.client_id).toBe('id-you');
    expect(b.elasticsearch.url).toBe('https://x:9201');
  });

  it('interpolates inside lists, naming the list element in problems', () => {
    const cfg = loadConfig({ text: 'agent:\n  files:\n    include: ["${DIR:-/logs}/*.log", "/x/${SUB}/*.log"]\n', env: { SUB: 'app' } });
    expect(cfg.agent.files.include).toEqual(['/logs/*.log', '/x/app/*.log']);
    expect(problems({ text: 'agent:\n  files:\n    include: ["/a", "/x/${SUB}/*.log"]\n' })).toEqual([
      { path: 'agent.files.include[1]', reason: 'environment variable SUB is not set (use ${SUB:-default} for a default)' },
    ]);
  });

  it('an unset variable without default is an error naming the key path', () => {
    const e = loadError({ text: 'elasticsearch:\n  api_key: "${ES_API_KEY}"\n', env: {} });
    expect(e.code).toBe('LOGSHIP_ERR_CONFIG_INVALID');
    expect(e.details.problems).toEqual([
      { path: 'elasticsearch.api_key', reason: 'environment variable ES_API_KEY is not set (use ${ES_API_KEY:-default} for a default)' },
    ]);
    expect(e.message).toContain('elasticsearch.api_key: environment variable ES_API_KEY is not set');
  });

  it('an unknown key is an error naming its full path, with a suggestion when misspelt', () => {
    expect(problems({ text: 'agent:\n  batch:\n    lingr_ms: 5\n' })).toEqual([
      { path: 'agent.batch.lingr_ms', reason: 'unknown key (did you mean agent.batch.linger_ms?)' },
    ]);
    expect(problems({ text: 'kafak:\n  brokers: [a:1]\n' })).toEqual([{ path: 'kafak', reason: 'unknown key (did you mean kafka?)' }]);
    expect(problems({ text: 'agent:\n  totally_unrelated_setting: 1\n' })).toEqual([
      { path: 'agent.totally_unrelated_setting', reason: 'unknown key' },
    ]);
  });

  it('the error message includes the file name and every problem', () => {
    const f = path.join(tmp, 'bad.yaml');
    fs.writeFileSync(f, 'kafka:\n  topik: x\nagent:\n  json: maybe\n');
    const e = loadError({ file: f });
    expect(e.message).toBe(
      `${f}: kafka.topik: unknown key (did you mean kafka.topic?); agent.json: expected one of auto, off, got string "maybe"`,
    );
  });

  it('bad value types name the path and the reason', () => {
    expect(problems({ text: 'agent:\n  batch:\n    max_events: lots\n' })).toEqual([
      { path: 'agent.batch.max_events', reason: 'expected an integer, got string "lots"' },
    ]);
    expect(problems({ text: 'kafka:\n  topic_partitions: 2.5\n' })).toEqual([
      { path: 'kafka.topic_partitions', reason: 'expected an integer, got number 2.5' },
    ]);
    expect(problems({ text: 'log_level: loud\n' })).toEqual([
      { path: 'log_level', reason: 'expected one of trace, debug, info, warn, error, fatal, silent, got string "loud"' },
    ]);
    expect(problems({ text: 'agent:\n  batch:\n    linger_ms: -5\n' })).toEqual([
      { path: 'agent.batch.linger_ms', reason: 'must be at least 0, got -5' },
    ]);
    expect(problems({ text: 'kafka:\n  topic_partitions: 0\n' })).toEqual([
      { path: 'kafka.topic_partitions', reason: 'must be at least 1, got 0' },
    ]);
    expect(problems({ text: 'sink:\n  bulk:\n    concurrency: 17\n' })).toEqual([
      { path: 'sink.bulk.concurrency', reason: 'must be at most 16, got 17' },
    ]);
    expect(problems({ text: 'sink:\n  from_beginning: yes please\n' })).toEqual([
      { path: 'sink.from_beginning', reason: 'expected true or false, got string "yes please"' },
    ]);
    expect(problems({ text: 'kafka:\n  brokers: {a: 1}\n' })).toEqual([
      { path: 'kafka.brokers', reason: 'expected a list of strings, got a mapping' },
    ]);
    expect(problems({ text: 'kafka: [1, 2]\n' })).toEqual([{ path: 'kafka', reason: 'expected a mapping' }]);
    expect(problems({ text: 'agent:\n  read_buffer_bytes: 1KiB\n' })).toEqual([
      { path: 'agent.read_buffer_bytes', reason: 'must be at least 4096, got 1024' },
    ]);
    expect(problems({ text: 'agent:\n  scan_interval_ms: soon\n' })).toEqual([
      { path: 'agent.scan_interval_ms', reason: 'expected a duration in ms (or 500ms, 5s, 1m), got string "soon"' },
    ]);
    expect(problems({ text: 'agent:\n  max_line_bytes: 1 furlong\n' })).toEqual([
      { path: 'agent.max_line_bytes', reason: 'expected a size in bytes (or 64KiB, 1MiB), got string "1 furlong"' },
    ]);
  });

  it('reports every problem, not only the first', () => {
    expect(problems({ text: 'log_level: loud\nkafka:\n  topic_partitions: x\n  nope: 1\n' }).map((p) => p.path)).toEqual([
      'log_level',
      'kafka.topic_partitions',
      'kafka.nope',
    ]);
  });

  it('durations and sizes are accepted for _ms and _bytes keys', () => {
    const cfg = loadConfig({
      text: 'agent:\n  scan_interval_ms: 5s\n  close_inactive_ms: 2m\n  max_line_bytes: 1MiB\n  read_buffer_bytes: 64KiB\n  batch:\n    linger_ms: 250ms\n    max_bytes: 2mb\nsink:\n  retry_max_ms: 1h\n',
    });
    expect(cfg.agent.scan_interval_ms).toBe(5000);
    expect(cfg.agent.close_inactive_ms).toBe(120_000);
    expect(cfg.agent.max_line_bytes).toBe(1_048_576);
    expect(cfg.agent.read_buffer_bytes).toBe(65_536);
    expect(cfg.agent.batch.linger_ms).toBe(250);
    expect(cfg.agent.batch.max_bytes).toBe(2_000_000);
    expect(cfg.sink.retry_max_ms).toBe(3_600_000);
  });

  it('a YAML syntax error gives line and column', () => {
    const e = loadError({ text: 'kafka:\n  brokers: [a:1\n  topic: x\n' });
    expect(e.code).toBe('LOGSHIP_ERR_CONFIG_INVALID');
    expect(e.message).toMatch(/^config: YAML syntax error at line 3, column 3: Flow sequence/);
    expect(loadError({ text: 'kafka:\n\ttopic: a\n' }).message).toMatch(
      /^config: YAML syntax error at line 2, column 1: Tabs are not allowed/,
    );
    const f = path.join(tmp, 'syntax.yaml');
    fs.writeFileSync(f, 'kafka:\n  topic: "abc\nagent: {}\n');
    const e3 = loadError({ file: f });
    expect(e3.message).toMatch(
      new RegExp(`^${f.replace(/[.*+?^$()|[\]\\]/g, '\\$&')}: YAML syntax error at line 4, column 1: Missing closing "quote`),
    );
    expect(e3.details.problems).toEqual([{ path: '(yaml)', reason: expect.stringMatching(/^Missing closing "quote/) }]);
  });

  it('a duplicate key is a YAML error', () => {
    const e = loadError({ text: 'kafka:\n  topic: a\n  topic: b\n' });
    expect(e.message).toMatch(/^config: YAML syntax error at line 3, column 3: /);
  });

  it('cross-checks: brokers host:port, URL, index prefix, topics differ, SASL user', () => {
    expect(problems({ text: 'kafka:\n  brokers: [nohost]\n' })).toEqual([{ path: 'kafka.brokers', reason: '"nohost" is not host:port' }]);
    expect(problems({ text: 'elasticsearch:\n  url: ftp://x\n' })).toEqual([
      { path: 'elasticsearch.url', reason: '"ftp://x" is not an http(s) URL' },
    ]);
    expect(problems({ text: 'elasticsearch:\n  index_prefix: Logs\n' }).map((p) => p.path)).toEqual(['elasticsearch.index_prefix']);
    expect(problems({ text: 'kafka:\n  dlq_topic: logs\n' })).toEqual([
      { path: 'kafka.dlq_topic', reason: 'must differ from kafka.topic' },
    ]);
    expect(problems({ text: 'kafka:\n  sasl:\n    mechanism: plain\n' })).toEqual([
      { path: 'kafka.sasl.username', reason: 'needed for plain' },
      { path: 'kafka.sasl.password', reason: 'needed for plain (or kafka.sasl.password_file)' },
    ]);
    // The usual cause: ${VAR:-} with the variable unset.
    expect(problems({ text: 'kafka:\n  sasl:\n    mechanism: scram-sha-512\n    username: u\n    password: "${KPW:-}"\n' })).toEqual([
      { path: 'kafka.sasl.password', reason: 'needed for scram-sha-512 (or kafka.sasl.password_file)' },
    ]);
    expect(problems({ text: 'elasticsearch:\n  username: elastic\n' })).toEqual([
      { path: 'elasticsearch.password', reason: 'needed with elasticsearch.username (or elasticsearch.password_file)' },
    ]);
    expect(problems({ sets: ['kafka.brokers='] })).toEqual([{ path: 'kafka.brokers', reason: 'at least one broker is needed' }]);
  });
});

describe('environment and flags', () => {
  it('LOGSHIP_* variables override keys, with list splitting and unit parsing', () => {
    const cfg = loadConfig({
      env: {
        LOGSHIP_KAFKA_BROKERS: 'a:1,b:2',
        LOGSHIP_AGENT_BATCH_LINGER_MS: '1s',
        LOGSHIP_SINK_FROM_BEGINNING: 'false',
        LOGSHIP_AGENT_MAX_LINE_BYTES: '64KiB',
        LOGSHIP_LOG_LEVEL: 'debug',
      },
    });
    expect(cfg.kafka.brokers).toEqual(['a:1', 'b:2']);
    expect(cfg.agent.batch.linger_ms).toBe(1000);
    expect(cfg.sink.from_beginning).toBe(false);
    expect(cfg.agent.max_line_bytes).toBe(65_536);
    expect(cfg.log_level).toBe('debug');
  });

  it('an empty LOGSHIP_* variable is ignored; unrelated variables are ignored', () => {
    const cfg = loadConfig({ env: { LOGSHIP_KAFKA_TOPIC: '', LOGSHIP_NOT_A_KEY: 'x', PATH: '/bin' } });
    expect(cfg.kafka.topic).toBe('logs');
  });

  it('a bad LOGSHIP_* value names the key and the variable', () => {
    expect(problems({ env: { LOGSHIP_SINK_BULK_CONCURRENCY: 'many' } })).toEqual([
      { path: 'sink.bulk.concurrency', reason: 'expected an integer, got string "many" (from LOGSHIP_SINK_BULK_CONCURRENCY)' },
    ]);
  });

  it('--set key.path=value overrides; bad ones are reported', () => {
    const cfg = loadConfig({ sets: ['kafka.topic=t1', 'agent.files.include=/a/*.log,/b/*.log', 'elasticsearch.url=http://h:1/x=y'] });
    expect(cfg.kafka.topic).toBe('t1');
    expect(cfg.agent.files.include).toEqual(['/a/*.log', '/b/*.log']);
    expect(cfg.elasticsearch.url).toBe('http://h:1/x=y');
    expect(problems({ sets: ['kafka.tpoic=x', 'novalue', 'kafka.tls=x'] })).toEqual([
      { path: 'kafka.tpoic', reason: 'unknown key (from --set)' },
      { path: 'novalue', reason: '--set wants key.path=value' },
      { path: 'kafka.tls', reason: 'unknown key (from --set)' },
    ]);
    expect(problems({ sets: ['agent.json=maybe'] })).toEqual([
      { path: 'agent.json', reason: 'expected one of auto, off, got string "maybe" (from --set)' },
    ]);
  });

  it('precedence: defaults < file < env < --set < overrides', () => {
    const text = 'kafka:\n  topic: from-file\n  client_id: from-file\n  dlq_topic: from-file-dlq\nagent:\n  data_dir: from-file\n';
    const env = { LOGSHIP_KAFKA_TOPIC: 'from-env', LOGSHIP_KAFKA_CLIENT_ID: 'from-env', LOGSHIP_AGENT_DATA_DIR: 'from-env' };
    const sets = ['kafka.topic=from-set', 'agent.data_dir=from-set'];
    const overrides: Array<[string, unknown]> = [['agent.data_dir', 'from-override']];
    const cfg = loadConfig({ text, env, sets, overrides });
    expect(cfg.kafka.request_timeout_ms).toBe(30000); // default
    expect(cfg.kafka.dlq_topic).toBe('from-file-dlq'); // file
    expect(cfg.kafka.client_id).toBe('from-env'); // env over file
    expect(cfg.kafka.topic).toBe('from-set'); // --set over env
    expect(cfg.agent.data_dir).toBe('from-override'); // override over --set
  });

  it('overrides take typed values', () => {
    const cfg = loadConfig({
      overrides: [
        ['agent.files.include', ['/x/**/*.log']],
        ['agent.metrics_listen', ''],
        ['sink.bulk.max_docs', 10],
      ],
    });
    expect(cfg.agent.files.include).toEqual(['/x/**/*.log']);
    expect(cfg.agent.metrics_listen).toBe('');
    expect(cfg.sink.bulk.max_docs).toBe(10);
  });
});
