// The agent's checks across keys: patterns compile (and can run in bounded time), sources have unique names and
// globs, and no file is provably claimed by two sources. Every problem names its key path, a source's with its
// index and name: `agent.sources[1] (nginx).multiline.pattern`.
import path from 'node:path';
import picomatch from 'picomatch';
import { compileLineRegex } from '../common/line-regex.js';
import type { ConfigProblem } from './problem.js';
import type { Config } from './types.js';

type SourceConfig = Config['agent']['sources'][number];

/** How a list item is named in a problem: `agent.sources[1] (nginx)`. */
export function sourceLabel(listPath: string, i: number, name: string): string {
  return `${listPath}[${i}]${name ? ` (${name})` : ''}`;
}

function checkPattern(pattern: string, keyPath: string, problems: ConfigProblem[]) {
  try {
    compileLineRegex(pattern);
  } catch (err) {
    problems.push({ path: keyPath, reason: (err as Error).message });
  }
}

function checkMultiline(ml: Config['agent']['multiline'], at: string, problems: ConfigProblem[]) {
  if (ml.mode !== 'pattern') return;
  if (!ml.pattern) problems.push({ path: `${at}.multiline.pattern`, reason: 'needed when mode is pattern' });
  else checkPattern(ml.pattern, `${at}.multiline.pattern`, problems);
}

const GLOB_CHARS = /[*?[\]{}()!]/;
const abs = (g: string) => (path.isAbsolute(g) ? g : path.join(process.cwd(), g)).replace(/\\/g, '/');

function checkSource(s: SourceConfig, at: string, problems: ConfigProblem[]) {
  if (!s.name) problems.push({ path: `${at}.name`, reason: 'every source needs a name (it is put on each of its events)' });
  else if (!/^[A-Za-z0-9][A-Za-z0-9_.:/-]*$/.test(s.name))
    problems.push({ path: `${at}.name`, reason: `"${s.name}": letters, digits and _ . : / - only, starting with a letter or digit` });
  if (s.include.filter((g) => !g.startsWith('!')).length === 0)
    problems.push({ path: `${at}.include`, reason: 'a file source needs at least one glob' });
  checkMultiline(s.multiline, at, problems);
  s.include_lines.forEach((p, i) => checkPattern(p, `${at}.include_lines[${i}]`, problems));
  s.exclude_lines.forEach((p, i) => checkPattern(p, `${at}.exclude_lines[${i}]`, problems));
  s.redact.forEach((p, i) => checkPattern(p, `${at}.redact[${i}]`, problems));
  if (s.parser.pattern) checkPattern(s.parser.pattern, `${at}.parser.pattern`, problems);
  for (const k of Object.keys(s.fields))
    if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(k))
      problems.push({ path: `${at}.fields.${k}`, reason: 'a field name is letters, digits and _, dotted for nesting (service.name)' });
}

/**
 * A glob of a later source that an earlier one provably claims: the same pattern, or a plain path the earlier
 * source matches. Such a glob can never select a file (the first source in the list wins), so it is an error
 * rather than a silent no-op. Overlaps that cannot be proved here (two globs that share some files) follow the
 * runtime rule: the first source in the list that matches a file tails it, and no file is tailed twice.
 */
function checkOverlaps(sources: SourceConfig[], problems: ConfigProblem[]) {
  const matchers = sources.map((s) => {
    const inc = s.include.filter((g) => !g.startsWith('!')).map(abs);
    const exc = [...s.exclude, ...s.include.filter((g) => g.startsWith('!')).map((g) => g.slice(1))].map(abs);
    const yes = inc.length > 0 ? picomatch(inc, { dot: true, posix: true }) : () => false;
    const no = exc.length > 0 ? picomatch(exc, { dot: true, posix: true }) : () => false;
    return { inc, match: (f: string) => yes(f) && !no(f) };
  });
  sources.forEach((s, j) => {
    matchers[j].inc.forEach((g, k) => {
      for (let i = 0; i < j; i++) {
        const same = matchers[i].inc.includes(g);
        if (!same && (GLOB_CHARS.test(g) || !matchers[i].match(g))) continue;
        problems.push({
          path: `${sourceLabel('agent.sources', j, s.name)}.include[${k}]`,
          reason: `${g} is ${same ? 'also a glob of' : 'matched by'} ${sourceLabel('agent.sources', i, sources[i].name)}: a file belongs to the first source that matches it, so this glob would tail nothing; remove it or exclude it there`,
        });
        break;
      }
    });
  });
}

export function agentChecks(cfg: Config, problems: ConfigProblem[]): void {
  const a = cfg.agent;
  checkMultiline(a.multiline, 'agent', problems);
  if (a.parser.pattern) checkPattern(a.parser.pattern, 'agent.parser.pattern', problems);
  const seen = new Map<string, number>();
  a.sources.forEach((s, i) => {
    const at = sourceLabel('agent.sources', i, s.name);
    checkSource(s, at, problems);
    if (s.name && seen.has(s.name))
      problems.push({ path: `${at}.name`, reason: `"${s.name}" is also the name of agent.sources[${seen.get(s.name)}]` });
    else if (s.name) seen.set(s.name, i);
  });
  if (a.sources.length > 0 && a.files.include.length > 0)
    problems.push({
      path: 'agent.files.include',
      reason:
        'agent.sources is set: move these globs into a source (agent.files is the implicit source `files` only when agent.sources is empty)',
    });
  checkOverlaps(a.sources, problems);
}
