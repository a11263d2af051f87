// Config tests, part 2: the schema against config/types.ts, secrets and redaction, the shipped examples.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { LogshipError, exitCodeFor } from '../../common/errors.js';
import { envNameFor, loadConfig, readConfigFile, redactedConfig, secretsOf } from '../../config/loader.js';
import { leaves, schema, type Leaf } from '../../config/schema.js';
import type { Config } from '../../config/types.js';
import { problems, tmp } from '../support/config-helpers.js';
import { ROOT } from '../support/paths.js';

describe('schema and config/types.ts agree', () => {
  // Walk the `Config` interface in types.ts with the TypeScript parser: each property path and, for string
  // unions, its literal members. The schema's leaves must be exactly these paths.
  function typePaths(): Map<string, { kind: string; literals?: string[] }> {
    const file = path.join(ROOT, 'config/types.ts');
    const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const out = new Map<string, { kind: string; literals?: string[] }>();
    const walk = (members: ts.NodeArray<ts.TypeElement>, prefix: string) => {
      for (const m of members) {
        if (!ts.isPropertySignature(m) || !m.type) continue;
        const name = m.name.getText(sf);
        const p = prefix ? `${prefix}.${name}` : name;
        const t = m.type;
        if (ts.isTypeLiteralNode(t)) walk(t.members, p);
        else if (ts.isUnionTypeNode(t)) {
          out.set(p, {
            kind: 'union',
            literals: t.types.map((u) => (ts.isLiteralTypeNode(u) && ts.isStringLiteral(u.literal) ? u.literal.text : `?${u.getText(sf)}`)),
          });
        } else out.set(p, { kind: t.getText(sf) });
      }
    };
    let found = false;
    sf.forEachChild((n) => {
      if (ts.isInterfaceDeclaration(n) && n.name.text === 'Config') {
        found = true;
        walk(n.members, '');
      }
    });
    expect(found).toBe(true);
    return out;
  }

  it('every leaf path is a property of Config with the matching type, and nothing else is', () => {
    const types = typePaths();
    const expected: Record<Leaf['kind'], string> = { string: 'string', int: 'number', bool: 'boolean', enum: 'union', strings: 'string[]' };
    const schemaPaths = leaves().map(([p]) => p);
    expect([...types.keys()].sort()).toEqual([...schemaPaths].sort());
    for (const [p, leaf] of leaves()) {
      const t = types.get(p)!;
      expect(t.kind, p).toBe(expected[leaf.kind]);
      if (leaf.kind === 'enum') expect([...t.literals!].sort(), p).toEqual([...leaf.values].sort());
    }
  });

  it('no two leaves share an environment variable name', () => {
    const names = leaves().map(([p]) => envNameFor(p));
    expect(names.length).toBeGreaterThan(50);
    expect(new Set(names).size).toBe(names.length);
  });

  it('envNameFor maps a key path to LOGSHIP_<PATH>', () => {
    expect(envNameFor('agent.batch.linger_ms')).toBe('LOGSHIP_AGENT_BATCH_LINGER_MS');
    expect(envNameFor('host_name')).toBe('LOGSHIP_HOST_NAME');
  });

  it('every leaf has a description', () => {
    for (const [p, leaf] of leaves(schema)) expect(leaf.description.length, p).toBeGreaterThan(5);
  });
});

describe('secrets', () => {
  it('password_file is read and trimmed; a missing one is reported', () => {
    const f = path.join(tmp, 'pw');
    fs.writeFileSync(f, 's3cret\n');
    expect(loadConfig({ text: `elasticsearch:\n  password_file: ${f}\n` }).elasticsearch.password).toBe('s3cret');
    const missing = path.join(tmp, 'missing-pw');
    expect(problems({ text: `kafka:\n  sasl:\n    password_file: ${missing}\n` })).toEqual([
      { path: 'kafka.sasl.password_file', reason: `cannot read ${missing}: ENOENT` },
    ]);
  });

  it('a password in the Elasticsearch URL is a secret too', () => {
    const cfg = loadConfig({ text: 'elasticsearch:\n  url: "https://ops:pa%40ss-word@es.example:9200"\n' });
    expect(secretsOf(cfg)).toEqual(['pa@ss-word']);
  });

  it('a CA or key file is read when a client is built; a missing one is a config error (78) naming the key', () => {
    const f = path.join(tmp, 'ca.pem');
    fs.writeFileSync(f, '-----BEGIN CERTIFICATE-----\n');
    expect(readConfigFile(f, 'kafka.tls.ca_file')).toContain('BEGIN CERTIFICATE');
    const missing = path.join(tmp, 'missing-ca.pem');
    // validate does not read it (it may run on another machine than the one that has the file).
    expect(loadConfig({ text: `kafka:\n  tls:\n    enabled: true\n    ca_file: ${missing}\n` }).kafka.tls.ca_file).toBe(missing);
    let err: unknown;
    try {
      readConfigFile(missing, 'kafka.tls.ca_file');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LogshipError);
    expect((err as LogshipError).message).toBe(`kafka.tls.ca_file: cannot read ${missing}: ENOENT`);
    expect(exitCodeFor(err)).toBe(78);
  });

  it('redactedConfig hides set secrets only, and leaves the original alone', () => {
    const cfg = loadConfig({
      text: 'elasticsearch:\n  password: pw1\n  api_key: key1\n  username: elastic\nkafka:\n  tls:\n    key_file: /k.pem\n',
    });
    const r = redactedConfig(cfg);
    expect(r.elasticsearch.password).toBe('[redacted]');
    expect(r.elasticsearch.api_key).toBe('[redacted]');
    expect(r.kafka.tls.key_file).toBe('[redacted]');
    expect(r.kafka.sasl.password).toBe(''); // unset secret stays empty
    expect(r.elasticsearch.username).toBe('elastic');
    expect(r.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(cfg.elasticsearch.password).toBe('pw1');
    expect(secretsOf(cfg).sort()).toEqual(['key1', 'pw1']);
    const secretLeaves = leaves()
      .filter(([, l]) => l.kind === 'string' && l.secret)
      .map(([p]) => p);
    expect(secretLeaves.sort()).toEqual(['elasticsearch.api_key', 'elasticsearch.password', 'kafka.sasl.password', 'kafka.tls.key_file']);
  });
});

describe('config/examples', () => {
  const dir = path.join(ROOT, 'config/examples');
  const files = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
    : [];

  it('there is at least one example', () => {
    expect(files.length).toBeGreaterThanOrEqual(1);
  });

  it.each(files)('%s validates with an empty environment and with one set', (name) => {
    const file = path.join(dir, name);
    const cfg: Config = loadConfig({ file, env: {} });
    expect(cfg.kafka.brokers.length).toBeGreaterThan(0);
    const text = fs.readFileSync(file, 'utf8');
    if (text.includes('${KAFKA_BROKERS')) {
      expect(loadConfig({ file, env: { KAFKA_BROKERS: 'b1:9092,b2:9092' } }).kafka.brokers).toEqual(['b1:9092', 'b2:9092']);
    }
    if (text.includes('${ES_URL')) {
      expect(loadConfig({ file, env: { ES_URL: 'https://es.example:9200' } }).elasticsearch.url).toBe('https://es.example:9200');
    }
  });
});
