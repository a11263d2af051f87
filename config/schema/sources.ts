// agent.sources: named sources, each with its own globs, multiline, JSON and plain-line parsing, and processors.
// Per-source options are one object type (sourceItemSchema), so a new per-source key is one more field here.
import { bytes, int, list, map, ms, obj, oneOf, str, strings } from './nodes.js';

/** The built-in plain-line formats (agent/pipeline/plain-formats.ts PLAIN_FORMATS; a unit test keeps them equal). */
export const PLAIN_FORMAT_NAMES = ['iso8601', 'log4j', 'python', 'syslog', 'rfc5424', 'clf', 'klog', 'compact', 'epoch', 'ctime'] as const;

export const multilineSchema = obj('Join continuation lines (stack traces) into one event. Off by default.', {
  mode: oneOf(
    'off',
    ['off', 'java', 'python', 'pattern'],
    'off, a preset (java, python), or pattern: lines matching `pattern` continue the event before them.',
  ),
  pattern: str('', 'Regular expression (JavaScript) of a continuation line, for mode: pattern.'),
  max_lines: int(500, 'Most lines joined into one event.', { min: 2, unit: 'count' }),
  max_bytes: bytes(1024 * 1024, 'Most bytes joined into one event.', 64),
  timeout_ms: ms(1000, 'An event waiting for continuation lines is sent after this long without one.', 1),
});

export const jsonSchema = oneOf(
  'auto',
  ['auto', 'off'],
  'auto: a line that is a JSON object is parsed into `json` and its time and level used.',
);

export const parserSchema = obj('Plain (non-JSON) lines: their own time and level.', {
  format: oneOf(
    'auto',
    ['auto', 'off', ...PLAIN_FORMAT_NAMES],
    'auto: every known format (ISO 8601/RFC 3339, RFC 3164/5424 syslog, common log format, log4j, Python, klog, compact, epoch, ctime) and a level word near the start; a format name: only that one; off: nothing parsed.',
  ),
  pattern: str(
    '',
    'A custom format: a regular expression (RE2 syntax, linear time) with named groups (?<time>...), (?<level>...) and any others, which become fields under `json`. Tried first; a line it does not match falls through to `format`.',
  ),
  time_layout: str(
    '',
    "Layout of the pattern's time group: strftime-like (%Y-%m-%d %H:%M:%S.%f %z) or a format name. Empty: any known format.",
  ),
  timezone: str('local', "Zone of times written without one: an IANA name (Europe/Paris), '+HH:MM', or local (the host's)."),
});

export const sourceItemSchema = obj('One named source.', {
  name: str('', 'The source name, in logship.source.name of every event it makes (`logship search --source NAME`). Required, unique.'),
  type: oneOf(
    'file',
    ['file'],
    'file: tail files matching include. (stdin and wrapped commands are started by `logship stdin` and `logship run`.)',
  ),
  include: strings(
    [],
    'Glob patterns of files of this source (picomatch). A file matched by two sources belongs to the first in the list.',
  ),
  exclude: strings([], 'Glob patterns of files never to tail for this source.'),
  format: oneOf(
    'plain',
    ['plain', 'docker', 'cri'],
    'plain, or container log records: docker (json-file) or cri (Kubernetes): unwrapped before multiline and parsing.',
  ),
  read_from: oneOf('agent', ['agent', 'beginning', 'end'], 'Where to start a file without a checkpoint; agent: as agent.read_from.'),
  multiline: multilineSchema,
  json: jsonSchema,
  parser: parserSchema,
  include_lines: strings([], 'Keep only lines (events, after multiline) matching one of these regular expressions (RE2). Empty: keep all.'),
  exclude_lines: strings([], 'Drop lines matching one of these regular expressions (RE2); counted as discarded, reason filtered.'),
  redact: strings(
    [],
    'Regular expressions (RE2) whose matches are replaced by redact_mask before the line leaves the host; a named group (?<secret>...) limits the replacement to that group.',
  ),
  redact_mask: str('***', 'What a redacted match is replaced with.'),
  fields: map('Static fields added to every event under `fields` (e.g. service.name: checkout, environment: prod).'),
  tags: strings([], 'Tags added to every event (`tags`).'),
});

export const sourcesSchema = list(
  'Named sources. When empty, agent.files (with agent.multiline, json, parser) is the one implicit source, named `files`.',
  sourceItemSchema,
);
