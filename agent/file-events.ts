// Internal events of file discovery: files found, opened, closed (idle or gone), rotated, refused (a link or
// another file at a matched path), waiting for a descriptor (agent.max_open_files), and the per-file gauges.
// Faults (an open or a scan that failed) go through metrics.ts with the other faults.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../common/logger.js';

const MAX_FILE_LABELS = 200;

export interface FileGauges {
  files: Iterable<{ closed: boolean; path: string; bytesBehind: number }>;
  /** Files waiting for a descriptor, and known files closed while idle. */
  waiting?: number;
  idle?: number;
}

export function createFileEvents(registry: Registry, log: Logger) {
  const c = (name: string, help: string, labelNames: string[] = []) => new Counter({ name, help, labelNames, registers: [registry] });
  const g = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [registry] });
  const rotations = c('logship_agent_file_rotations_total', 'Files seen renamed away, truncated or replaced.', ['kind']);
  const filesWatched = g('logship_agent_files_watched', 'Files open for tailing.');
  const filesWaiting = g('logship_agent_files_waiting', 'Files waiting for a descriptor (agent.max_open_files); they get one in turn.');
  const filesIdle = g(
    'logship_agent_files_idle',
    'Known files without a descriptor: closed while idle so waiting files could be opened; reopened from their checkpoint when they change.',
  );
  const idleCloses = c('logship_agent_files_idle_closed_total', 'Files closed while idle to free a descriptor for a waiting file.');
  const openRefused = c(
    'logship_agent_open_refused_total',
    'Opens refused: the path held a symbolic link (link) or another file (swapped) than was matched. Retried next scan.',
    ['reason'],
  );
  const bytesBehind = g('logship_agent_bytes_behind', 'Bytes in tailed files past the acknowledged checkpoint, all files.');
  const fileBytesBehind = g(
    'logship_agent_file_bytes_behind',
    `Per file: bytes past the acknowledged checkpoint (first ${MAX_FILE_LABELS} files).`,
    ['file'],
  );

  return {
    symlinkSkipped(path: string) {
      log.warn({ path }, 'symbolic link matches the include globs: skipped (agent.files.follow_symlinks is false)');
    },
    fileOpened(path: string, offset: number, identity: string, why: string) {
      log.info({ path, offset, identity, why }, 'tailing file');
    },
    fileReopened(path: string, offset: number) {
      log.debug({ path, offset }, 'file changed: reopened from its checkpoint');
    },
    fileIdleClosed(path: string, offset: number) {
      idleCloses.inc();
      log.debug({ path, offset }, 'file idle: closed to free a descriptor for a waiting file');
    },
    /** The file at `path` is not the one the walk matched: a link (`link`, O_NOFOLLOW) or another file (`swapped`). */
    openRefused(reason: 'link' | 'swapped', path: string) {
      openRefused.inc({ reason });
      if (reason === 'link') log.warn({ path, reason }, 'a symbolic link replaced a matched file before it was opened: not followed');
      else log.info({ path, reason }, 'file replaced between matching and opening: skipped until the next scan');
    },
    fileClosed(path: string, offset: number, why: string) {
      log.info({ path, offset, why }, 'file closed');
    },
    fileRotated(kind: 'renamed' | 'truncated' | 'replaced' | 'deleted', path: string, detail: Record<string, unknown> = {}) {
      rotations.inc({ kind });
      log.info({ path, kind, ...detail }, 'file rotation detected');
    },
    setFileGauges(v: FileGauges) {
      filesWaiting.set(v.waiting ?? 0);
      filesIdle.set(v.idle ?? 0);
      let open = 0;
      let total = 0;
      let labelled = 0;
      fileBytesBehind.reset();
      for (const f of v.files) {
        if (!f.closed) open++;
        total += f.bytesBehind;
        if (labelled++ < MAX_FILE_LABELS) fileBytesBehind.set({ file: f.path }, f.bytesBehind);
      }
      filesWatched.set(open);
      bytesBehind.set(total);
    },
  };
}
