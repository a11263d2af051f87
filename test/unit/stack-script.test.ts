// stack/stack.sh may run as root in a shared /var/tmp: it refuses a state directory it cannot trust (another user's,
// writable by group or others, a link, or under a directory others could swap), makes its own private, and reads
// its credentials file as data, never as shell. Nothing here starts a service: each case stops at the check
// (exit 3), at the cache check (exit 4), or only makes the TLS material (`env`). Ports are ones nothing listens on.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const STACK = path.resolve(import.meta.dirname, '../../stack/stack.sh');
const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;
let tmp: string;

function stack(dir: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync('bash', [STACK, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      ...process.env,
      LOGSHIP_STACK_DIR: dir,
      LOGSHIP_KAFKA_PORT: '1',
      LOGSHIP_KAFKA_CONTROLLER_PORT: '2',
      LOGSHIP_ES_PORT: '3',
      ...env,
    },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function mkdir(name: string, mode = 0o700): string {
  const d = path.join(tmp, name);
  fs.mkdirSync(d, { recursive: true });
  fs.chmodSync(d, mode); // mkdir's mode is cut by the umask
  return d;
}

const modeOf = (p: string) => fs.statSync(p).mode & 0o7777;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'logship-stack-script-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('stack.sh trusts only a state directory of its own', () => {
  it('refuses one owned by another user (exit 3) and puts nothing in it, for `up` as for `status`', () => {
    // As root: a directory given to nobody, as another user could have made it first. Otherwise / (root's) will do.
    const foreign = isRoot ? mkdir('foreign') : '/';
    if (isRoot) fs.chownSync(foreign, NOBODY, NOBODY);
    for (const cmd of ['status', 'up', 'env', 'down']) {
      const r = stack(foreign, [cmd]);
      expect(r.code, `${cmd}: ${r.err}`).toBe(3);
      expect(r.err).toMatch(/refusing the state directory: .* is owned by (nobody|uid \d+|root), not by .*another user may have made it/);
    }
    if (isRoot) expect(fs.readdirSync(foreign)).toEqual([]);
  });

  it('refuses one writable by group or others, even with the sticky bit', () => {
    for (const mode of [0o770, 0o707, 0o777, 0o1777]) {
      const d = mkdir(`writable-${mode.toString(8)}`, mode);
      const r = stack(d, ['up']);
      expect(r.code, r.err).toBe(3);
      expect(r.err).toContain(`is writable by group or others (mode ${mode.toString(8)})`);
      expect(fs.readdirSync(d)).toEqual([]);
    }
  });

  it('refuses a cache/, run/ or secure/ in it that is not private', () => {
    for (const sub of ['cache', 'run', 'secure']) {
      const d = mkdir(`sub-writable-${sub}`);
      mkdir(`sub-writable-${sub}/${sub}`, 0o777);
      const r = stack(d, ['status']);
      expect(r.code, r.err).toBe(3);
      expect(r.err).toContain(`${d}/${sub} is writable by group or others`);
    }
    if (isRoot) {
      const d = mkdir('sub-foreign');
      fs.chownSync(mkdir('sub-foreign/cache'), NOBODY, NOBODY);
      const r = stack(d, ['up']);
      expect(r.code, r.err).toBe(3);
      expect(r.err).toContain(`${d}/cache is owned by nobody`);
    }
  });

  it('refuses a link as the state directory, and one under a directory that others could swap', () => {
    const target = mkdir('link-target');
    const link = path.join(tmp, 'link');
    fs.symlinkSync(target, link);
    const viaLink = stack(link, ['up']);
    expect(viaLink.code, viaLink.err).toBe(3);
    expect(viaLink.err).toContain(`${link} is a symbolic link, not a directory`);

    mkdir('open-parent', 0o777); // writable by all and not sticky: anyone could rename the state directory away
    const under = mkdir('open-parent/stack');
    const r = stack(under, ['up']);
    expect(r.code, r.err).toBe(3);
    expect(r.err).toContain(
      `${path.join(tmp, 'open-parent')}, above the state directory ${under}, is writable by group or others without the sticky bit`,
    );
    expect(fs.readdirSync(under)).toEqual([]);
  });

  it('makes a new one private: 0700 (0711 as root, for the services to pass through), secrets 0600 in a 0700 secure/', () => {
    const d = path.join(tmp, 'fresh/state');
    const r = stack(d, ['env']);
    expect(r.code, r.err).toBe(0);
    const pass = isRoot ? 0o711 : 0o700;
    expect(modeOf(d)).toBe(pass);
    expect(modeOf(path.join(d, 'cache'))).toBe(pass);
    expect(modeOf(path.join(d, 'run'))).toBe(pass);
    expect(modeOf(path.join(d, 'secure'))).toBe(0o700);
    for (const f of ['credentials', 'ca.key', 'server.key', 'kafka-server.p12', 'openssl.log'])
      expect(modeOf(path.join(d, 'secure', f)), f).toBe(0o600);
    expect(modeOf(path.join(d, 'secure', 'ca.crt'))).toBe(0o644); // public: clients are given its path
    expect(r.out).toMatch(/^LOGSHIP_STACK_ES_PASSWORD=es-[A-Za-z0-9_-]{24}$/m);
  });
});

describe('stack.sh reads its credentials file as data', () => {
  let dir: string;
  let creds: string;
  let good: string;
  beforeAll(() => {
    dir = path.join(tmp, 'creds');
    expect(stack(dir, ['env']).code).toBe(0);
    creds = path.join(dir, 'secure/credentials');
    good = fs.readFileSync(creds, 'utf8');
  });
  const withLines = (lines: string[]) => fs.writeFileSync(creds, good + lines.map((l) => `${l}\n`).join(''));

  it('prints what the file holds, whatever SEC_* variables the caller has', () => {
    const r = stack(dir, ['env'], { SEC_ES_PASSWORD: 'from-the-environment', SEC_KAFKA_PLAIN_USER: 'someone' });
    expect(r.code, r.err).toBe(0);
    const file = Object.fromEntries(
      good
        .trim()
        .split('\n')
        .map((l) => l.split('=') as [string, string]),
    );
    expect(r.out).toContain(`LOGSHIP_STACK_ES_PASSWORD=${file.SEC_ES_PASSWORD}\n`);
    expect(r.out).toContain(`LOGSHIP_STACK_KAFKA_PLAIN_USER=${file.SEC_KAFKA_PLAIN_USER}\n`);
  });

  it('never runs a command written in it, and refuses the file', () => {
    const marker = path.join(tmp, 'pwned');
    for (const line of [
      `SEC_X=$(touch ${marker})`,
      `SEC_ES_PASSWORD=\`touch ${marker}\``,
      `touch ${marker}`,
      `SEC_ES_USER=a;touch ${marker}`,
    ]) {
      fs.writeFileSync(creds, `${line}\n${good}`);
      const r = stack(dir, ['env']);
      expect(r.code, line).toBe(1);
      expect(r.err).toContain('credentials line 1 is not KEY=value with a value of letters, digits and . _ -');
      expect(r.out).toBe('');
      expect(fs.existsSync(marker), line).toBe(false);
    }
  });

  it('refuses an unknown key, a key given twice and a missing key', () => {
    withLines(['LD_PRELOAD=evil.so']);
    expect(stack(dir, ['env']).err).toContain('unknown key LD_PRELOAD');
    withLines(['SEC_ES_PASSWORD=another']);
    expect(stack(dir, ['env']).err).toContain('SEC_ES_PASSWORD given twice');
    fs.writeFileSync(creds, good.replace(/^SEC_ES_USER=.*\n/m, ''));
    const r = stack(dir, ['env']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('has no SEC_ES_USER');
    fs.writeFileSync(creds, good);
    expect(stack(dir, ['env']).code).toBe(0);
  });
});

describe('stack.sh pid files', () => {
  it("`down` signals no process that a pid file names unless it is this instance's Kafka or Elasticsearch", () => {
    const d = mkdir('pids');
    mkdir('pids/run/es');
    const bystander = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      // Elasticsearch writes its pid file as its own user: whatever it says is checked against the process.
      fs.writeFileSync(path.join(d, 'run/es/es.pid'), `${bystander.pid}\n`);
      fs.writeFileSync(path.join(d, 'run/kafka.pid'), `${bystander.pid}\n`);
      const r = stack(d, ['down']);
      expect(r.code, r.err).toBe(0);
      expect(() => process.kill(bystander.pid!, 0)).not.toThrow();
      expect(bystander.exitCode).toBeNull();
    } finally {
      bystander.kill('SIGKILL');
    }
  });
});

describe('stack.sh verify-cache', () => {
  it('reports a cache with nothing fetched as unverified (exit 4) without fetching or starting anything', () => {
    const d = mkdir('empty-cache');
    const r = stack(d, ['verify-cache']);
    expect(r.code, r.err).toBe(4);
    expect(r.err).toContain('kafka 4.1.1 libs: not fetched');
    expect(r.err).toContain('elasticsearch 8.19.4 zip: not fetched');
    expect(fs.readdirSync(d)).toEqual([]);
  });
});
