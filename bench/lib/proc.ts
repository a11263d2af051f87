// Child processes measured from the outside: CPU time from /proc/<pid>/stat (all threads), RSS and its peak
// (VmRSS, VmHWM) from /proc/<pid>/status, read while the process is still alive.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import { sleep } from '../../test/support/sleep.js';

// The benchmarks wait with the tests' sleep (one definition).
export { sleep };

const CLK_TCK = 100; // sysconf(_SC_CLK_TCK) on Linux x86_64

export interface ProcStats {
  /** user + system CPU seconds so far. */
  cpuS: number;
  rssMb: number;
  hwmMb: number;
}

export function procStats(pid: number): ProcStats | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuS = (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime, stime (fields 14 and 15)
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    const hwm = kb('VmHWM');
    if (!Number.isFinite(hwm)) return undefined; // a zombie: exited, not yet reaped, no memory figures
    return { cpuS, rssMb: kb('VmRSS') / 1024, hwmMb: hwm / 1024 };
  } catch {
    return undefined;
  }
}

export interface Child {
  child: ChildProcess;
  pid: number;
  output: () => string;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** Spawns a process, keeping the last 64 KiB of its stdout+stderr for error messages. */
export function start(cmd: string, args: string[], opts: SpawnOptions = {}): Child {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  live.add(child);
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 65536) out = out.slice(-65536);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (err) => {
      out += `\n${err.message}`;
      resolve(127);
    });
    child.on('exit', (code, sig) => {
      live.delete(child);
      resolve(code ?? (sig ? 128 : null));
    });
  });
  return {
    child,
    pid: child.pid,
    output: () => out,
    exited,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

/** Polls `fn` every `everyMs` until it returns a value, `child` exits, or `timeoutMs` passes. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  o: { timeoutMs: number; everyMs?: number; child?: Child },
): Promise<T> {
  const deadline = Date.now() + o.timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (o.child && o.child.child.exitCode !== null)
      throw new Error(`${what}: process exited ${o.child.child.exitCode}: ${o.child.output().slice(-1500)}`);
    if (Date.now() > deadline)
      throw new Error(`timed out after ${o.timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(o.everyMs ?? 100);
  }
}

/** Samples a process' RSS while `during` runs; returns the largest VmRSS seen and the final VmHWM. */
export function sampleRss(pid: number, everyMs = 200): { stop(): { maxRssMb: number; hwmMb: number; cpuS: number } } {
  let maxRssMb = 0;
  let hwmMb = 0;
  let last: ProcStats | undefined;
  const take = () => {
    const s = procStats(pid);
    if (s) {
      last = s;
      maxRssMb = Math.max(maxRssMb, s.rssMb);
      hwmMb = Math.max(hwmMb, s.hwmMb);
    }
  };
  const t = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(t);
      take();
      // A process that already exited keeps the figures of its last sample (CPU up to then).
      return { maxRssMb, hwmMb, cpuS: last?.cpuS ?? 0 };
    },
  };
}
