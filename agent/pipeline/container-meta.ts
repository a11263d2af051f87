// What a container log file's path says about its container: the kubelet's
// /var/log/pods/<namespace>_<pod>_<uid>/<container>/<restart>.log (and its rotated <restart>.log.<time>), the
// kubelet's links /var/log/containers/<pod>_<namespace>_<container>-<id>.log, and Docker's
// /var/lib/docker/containers/<id>/<id>-json.log (and its rotated -json.log.<n>); and, for Docker, the container's
// name and image from its config.v2.json beside the log. ECS names (container.*) and the Beats' kubernetes.*. Pure.

import type { LogEvent } from '../../common/event.js';

export type ContainerMeta = Pick<LogEvent, 'container' | 'kubernetes'>;

const POD_LOG = /\/([^/_]+)_([^/_]+)_([^/_]+)\/([^/]+)\/\d+\.log(?:\.[^/]*)?$/;
const CONTAINERS_LINK = /\/([^/_]+)_([^/_]+)_([^/]+)-([0-9a-f]{64})\.log$/;
const DOCKER_LOG = /\/([0-9a-f]{12,64})\/\1-json\.log(?:\.\d+)?$/;

export function containerMetaFromPath(path: string): ContainerMeta {
  let m = POD_LOG.exec(path);
  if (m) return { kubernetes: { namespace: m[1], pod: { name: m[2], uid: m[3] }, container: { name: m[4] } } };
  m = CONTAINERS_LINK.exec(path);
  if (m)
    return {
      container: { id: m[4] },
      kubernetes: { namespace: m[2], pod: { name: m[1] }, container: { name: m[3] } },
    };
  m = DOCKER_LOG.exec(path);
  if (m) return { container: { id: m[1] } };
  return {};
}

/** The directory of a Docker json-file log, where config.v2.json is; undefined for other paths. */
export function dockerContainerDir(path: string): string | undefined {
  const m = DOCKER_LOG.exec(path);
  return m ? path.slice(0, m.index + 1 + m[1].length) : undefined;
}

/** The name (without Docker's leading "/") and image of a container, from its config.v2.json; {} when unreadable. */
export function dockerConfigMeta(text: string): NonNullable<ContainerMeta['container']> {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof o !== 'object' || o === null) return {};
  const c = o as { Name?: unknown; Config?: { Image?: unknown } | null };
  const out: NonNullable<ContainerMeta['container']> = {};
  if (typeof c.Name === 'string' && c.Name.length > 0) out.name = c.Name.replace(/^\//, '');
  const image = c.Config && typeof c.Config === 'object' ? c.Config.Image : undefined;
  if (typeof image === 'string' && image.length > 0) out.image = { name: image };
  return out;
}

/** Path metadata, with what the container's own config adds (Docker only). */
export function withDockerConfig(meta: ContainerMeta, config: string | undefined): ContainerMeta {
  if (config === undefined || !meta.container) return meta;
  return { ...meta, container: { ...meta.container, ...dockerConfigMeta(config) } };
}
