// A private Docker daemon for the container tests: Debian's docker.io with the vfs storage driver, its own data
// root, exec root and socket (no system daemon, no registry, no network: --bridge none), and an image made by
// `docker import` of a tarball holding Debian's busybox-static binary. .ci/run installs both packages. When the
// daemon cannot run here, start() throws with the reason and the daemon's own last words: the test fails saying
// why rather than passing without a container.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { tmpDir } from './paths.js';
import { waitFor } from './helpers.js';

const exec = promisify(execFile);

export const BUSYBOX_IMAGE = 'logship-busybox:test';

export interface Dockerd {
  /** Where the daemon keeps containers: <dataRoot>/containers/<id>/<id>-json.log. */
  dataRoot: string;
  docker(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export async function startDockerd(): Promise<Dockerd> {
  const missing = ['dockerd', 'docker', 'busybox'].filter((c) => !which(c));
  if (missing.length)
    throw new Error(
      `cannot run the Docker test: ${missing.join(', ')} not installed (apt-get install docker.io busybox-static; .ci/run does)`,
    );
  if (process.getuid?.() !== 0) throw new Error('cannot run the Docker test: dockerd needs root (run the tests as root, as .ci/run does)');
  const dir = tmpDir('logship-dockerd-');
  const dataRoot = path.join(dir, 'data');
  const sock = path.join(dir, 'docker.sock');
  const logFile = path.join(dir, 'dockerd.log');
  const out = fs.openSync(logFile, 'a');
  const child: ChildProcess = spawn(
    'dockerd',
    [
      '--storage-driver=vfs',
      `--data-root=${dataRoot}`,
      `--exec-root=${path.join(dir, 'exec')}`,
      `--host=unix://${sock}`,
      `--pidfile=${path.join(dir, 'docker.pid')}`,
      '--bridge=none',
      '--iptables=false',
      '--ip6tables=false',
    ],
    { stdio: ['ignore', out, out] },
  );
  fs.closeSync(out);
  let exited: string | undefined;
  const gone = new Promise<void>((resolve) =>
    child.on('exit', (code, signal) => {
      exited = `dockerd exited (${signal ?? code})`;
      resolve();
    }),
  );
  const docker = async (args: string[]) => (await exec('docker', ['-H', `unix://${sock}`, ...args], { maxBuffer: 64 << 20 })).stdout.trim();
  const lastWords = () => fs.readFileSync(logFile, 'utf8').split('\n').slice(-25).join('\n');
  const stop = async () => {
    if (!exited) child.kill('SIGTERM');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 30_000))]);
    if (!exited) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      'dockerd answers on its socket',
      async () => {
        if (exited) throw new Error(exited);
        return docker(['version', '--format', '{{.Server.Version}}']).catch(() => undefined);
      },
      120_000,
      500,
    );
    // The image: busybox as /bin/busybox and /bin/sh, nothing else.
    const rootfs = path.join(dir, 'rootfs');
    fs.mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
    fs.copyFileSync(which('busybox')!, path.join(rootfs, 'bin/busybox'));
    fs.chmodSync(path.join(rootfs, 'bin/busybox'), 0o755);
    fs.symlinkSync('busybox', path.join(rootfs, 'bin/sh'));
    await exec('tar', ['-C', rootfs, '-cf', path.join(dir, 'image.tar'), '.']);
    await docker(['import', path.join(dir, 'image.tar'), BUSYBOX_IMAGE]);
  } catch (err) {
    const words = fs.existsSync(logFile) ? lastWords() : '';
    await stop();
    throw new Error(`cannot run dockerd here: ${(err as Error).message}\n--- dockerd's log ---\n${words}`, { cause: err });
  }
  return { dataRoot, docker, stop };
}
