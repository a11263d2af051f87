// deploy/systemd/*.service read the way systemd reads them (sections, Key=Value, repeated keys, comments,
// backslash continuations), then checked for what matters in operation: a bad config (exit 78) must not
// restart in a loop, the agent's checkpoints must live in its StateDirectory, and nothing runs as root.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands } from '../../cli/commands.js';
import { envNameFor, loadConfig } from '../../config/loader.js';
import { leaves } from '../../config/schema.js';
import { ROOT } from '../support/paths.js';

const dir = path.join(ROOT, 'deploy/systemd');

type Unit = Record<string, Record<string, string[]>>;

/** A minimal systemd unit parser: each key maps to every value it was given, in order. */
function parseUnit(text: string): Unit {
  const unit: Unit = {};
  let section: string | undefined;
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = header[1];
      unit[section] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0 || section === undefined) throw new Error(`not a unit file line: ${raw}`);
    const key = line.slice(0, eq).trim();
    (unit[section][key] ??= []).push(line.slice(eq + 1).trim());
  }
  return unit;
}

/** The value in force: systemd lets the last assignment win for single-valued keys. */
const last = (u: Unit, section: string, key: string) => u[section]?.[key]?.at(-1);

/** Environment= assignments ("A=1 B=2", optionally quoted) as a map. */
function environmentOf(u: Unit): Record<string, string> {
  const env: Record<string, string> = {};
  for (const value of u.Service?.Environment ?? []) {
    for (const m of value.matchAll(/"([^"]*)"|(\S+)/g)) {
      const assignment = m[1] ?? m[2];
      const eq = assignment.indexOf('=');
      if (eq > 0) env[assignment.slice(0, eq)] = assignment.slice(eq + 1);
    }
  }
  return env;
}

const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.service'))
  .sort();
const units = new Map(files.map((f) => [f, parseUnit(fs.readFileSync(path.join(dir, f), 'utf8'))]));

describe('parseUnit', () => {
  it('reads sections, repeated keys, comments and continuations', () => {
    const u = parseUnit('# c\n[Unit]\nDescription=x\n\n[Service]\n; c\nEnvironment=A=1\nEnvironment="B=2 3" \\\n  C=4\nUser=u\n');
    expect(u.Unit.Description).toEqual(['x']);
    expect(u.Service.Environment).toHaveLength(2);
    expect(environmentOf(u)).toEqual({ A: '1', B: '2 3', C: '4' });
    expect(() => parseUnit('[Service]\nnonsense\n')).toThrow();
  });
});

describe('deploy/systemd', () => {
  it('has the agent and sink units', () => {
    expect(files).toEqual(['logship-agent.service', 'logship-sink.service']);
  });

  describe.each(files)('%s', (file) => {
    const u = units.get(file)!;
    const sub = file === 'logship-agent.service' ? 'agent' : 'sink';

    it('runs `logship <subcommand> -c /etc/logship/<subcommand>.yaml` as a simple service', () => {
      expect(last(u, 'Service', 'Type')).toBe('simple');
      const argv = last(u, 'Service', 'ExecStart')!.split(/\s+/);
      expect(argv).toEqual(['/usr/bin/logship', sub, '-c', `/etc/logship/${sub}.yaml`]);
      expect(Object.keys(commands)).toContain(argv[1]);
    });

    it('does not restart on a bad config (exit 78), and restarts on other failures', () => {
      const prevent = (u.Service.RestartPreventExitStatus ?? []).flatMap((v) => v.split(/\s+/));
      expect(prevent).toContain('78');
      expect(last(u, 'Service', 'Restart')).toBe('on-failure');
      expect(Number(last(u, 'Service', 'RestartSec'))).toBeGreaterThan(0);
    });

    it('runs as the logship user, never root', () => {
      const user = last(u, 'Service', 'User');
      expect(user).toBeDefined();
      expect(['root', '0', '']).not.toContain(user);
      expect(['root', '0', '']).not.toContain(last(u, 'Service', 'Group'));
      expect(user).toBe('logship');
      expect(last(u, 'Service', 'DynamicUser')).not.toBe('yes');
    });

    it('has StateDirectory=logship, the only writable path', () => {
      expect(last(u, 'Service', 'StateDirectory')).toBe('logship');
      expect(last(u, 'Service', 'ProtectSystem')).toBe('strict');
      expect(u.Service.ReadWritePaths).toEqual(['/var/lib/logship']);
    });

    it('is hardened, without the option that breaks V8', () => {
      expect(last(u, 'Service', 'NoNewPrivileges')).toBe('yes');
      expect(last(u, 'Service', 'PrivateTmp')).toBe('yes');
      expect(['yes', 'read-only']).toContain(last(u, 'Service', 'ProtectHome'));
      expect(last(u, 'Service', 'MemoryDenyWriteExecute')).not.toBe('yes');
    });

    it('filters system calls to an ordinary service set (failing with EPERM), hides other processes, caps memory', () => {
      expect(u.Service.SystemCallFilter).toEqual(['@system-service']);
      expect(last(u, 'Service', 'SystemCallErrorNumber')).toBe('EPERM');
      expect(last(u, 'Service', 'ProtectProc')).toBe('invisible');
      const max = last(u, 'Service', 'MemoryMax');
      const m = /^(\d+)([KMGT]?)$/.exec(max ?? '');
      expect(m, `MemoryMax=${max}`).not.toBeNull();
      const bytes = Number(m![1]) * 1024 ** ' KMGT'.indexOf(m![2] || ' ');
      // Room for the configured bounds (bulk bodies, in-flight bytes, thousands of open files), yet a cap.
      expect(bytes).toBeGreaterThanOrEqual(512 * 1024 ** 2);
      expect(bytes).toBeLessThanOrEqual(4 * 1024 ** 3);
    });

    it("stops with SIGTERM and waits longer than logship's own shutdown grace", () => {
      expect(last(u, 'Service', 'KillSignal')).toBe('SIGTERM');
      const graceMs = loadConfig({})[sub].shutdown_grace_ms;
      expect(Number(last(u, 'Service', 'TimeoutStopSec')) * 1000).toBeGreaterThan(graceMs);
    });

    it('sets only LOGSHIP_* variables that config/loader.ts reads, with valid values', () => {
      const known = new Set(leaves().map(([p]) => envNameFor(p)));
      for (const [name, value] of Object.entries(environmentOf(u))) {
        if (!name.startsWith('LOGSHIP_')) continue;
        expect(known.has(name), name).toBe(true);
        expect(() => loadConfig({ env: { [name]: value } })).not.toThrow();
      }
    });

    it('is installed into multi-user.target', () => {
      expect(last(u, 'Install', 'WantedBy')).toBe('multi-user.target');
    });
  });

  it('the agent reads /var/log through the adm group and keeps its checkpoints in the StateDirectory', () => {
    const u = units.get('logship-agent.service')!;
    expect((u.Service.SupplementaryGroups ?? []).flatMap((v) => v.split(/\s+/))).toContain('adm');
    const env = environmentOf(u);
    expect(env.LOGSHIP_AGENT_DATA_DIR).toBe(`/var/lib/${last(u, 'Service', 'StateDirectory')}`);
    expect(loadConfig({ env }).agent.data_dir).toBe('/var/lib/logship');
  });
});
