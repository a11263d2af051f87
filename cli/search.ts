// `logship search`: its flags, read into a plan (search-run.ts does the rest); exit status as grep's.
import { LogshipError } from '../common/errors.js';
import { parseDuration } from '../common/units.js';
import { parseWhere, timeFlag, type SearchSpec } from '../search/query.js';
import { OUTPUT_MODES, useColor, type OutputMode } from './search-format.js';
import { runSearch, type SearchPlan } from './search-run.js';
import { configFlags, help, loadFromFlags, parse } from './shared.js';

const HELP = `Usage: logship search [QUERY] [--since 15m] [--until now] [--host H] [--source S] [--level L]
                      [--where FIELD=VALUE]... [-o text|json|raw|logfmt] [--utc] [--limit N|all]
                      [--around N] [--follow] [--count-by FIELD [--top N]] [--histogram [--interval 1m]]
                      [-c FILE]

Prints the newest matching lines (--limit, 100 by default; all: every one), oldest first:
  time  level  host  source  message
in the local time zone (TZ=UTC in the environment or --utc for UTC), the level coloured on a terminal
(--color auto|always|never; NO_COLOR is honoured), the file's name, and for a JSON line its own message
(pino msg, ECS message). -o json prints whole events, -o raw the lines as written, -o logfmt key=value.
Control characters in a message are printed escaped (\\u001b).

QUERY is Elasticsearch's simple query syntax on the message ("a b" = both, a|b, -a, "exact phrase").
--since/--until: a duration back from now (15m, 2h, 7d), now, 2026-12-01, 2026-12-01T10:00[:00][Z|+01:00],
  or a time of today (10:30); without a zone in local time (UTC with --utc).
--host, --level: repeat them (or a,b) for any of several.
--where: FIELD=VALUE, FIELD!=VALUE, FIELD=* (present), FIELD!=* (absent), FIELD=prefix*, FIELD>=N, >, <,
  <=, FIELD=N..M. Fields: host, level, source names; the mapped ECS fields (log.offset, event.dataset, ...);
  any field of a JSON line or static field of a source: a bare name (service.name) matches either
  json.service.name or fields.service.name; json.X or fields.X names one. --count-by FIELD counts json.X
  unless written fields.X.
--around N: N lines before and after each hit from the same source, groups separated by --.
--follow: then prints new matches as they are indexed until Ctrl-C, and exits 0 (--lookback: how late a
  line may turn up and still be printed, 2m by default).
--count-by host|source|level|FIELD: how many matches per value (--top values, 20 by default).
--histogram: matches per interval as bars over --since..--until (--interval to choose it).
Exit status as grep's: 0 when a line matched, 1 when none did, 2 on bad usage, 69 when Elasticsearch is
unreachable (78 when it refuses the credentials).

Examples:
  logship search timeout --since 1h
  logship search --host web-1 --level error,fatal --limit 50 --around 3
  logship search --where json.status=500 --where json.ms=100..2000 --since 2026-12-01T09:00
  logship search --where service.name=checkout --count-by level
  logship search 'GET /api' --histogram --since 6h
  logship search 'GET /api' --follow
  logship search -o json --limit all --since 1d | jq .message
`;

const usage = (msg: string) => new LogshipError('LOGSHIP_ERR_USAGE', msg);

function intFlag(name: string, v: string | undefined, dflt: number | undefined, min: number): number | undefined {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min) throw usage(`--${name} must be a whole number of at least ${min}`);
  return n;
}

const list = (vs: string[] | undefined) => (vs ?? []).flatMap((v) => v.split(',')).filter((v) => v !== '');

export interface SearchFlags {
  [k: string]: string | boolean | string[] | undefined;
}

/** The flags as a plan; usage errors (exit 2) for anything unreadable. */
export function planOf(values: SearchFlags, positionals: string[], now: number, env: NodeJS.ProcessEnv, isTTY: boolean): SearchPlan {
  const str = (k: string) => values[k] as string | undefined;
  const utc = values.utc === true;
  const mode = (values.json === true ? 'json' : (str('output') ?? 'text')) as OutputMode;
  if (!OUTPUT_MODES.includes(mode)) throw usage(`-o: "${mode}" is not one of ${OUTPUT_MODES.join(', ')}`);
  const color = str('color');
  if (color !== undefined && !['auto', 'always', 'never'].includes(color)) throw usage('--color is auto, always or never');
  const spec: SearchSpec = {
    text: positionals.join(' ') || undefined,
    hosts: list(values.host as string[] | undefined),
    levels: list(values.level as string[] | undefined),
    source: str('source'),
    sinceMs: timeFlag('--since', str('since') ?? '15m', now, utc),
    untilMs: str('until') !== undefined ? timeFlag('--until', str('until')!, now, utc) : undefined,
    where: ((values.where as string[] | undefined) ?? []).map(parseWhere),
  };
  if (spec.untilMs !== undefined && spec.untilMs < spec.sinceMs!) throw usage('--until is before --since');
  const limitText = str('limit');
  const limit = limitText === 'all' ? undefined : intFlag('limit', limitText, 100, 1);
  const lookbackMs = str('lookback') !== undefined ? parseDuration(str('lookback')!) : 120_000;
  if (lookbackMs === undefined) throw usage(`--lookback: "${str('lookback')}" is not a duration`);
  const countBy = str('count-by');
  if (countBy === '') throw usage('--count-by needs a field (host, source, level, or a field name)');
  if (values.follow === true && (countBy !== undefined || values.histogram === true))
    throw usage('--follow prints lines: not with --count-by or --histogram');
  if (str('interval') !== undefined && values.histogram !== true) throw usage('--interval goes with --histogram');
  return {
    spec,
    limit,
    follow: values.follow === true,
    around: intFlag('around', str('around'), undefined, 0),
    countBy,
    top: intFlag('top', str('top'), 20, 1)!,
    histogram: values.histogram === true,
    interval: str('interval'),
    style: { mode, utc, color: mode === 'text' && useColor(color, isTTY, env) },
    lookbackMs,
    columns: process.stdout.columns || 80,
    timeZone: utc ? 'UTC' : Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
  };
}

export async function searchCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...configFlags,
    host: { type: 'string', multiple: true },
    source: { type: 'string' },
    level: { type: 'string', multiple: true },
    since: { type: 'string' },
    until: { type: 'string' },
    where: { type: 'string', multiple: true, short: 'w' },
    limit: { type: 'string', short: 'n' },
    output: { type: 'string', short: 'o' },
    json: { type: 'boolean' },
    utc: { type: 'boolean' },
    color: { type: 'string' },
    around: { type: 'string', short: 'C' },
    follow: { type: 'boolean', short: 'f' },
    lookback: { type: 'string' },
    'count-by': { type: 'string' },
    top: { type: 'string' },
    histogram: { type: 'boolean' },
    interval: { type: 'string' },
  });
  if (values.help) return help(HELP);
  const cfg = loadFromFlags(values);
  const plan = planOf(values, positionals, Date.now(), process.env, process.stdout.isTTY === true);
  // The Elasticsearch client is loaded by the commands that use it (see commands.ts).
  const { createEs } = await import('../sink/es-client.js');
  const es = createEs(cfg);
  try {
    return await runSearch({ es, index: `${cfg.elasticsearch.index_prefix}-*`, plan, write: (t) => process.stdout.write(t) });
  } finally {
    await es.close();
  }
}
