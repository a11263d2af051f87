// Glob matching for include/exclude patterns. chokidar 4+ dropped globs, so discovery watches each pattern's
// base directory and matches paths here. Supports *, **, ?, [abc] and {a,b}.
import path from 'node:path';

export function globToRegExp(glob: string): RegExp {
  let re = '';
  let i = 0;
  let inBraces = 0;
  while (i < glob.length) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // "**/" matches zero or more directories; "**" at the end matches everything below.
        if (glob[i + 2] === '/') {
          re += '(?:.*/)?';
          i += 3;
        } else {
          re += '.*';
          i += 2;
        }
      } else {
        re += '[^/]*';
        i++;
      }
    } else if (c === '?') {
      re += '[^/]';
      i++;
    } else if (c === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close === -1) {
        re += '\\[';
        i++;
      } else {
        let body = glob.slice(i + 1, close);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = close + 1;
      }
    } else if (c === '{') {
      inBraces++;
      re += '(?:';
      i++;
    } else if (c === '}' && inBraces > 0) {
      inBraces--;
      re += ')';
      i++;
    } else if (c === ',' && inBraces > 0) {
      re += '|';
      i++;
    } else {
      re += c.replace(/[.+^$()|\\]/g, '\\$&');
      i++;
    }
  }
  return new RegExp(`^${re}$`);
}

/** The longest leading directory of a pattern with no glob characters: the directory discovery watches. */
export function globBase(glob: string): string {
  const parts = glob.split('/');
  const base: string[] = [];
  for (const p of parts) {
    if (/[*?[{]/.test(p)) break;
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

export function createPathMatcher(include: string[], exclude: string[], cwd = process.cwd()): PathMatcher {
  const abs = (g: string) => (path.isAbsolute(g) ? g : path.join(cwd, g)).replace(/\\/g, '/');
  const inc = include.map((g) => globToRegExp(abs(g)));
  const exc = exclude.map((g) => globToRegExp(abs(g)));
  const bases = [...new Set(include.map((g) => globBase(abs(g))))];
  return {
    matches: (file) => inc.some((r) => r.test(file)) && !exc.some((r) => r.test(file)),
    bases,
    recursive: include.some((g) => g.includes('**') || globBase(abs(g)).split('/').length < abs(g).split('/').length - 1),
  };
}
