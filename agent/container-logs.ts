// The container stage's wiring, in one place: which decoder a source's `format` means, the metadata a file's
// path (and Docker's config.v2.json beside it) gives its events, and the stage's internal events. Each tailed
// file gets a ContainerSource; each of its generations a new joiner (agent/pipeline/container-join.ts).
import fs from 'node:fs';
import path from 'node:path';
import { decodeCriLine } from './pipeline/container-cri.js';
import { decodeDockerLine } from './pipeline/container-docker.js';
import { createContainerJoiner, type ContainerJoiner } from './pipeline/container-join.js';
import { containerMetaFromPath, dockerContainerDir, withDockerConfig, type ContainerMeta } from './pipeline/container-meta.js';
import type { ContainerDecoder } from './pipeline/container-record.js';
import type { AgentMetrics } from './metrics.js';

export type { ContainerJoiner };

export type LogFormat = 'plain' | 'docker' | 'cri';

export interface ContainerSource {
  meta: ContainerMeta;
  joiner(): ContainerJoiner;
}

const DECODERS: Record<Exclude<LogFormat, 'plain'>, ContainerDecoder> = { docker: decodeDockerLine, cri: decodeCriLine };

/** config.v2.json is a few KiB; a larger one is not a container's config. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** Docker's own record of the container (name, image), read once per opened file; undefined when unreadable. */
function readDockerConfig(logPath: string): string | undefined {
  const dir = dockerContainerDir(logPath);
  if (!dir) return undefined;
  try {
    const file = path.join(dir, 'config.v2.json');
    return fs.statSync(file).size <= MAX_CONFIG_BYTES ? fs.readFileSync(file, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

/** What a tailer of a file of `format` is given; undefined for plain files (no stage). */
export function containerSources(
  format: LogFormat,
  o: { maxLineBytes: number; metrics: AgentMetrics },
): ((path: string) => ContainerSource) | undefined {
  if (format === 'plain') return undefined;
  const decode = DECODERS[format];
  const { metrics } = o;
  return (file) => {
    const fromPath = containerMetaFromPath(file);
    const meta = format === 'docker' ? withDockerConfig(fromPath, readDockerConfig(file)) : fromPath;
    const events = {
      undecoded: (offset: number) => metrics.containerUndecoded(format, file, offset),
      joined: (_offset: number, pieces: number) => metrics.linesJoined(pieces - 1),
      cut: (offset: number, bytes: number) => metrics.lineTruncated(file, offset, bytes),
    };
    return { meta, joiner: () => createContainerJoiner({ decode, maxLineBytes: o.maxLineBytes, events }) };
  };
}
