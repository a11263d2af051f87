import { describe, expect, it } from 'vitest';
import { createPathMatcher, globBase, globToRegExp } from '../../agent/sources/files/glob.js';

function check(glob: string, yes: string[], no: string[]) {
  const re = globToRegExp(glob);
  for (const p of yes) expect(re.test(p), `${glob} should match ${p}`).toBe(true);
  for (const p of no) expect(re.test(p), `${glob} should not match ${p}`).toBe(false);
}

describe('globToRegExp', () => {
  it('* matches within one path segment', () => {
    check(
      '/var/log/*.log',
      ['/var/log/a.log', '/var/log/.log', '/var/log/app-1.log'],
      ['/var/log/a/b.log', '/var/log/a.log.1', '/var/log/a.txt', '/var/logs/a.log'],
    );
    check('*', ['a', 'abc'], ['a/b', '/a']);
  });

  it('** matches any number of directories, including none', () => {
    check(
      '/var/log/**/*.log',
      ['/var/log/a.log', '/var/log/x/a.log', '/var/log/x/y/z/a.log'],
      ['/var/log/a.txt', '/var/a.log', '/var/logx/a.log'],
    );
    // '/srv' itself is a directory, never a file to match: picomatch (as Bash) lets `/srv/**` match it.
    check('/srv/**', ['/srv/a', '/srv/a/b/c'], ['/srvx/a']);
    check('**/debug-*.log', ['debug-1.log', 'a/b/debug-x.log', '/abs/debug-.log'], ['a/b/info-1.log', 'a/debug-1.log/x']);
  });

  it('? matches exactly one character, never a slash', () => {
    check('/l/a?.log', ['/l/a1.log', '/l/ab.log'], ['/l/a.log', '/l/a12.log', '/l/a/.log']);
  });

  it('{a,b} alternates, with globs inside', () => {
    check(
      '/var/log/nginx/{access,error}.log',
      ['/var/log/nginx/access.log', '/var/log/nginx/error.log'],
      ['/var/log/nginx/other.log', '/var/log/nginx/access,error.log', '/var/log/nginx/{access,error}.log'],
    );
    check('/l/{*.log,*.txt}', ['/l/a.log', '/l/b.txt'], ['/l/c.json', '/l/d/a.log']);
    check('/l/a,b', ['/l/a,b'], ['/l/a', '/l/b']);
  });

  it('[ab] and [!ab] classes and ranges', () => {
    check('/l/[ab].log', ['/l/a.log', '/l/b.log'], ['/l/c.log', '/l/ab.log']);
    check('/l/[!ab].log', ['/l/c.log', '/l/z.log'], ['/l/a.log', '/l/b.log']);
    check('/l/app[0-9].log', ['/l/app0.log', '/l/app9.log'], ['/l/appx.log', '/l/app10.log']);
  });

  it('regex metacharacters are literal', () => {
    check('/l/a.log', ['/l/a.log'], ['/l/aXlog']);
    check('/l/a$^.log', ['/l/a$^.log'], ['/l/aa$^.log']);
    // `(a|b)`, `+(...)`, `@(...)`, `!(...)` are groups and extglobs (Bash's), not literals: a class makes a
    // character literal.
    check('/l/a[+][(]1[)].log', ['/l/a+(1).log'], ['/l/aa(1).log']);
    check('/l/a[b', ['/l/a[b'], ['/l/ab']);
  });
});

describe('picomatch features', () => {
  it('braces: lists, nested lists and numeric ranges', () => {
    check('/l/{a,b{1,2}}.log', ['/l/a.log', '/l/b1.log', '/l/b2.log'], ['/l/b.log', '/l/b3.log']);
    check('/l/app-{1..3}.log', ['/l/app-1.log', '/l/app-3.log'], ['/l/app-4.log', '/l/app-0.log']);
  });

  it('classes: POSIX classes and negated classes', () => {
    check('/l/[[:digit:]].log', ['/l/5.log'], ['/l/a.log']);
    check('/l/[^0-9].log', ['/l/a.log'], ['/l/5.log']);
  });

  it('** crosses directories, * and ? never do', () => {
    check('/l/**/app.log', ['/l/app.log', '/l/a/b/c/app.log'], ['/l/a/app.log.1', '/x/app.log']);
    check('/l/*/app.log', ['/l/a/app.log'], ['/l/a/b/app.log', '/l/app.log']);
  });

  it('dotfiles and dot directories match, as with Filebeat', () => {
    check('/l/*.log', ['/l/.hidden.log'], []);
    check('/l/**/*.log', ['/l/.cache/x.log'], []);
  });

  it('negation: !(...) in a pattern, and a `!glob` include entry excludes', () => {
    check('/l/!(debug).log', ['/l/app.log'], ['/l/debug.log']);
    const m = createPathMatcher(['/l/*.log', '!/l/debug*.log'], [], '/');
    expect(m.matches('/l/app.log')).toBe(true);
    expect(m.matches('/l/debug-1.log')).toBe(false);
    expect(m.bases).toEqual(['/l']);
  });

  it('a base directory is never inside an extglob or a negation', () => {
    expect(globBase('/var/@(log|tmp)/x.log')).toBe('/var');
    expect(globBase('/var/+(a)/x.log')).toBe('/var');
  });
});

describe('globBase', () => {
  it('is the longest leading directory without glob characters', () => {
    expect(globBase('/var/log/*.log')).toBe('/var/log');
    expect(globBase('/var/log/app.log')).toBe('/var/log');
    expect(globBase('/var/log/**/*.log')).toBe('/var/log');
    expect(globBase('/srv/*/logs/*.log')).toBe('/srv');
    expect(globBase('/srv/{a,b}/x.log')).toBe('/srv');
    expect(globBase('/srv/ap?/x.log')).toBe('/srv');
    expect(globBase('/srv/[ab]/x.log')).toBe('/srv');
    expect(globBase('logs/**/*.log')).toBe('logs');
    expect(globBase('*.log')).toBe('.');
    expect(globBase('app.log')).toBe('.');
    expect(globBase('/*.log')).toBe('/');
  });
});

describe('createPathMatcher', () => {
  it('include and exclude, relative patterns resolved against cwd', () => {
    const m = createPathMatcher(['logs/*.log', '/var/log/{a,b}.log'], ['logs/skip-*.log', '/var/log/b.log'], '/home/u');
    expect(m.matches('/home/u/logs/app.log')).toBe(true);
    expect(m.matches('/home/u/logs/skip-1.log')).toBe(false);
    expect(m.matches('/home/u/logs/app.txt')).toBe(false);
    expect(m.matches('/home/u/logs/sub/app.log')).toBe(false);
    expect(m.matches('/var/log/a.log')).toBe(true);
    expect(m.matches('/var/log/b.log')).toBe(false);
    expect(m.bases).toEqual(['/home/u/logs', '/var/log']);
    expect(m.recursive).toBe(false);
  });

  it('bases are deduplicated; ** or a glob in a directory makes it recursive', () => {
    expect(createPathMatcher(['/a/*.log', '/a/*.txt'], [], '/').bases).toEqual(['/a']);
    expect(createPathMatcher(['/a/**/*.log'], [], '/').recursive).toBe(true);
    expect(createPathMatcher(['/srv/*/app.log'], [], '/').recursive).toBe(true);
    expect(createPathMatcher(['/srv/app/*.log'], [], '/').recursive).toBe(false);
  });

  it('matches nothing with no include patterns', () => {
    const m = createPathMatcher([], [], '/');
    expect(m.matches('/a.log')).toBe(false);
    expect(m.bases).toEqual([]);
  });
});

describe('createPathMatcher: excludes written **/...', () => {
  it('match at any depth anywhere, not only below the working directory', () => {
    const m = createPathMatcher(['/var/log/nginx/*'], ['**/*.gz'], '/home/op');
    expect(m.matches('/var/log/nginx/access.log')).toBe(true);
    expect(m.matches('/var/log/nginx/access.log.2.gz')).toBe(false);
    // Other relative excludes still resolve against the working directory.
    const r = createPathMatcher(['/srv/app/*.log'], ['old/*.log'], '/srv/app');
    expect(r.matches('/srv/app/a.log')).toBe(true);
  });
});
