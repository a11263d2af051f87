// `logship` child processes of the tests: every one is killed when its test file ends, keeps its whole output, and
// prints it when a test it belongs to fails (test/setup-kill.ts), so a failure says what the process said.
//
// Metrics ports are never chosen by the tests: the configs say 127.0.0.1:0, the kernel gives the agent or sink a
// free port when it binds, and the address is read from its "agent started" / "sink started" log line. A port
// picked in advance can be taken meanwhile (by any outgoing connection: the kernel's ephemeral range overlaps),
// and an agent that cannot bind exits before reading a line.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { BIN, ROOT } from './paths.js';

export type Kind = 'agent' | 'sink';

export interface Proc {
  child: ChildProcess;
  stderr: () => string;
  stdout: () => string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /**
   * Resolves when the process has logged "agent started" / "sink started" (at info: the tests' configs log at
   * info or debug); rejects if it exits first.
   */
  started(timeoutMs?: number): Promise<void>;
  /** The metrics address that line gave (throws before it, or when it gave none: stdin and run have none). */
  readonly metrics: string;
}

/** What the failure report and the metrics boards know of a process. */
interface Started {
  args: string[];
  pid: number | undefined;
  startedAt: number;
  exitedAt?: number;
  exit?: string;
  /** It logged "<kind> started", with this metrics address (undefined when it serves none). */
  started?: { address?: string };
  stdout: () => string;
  stderr: () => string;
}

const live = new Set<ChildProcess>();
const history: Started[] = [];

/** Kills every process a test started and did not stop (a failed test must not leave agents behind). */
export function killAll() {
  for (const c of live) c.kill('SIGKILL');
  live.clear();
}
process.on('exit', killAll);

/** Per directory of configs (a test env's): the agent and the sink started last with one of them. */
const boards = new Map<string, Partial<Record<Kind, Started>>>();

/**
 * Follows the agents and sinks started with a config in `dir`: returns the metrics address the latest one of a
 * kind logged. A new start replaces the one before (gone, or about to be), so a restarted process is never asked
 * through its predecessor's port.
 */
export function trackMetrics(dir: string): (kind: Kind) => string {
  const board: Partial<Record<Kind, Started>> = {};
  boards.set(path.resolve(dir), board);
  return (kind) => {
    const p = board[kind];
    if (p?.started?.address !== undefined) return p.started.address;
    const why = !p
      ? 'none was started'
      : p.started
        ? 'the last one serves no metrics'
        : p.exit
          ? `the last one ${p.exit} first (its output is printed if the test fails)`
          : 'not yet';
    throw new Error(`no ${kind} started with a config in ${dir} has logged its metrics address: ${why}`);
  };
}

const KINDS: Record<string, Kind[]> = { agent: ['agent'], run: ['agent'], sink: ['sink'], demo: ['agent', 'sink'] };

function boardOf(args: string[], cwd: string) {
  const i = args.findIndex((a) => a === '-c' || a === '--config');
  return i >= 0 && args[i + 1] ? boards.get(path.dirname(path.resolve(cwd, args[i + 1]))) : undefined;
}

/** An "agent started" / "sink started" log line, with the metrics address it gives. */
function startedLine(line: string): { address?: string } | undefined {
  if (!/"msg":"(agent|sink) started"/.test(line)) return undefined;
  try {
    const address = (JSON.parse(line) as { metrics?: unknown }).metrics;
    return { address: typeof address === 'string' ? address : undefined };
  } catch {
    return undefined;
  }
}

export function logship(args: string[], opts: { env?: Record<string, string>; input?: string; cwd?: string } = {}): Proc {
  const cwd = opts.cwd ?? ROOT;
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
  let out = '';
  let err = '';
  let partial = '';
  const me: Started = { args, pid: child.pid, startedAt: Date.now(), stdout: () => out, stderr: () => err };
  history.push(me);
  const board = boardOf(args, cwd);
  for (const k of KINDS[args[0]] ?? []) if (board) board[k] = me;
  const waiting: Array<() => void> = [];
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => {
    err += d;
    const lines = (partial + d).split('\n');
    partial = lines.pop()!;
    for (const l of lines) {
      const s = startedLine(l);
      if (!s) continue;
      me.started = s;
      for (const f of waiting.splice(0)) f();
    }
  });
  if (opts.input !== undefined) child.stdin.end(opts.input);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code, sig) => {
      live.delete(child);
      me.exitedAt = Date.now();
      me.exit = sig ? `was killed by ${sig}` : `exited ${code}`;
      resolve(code ?? (sig ? 128 : null));
    }),
  );
  return {
    child,
    stderr: () => err,
    stdout: () => out,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    started(timeoutMs = 60_000) {
      if (me.started) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const fail = (why: string) =>
          reject(new Error(`logship ${args[0]} ${why} before it logged that it started; its stderr ends: ${err.slice(-2000)}`));
        const timer = setTimeout(() => fail(`took more than ${timeoutMs} ms`), timeoutMs);
        waiting.push(() => {
          clearTimeout(timer);
          resolve();
        });
        void exited.then(() => {
          clearTimeout(timer);
          fail(me.exit!);
        });
      });
    },
    get metrics() {
      const address = me.started?.address;
      if (address === undefined)
        throw new Error(
          `logship ${args[0]} (pid ${child.pid}) ${me.started ? 'serves no metrics' : 'has not logged its metrics address (yet)'}`,
        );
      return address;
    },
  };
}

export async function run(args: string[], opts: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}) {
  const p = logship(args, opts);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** A mark to pass to failureReport: the processes started from now on, and those still running now. */
export function processMark(): { index: number; at: number } {
  return { index: history.length, at: Date.now() };
}

const HEAD = 4_000;
const TAIL = 16_000;

function clip(text: string): string {
  if (text.length <= HEAD + TAIL) return text;
  return `${text.slice(0, HEAD)}\n[... ${text.length - HEAD - TAIL} characters left out ...]\n${text.slice(-TAIL)}`;
}

/** The output of the processes started since `mark`, or running at it, for a failed test's log. */
export function failureReport(mark: { index: number; at: number }): string {
  const mine = history.filter((r, i) => i >= mark.index || r.exitedAt === undefined || r.exitedAt > mark.at);
  return mine
    .map((r) => {
      const status = r.exit ? `${r.exit} after ${((r.exitedAt! - r.startedAt) / 1000).toFixed(1)} s` : 'still running';
      const head = `---- logship ${r.args.join(' ')} (pid ${r.pid}, ${status})`;
      const out = r.stdout() ? `\n---- its stdout:\n${clip(r.stdout())}` : '';
      return `${head}\n${clip(r.stderr()) || '(no stderr)'}${out}\n`;
    })
    .join('');
}
