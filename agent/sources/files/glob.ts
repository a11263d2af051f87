// Glob matching for include/exclude patterns. chokidar 4+ dropped globs, so discovery watches each pattern's
// base directory and matches paths here, with picomatch (the matcher behind fast-glob, micromatch and chokidar
// 3): *, **, ?, [abc], [!abc], [[:alpha:]], {a,b}, {1..3}, extglobs, and `!pattern` negation. Dotfiles match
// (`*.log` matches `.hidden.log`), as with Filebeat's globs: a log file that starts with a dot is still a log.
import path from 'node:path';
import picomatch from 'picomatch';

const OPTIONS: picomatch.PicomatchOptions = { dot: true, posix: true };

export function globToRegExp(glob: string): RegExp {
  return picomatch.makeRe(glob, OPTIONS);
}

/** The longest leading directory of a pattern with no glob characters: the directory discovery watches. */
export function globBase(glob: string): string {
  const parts = glob.split('/');
  const base: string[] = [];
  for (const p of parts) {
    if (/[*?[{]|^!|[@+!]\(/.test(p)) break;
    base.push(p);
  }
  if (base.length === parts.length) base.pop(); // a plain file path: watch its directory
  const b = base.join('/');
  return b === '' ? (glob.startsWith('/') ? '/' : '.') : b;
}

export interface PathMatcher {
  matches(file: string): boolean;
  bases: string[];
  /** True when some pattern can match below the first directory level of its base (contains **). */
  recursive: boolean;
}

/**
 * Include and exclude globs, relative ones resolved against `cwd` (except an exclude that starts with a double-star segment, which matches anywhere). An include pattern written `!glob` excludes,
 * as in .gitignore-style lists: `[/var/log/*.log, '!/var/log/debug.log']`.
 */
export function createPathMatcher(include: string[], exclude: string[], cwd = process.cwd()): PathMatcher {
  const abs = (g: string) => (path.isAbsolute(g) ? g : path.join(cwd, g)).replace(/\\/g, '/');
  // An exclude written `**/...` means "at any depth, anywhere" (exclude: ['**/*.gz'] in the README): resolving it
  // against the working directory would make it "below the working directory" and let rotated .gz files through.
  const absExclude = (g: string) => (g.startsWith('**/') ? g : abs(g));
  const positive = include.filter((g) => !g.startsWith('!')).map(abs);
  const negative = [...exclude, ...include.filter((g) => g.startsWith('!')).map((g) => g.slice(1))].map(absExclude);
  const inc = positive.length > 0 ? picomatch(positive, OPTIONS) : () => false;
  const exc = negative.length > 0 ? picomatch(negative, OPTIONS) : () => false;
  const bases = [...new Set(positive.map((g) => globBase(g)))];
  return {
    matches: (file) => inc(file) && !exc(file),
    bases,
    recursive: positive.some((g) => g.includes('**') || globBase(g).split('/').length < g.split('/').length - 1),
  };
}
