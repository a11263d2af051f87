// Config tests, part 2: the schema against the Config type, secrets and redaction, the shipped examples.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { LogshipError, exitCodeFor } from '../../common/errors.js';
import { envNameFor, loadConfig, readConfigFile, redactedConfig, secretsOf } from '../../config/loader.js';
import { leaves, schema, type Leaf } from '../../config/schema.js';
import type { Config } from '../../config/types.js';
import { problems, tmp } from '../support/config-helpers.js';
import { ROOT as root } from '../support/paths.js';

describe('schema and config/types.ts agree', () => {
  // `Config` is derived from the schema by types; ask the TypeScript checker what it resolves to: each property
  // path and, for string unions, its literal members. The schema's leaves must be exactly these paths.
  function typePaths(): Map<string, { kind: string; literals?: string[] }> {
    const file = path.join(root, 'config/types.ts');
    const program = ts.createProgram([file], {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
    });
    const checker = program.getTypeChecker();
    const sf = program.getSourceFile(file)!;
    const config = checker.getExportsOfModule(checker.getSymbolAtLocation(sf)!).find((s) => s.name === 'Config');
    expect(config).toBeDefined();
    const out = new Map<string, { kind: string; literals?: string[] }>();
    const walk = (t: ts.Type, prefix: string) => {
      for (const prop of checker.getPropertiesOfType(t)) {
        const p = prefix ? `${prefix}.${prop.name}` : prop.name;
        const pt = checker.getTypeOfSymbolAtLocation(prop, sf);
        const text = checker.typeToString(pt);
        if (pt.isStringLiteral()) out.set(p, { kind: 'union', literals: [pt.value] });
        else if (checker.isArrayType(pt) && text !== 'string[]') {
          // A list of objects (agent.sources): its items' paths as `path[].key`.
          out.set(p, { kind: 'list' });
          walk(checker.getTypeArguments(pt as ts.TypeReference)[0], `${p}[]`);
        } else if (text === 'Record<string, FieldValue>') out.set(p, { kind: 'map' });
        else if (pt.isUnion() && pt.types.every((u) => u.isStringLiteral()))
          out.set(p, { kind: 'union', literals: pt.types.map((u) => u.value) });
        else if (['string', 'number', 'boolean', 'string[]'].includes(text)) out.set(p, { kind: text });
        else if (pt.flags & ts.TypeFlags.Object) walk(pt, p);
        else out.set(p, { kind: text });
      }
    };
    walk(checker.getDeclaredTypeOfSymbol(config!), '');
    return out;
  }

  it('every leaf path is a property of Config with the matching type, and nothing else is', () => {
    const types = typePaths();
    const expected: Record<Leaf['kind'], string> = {
      string: 'string',
      int: 'number',
      bool: 'boolean',
      enum: 'union',
      strings: 'string[]',
      map: 'map',
    };
    // The lists' item leaves, `agent.sources[].name`, beside the fixed paths.
    const itemLeaves = leaves(schema.fields.agent.fields.sources.item, 'agent.sources[]');
    const all = [...leaves(), ...itemLeaves];
    const schemaPaths = [...all.map(([p]) => p), 'agent.sources'];
    expect([...types.keys()].sort()).toEqual([...schemaPaths].sort());
    for (const [p, leaf] of all) {
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
    expect(r.kafka.tls.key_file).toBe('/k.pem'); // a path, not a secret: the key file's content is
    expect(r.kafka.sasl.password).toBe(''); // unset secret stays empty
    expect(r.elasticsearch.username).toBe('elastic');
    expect(r.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(cfg.elasticsearch.password).toBe('pw1');
    expect(secretsOf(cfg).sort()).toEqual(['key1', 'pw1']);
    const secretLeaves = leaves()
      .filter(([, l]) => l.kind === 'string' && l.secret)
      .map(([p]) => p);
    expect(secretLeaves.sort()).toEqual(['elasticsearch.api_key', 'elasticsearch.password', 'elasticsearch.url', 'kafka.sasl.password']);
  });

  it('secretsOf and redactedConfig take the secret keys from the schema, a URL password included', () => {
    const cfg = loadConfig({
      text: 'elasticsearch:\n  url: "https://ops:pa%40ss-word@es.example:9200/x"\nkafka:\n  sasl:\n    mechanism: plain\n    username: u\n    password: kpw1\n',
    });
    expect(secretsOf(cfg).sort()).toEqual(['kpw1', 'pa@ss-word']);
    const r = redactedConfig(cfg);
    expect(r.elasticsearch.url).toBe('https://ops:[redacted]@es.example:9200/x');
    expect(r.kafka.sasl.password).toBe('[redacted]');
    expect(r.kafka.sasl.username).toBe('u');
    expect(redactedConfig(loadConfig()).elasticsearch.url).toBe('http://127.0.0.1:9200');
  });
});

describe('config/examples', () => {
  const dir = path.join(root, 'config/examples');
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
