// The configured file sources: agent.sources, or, when that is empty, the implicit source `files` made of
// agent.files with agent.multiline, agent.json and agent.parser (so a config written before sources keeps its
// meaning). Each source's patterns are compiled once here, at start. A file belongs to the first source in the
// list whose globs match it: the scanner keys open files by device and inode, so a file is never tailed twice,
// whatever globs match it.
import { LogshipError } from '../../../common/errors.js';
import type { Config } from '../../../config/types.js';
import type { EventRules } from '../../pipeline/event-builder.js';
import { createLineProcessors, type LineProcessors } from '../../pipeline/line-processors.js';
import { multilineFactory, type Multiline } from '../../pipeline/multiline.js';
import { compileCustomFormat } from '../../pipeline/plain-custom.js';
import { zoneResolver } from '../../pipeline/plain-zone.js';
import { createPathMatcher, type PathMatcher } from './glob.js';
import type { LogFormat } from '../../container-logs.js';

type SourceConfig = Config['agent']['sources'][number];

/** The name of the implicit source made of agent.files. */
export const IMPLICIT_SOURCE = 'files';

export interface FileSource {
  name: string;
  matcher: PathMatcher;
  readFrom: 'beginning' | 'end';
  parseJson: boolean;
  /** plain, or container log records (agent/container-logs.ts). */
  format: LogFormat;
  multiline?: () => Multiline;
  processors: LineProcessors;
  /** Merged over the agent's rules: plain-line parsing, static fields and tags. */
  rules: Pick<EventRules, 'plain' | 'fields' | 'tags'>;
}

export interface SourceRouter {
  sources: FileSource[];
  /** Every source's globs at once: what discovery walks and watches. */
  matcher: PathMatcher;
  /** The first source whose globs match `file`. */
  sourceFor(file: string): FileSource | undefined;
}

/** The configured sources, the implicit one first converted to the same shape. */
export function configuredSources(a: Config['agent']): Array<{ cfg: SourceConfig; at: string }> {
  if (a.sources.length > 0) return a.sources.map((cfg, i) => ({ cfg, at: `agent.sources[${i}] (${cfg.name})` }));
  const implicit: SourceConfig = {
    name: IMPLICIT_SOURCE,
    type: 'file',
    include: a.files.include,
    exclude: a.files.exclude,
    format: a.files.format,
    read_from: 'agent',
    multiline: a.multiline,
    json: a.json,
    parser: a.parser,
    include_lines: [],
    exclude_lines: [],
    redact: [],
    redact_mask: '***',
    fields: {},
    tags: [],
  };
  return [{ cfg: implicit, at: 'agent' }];
}

/** `service.name: x` -> { service: { name: 'x' } }. */
export function nestFields(flat: Record<string, unknown>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flat)) {
    const parts = k.split('.');
    let t = out;
    for (const p of parts.slice(0, -1)) {
      if (typeof t[p] !== 'object' || t[p] === null || Array.isArray(t[p])) t[p] = {};
      t = t[p] as Record<string, unknown>;
    }
    t[parts[parts.length - 1]] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function invalid(at: string, err: unknown): LogshipError {
  return new LogshipError('LOGSHIP_ERR_CONFIG_INVALID', `${at}: ${(err as Error).message}`);
}

function compileSource(cfg: SourceConfig, at: string, agentReadFrom: 'beginning' | 'end', cwd?: string): FileSource {
  let processors: LineProcessors;
  let custom;
  try {
    processors = createLineProcessors(cfg);
  } catch (err) {
    throw invalid(at, err);
  }
  const p = cfg.parser;
  if (p.pattern) {
    try {
      custom = compileCustomFormat(p.pattern, p.time_layout ? { layout: p.time_layout } : {});
    } catch (err) {
      throw invalid(`${at}.parser.pattern`, err);
    }
  }
  if (!zoneResolver(p.timezone))
    throw new LogshipError(
      'LOGSHIP_ERR_CONFIG_INVALID',
      `${at}.parser.timezone: unknown zone "${p.timezone}" (an IANA name, +HH:MM or local)`,
    );
  return {
    name: cfg.name,
    matcher: createPathMatcher(cfg.include, cfg.exclude, cwd),
    readFrom: cfg.read_from === 'agent' ? agentReadFrom : cfg.read_from,
    parseJson: cfg.json === 'auto',
    format: cfg.format,
    multiline: multilineFactory(cfg.multiline),
    processors,
    rules: { plain: { format: p.format, timezone: p.timezone, custom }, fields: nestFields(cfg.fields), tags: cfg.tags },
  };
}

export function createSourceRouter(a: Config['agent'], cwd?: string): SourceRouter {
  const sources = configuredSources(a).map(({ cfg, at }) => compileSource(cfg, at, a.read_from, cwd));
  const bases = [...new Set(sources.flatMap((s) => s.matcher.bases))];
  const sourceFor = (file: string) => sources.find((s) => s.matcher.matches(file));
  return {
    sources,
    matcher: { matches: (file) => sourceFor(file) !== undefined, bases, recursive: sources.some((s) => s.matcher.recursive) },
    sourceFor,
  };
}
