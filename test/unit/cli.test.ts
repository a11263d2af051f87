// The CLI: its command table, its layering, and search's exit status.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { commands } from '../../cli/commands.js';
import { planOf } from '../../cli/search.js';
import { runSearch, type SearchRun } from '../../cli/search-run.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('command table', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each(Object.keys(commands))('%s --help prints its usage and exits 0', async (name) => {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    const argv = name === 'dlq' ? ['list', '--help'] : ['--help'];
    expect(await commands[name](argv)).toBe(0);
    expect(out).toMatch(/^Usage: logship /);
  });
});

describe('layering', () => {
  const sources = (dir: string) =>
    fs
      .readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => [`${dir}/${f}`, fs.readFileSync(path.join(root, dir, f), 'utf8')] as const);

  it('sink/, kafka/ and cli/ never import agent internals; the CLI loads only agent/agent.ts, lazily', () => {
    for (const [file, text] of [...sources('sink'), ...sources('kafka'), ...sources('cli')]) {
      expect(text, file).not.toMatch(/from '\.\.\/(\.\.\/)?agent\//);
      for (const m of text.matchAll(/import\('(\.\.\/)+agent\/([^']+)'\)/g)) expect(m[2], file).toBe('agent.js');
    }
  });
});

describe('search exit status (as grep)', () => {
  const at = (n: number) => new Date(Date.parse('2026-01-01T00:00:00Z') + n * 1000).toISOString();
  const hit = (n: number) => ({ _id: `id${n}`, _index: 'logs-x', _source: { '@timestamp': at(n), message: `m${n}` }, sort: [n] });

  function fakeSearch(pages: Array<ReturnType<typeof hit>[]>, opts: Partial<SearchRun> = {}) {
    const printed: string[] = [];
    const bodies: Array<Record<string, unknown>> = [];
    const run: SearchRun = {
      es: {
        async search(_index, body) {
          bodies.push(body);
          const hits = pages.shift() ?? [];
          return { hits, total: hits.length };
        },
        openPit: async () => 'pit',
        closePit: async () => undefined,
      },
      index: 'logs-*',
      plan: planOf({}, [], Date.parse('2026-01-01T00:00:00Z'), {}, false),
      write: (t) => printed.push(t.trimEnd().split(' ').pop()!),
      now: () => Date.parse('2026-01-01T00:00:00Z'),
      ...opts,
    };
    return { run, printed, bodies };
  }

  it('exits 0 when a line matched, printing oldest first', async () => {
    const s = fakeSearch([[hit(3), hit(2), hit(1)]]);
    expect(await runSearch(s.run)).toBe(0);
    expect(s.printed).toEqual(['m1', 'm2', 'm3']);
  });

  it('exits 1 when nothing matched', async () => {
    const s = fakeSearch([[]]);
    expect(await runSearch(s.run)).toBe(1);
    expect(s.printed).toEqual([]);
  });

  it('--follow pages forward after the last hit until stopped, then exits 0', async () => {
    let polls = 0;
    const s = fakeSearch(
      [
        [hit(2), hit(1)],
        [hit(1), hit(2), hit(3)],
        [hit(2), hit(3)],
      ],
      {
        poll: async () => ++polls <= 2,
      },
    );
    s.run.plan = { ...s.run.plan, follow: true };
    expect(await runSearch(s.run)).toBe(0);
    expect(s.printed).toEqual(['m1', 'm2', 'm3']);
    // Each poll asks again from the look-back bound before the newest line printed, so nothing is missed.
    const from = (b: Record<string, unknown>) => JSON.stringify(b.query);
    expect(from(s.bodies[1])).toContain(new Date(Date.parse(at(2)) - 120_000).toISOString());
    expect(from(s.bodies[2])).toContain(new Date(Date.parse(at(3)) - 120_000).toISOString());
  });
});
