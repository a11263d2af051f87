// docs/ARCHITECTURE.md cannot drift from the repository: its folder tree lists exactly the folders that hold tracked
// files (a parent of such folders may have a line too), and the imports follow the data flow it describes.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DOC = 'docs/ARCHITECTURE.md';
/** Tracked, but output rather than layout: not in the tree. */
const LEFT_OUT = ['bench/results'];

function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f !== '' && !LEFT_OUT.some((d) => f === d || f.startsWith(d + '/')));
}

/** The folder lines of the first fenced block under "## Layout": `path/   what it is for`. */
function parseTree(markdown: string): { folders: Map<string, string>; problems: string[] } {
  const section = markdown.split(/^## Layout\s*$/m)[1];
  if (section === undefined) return { folders: new Map(), problems: ['no "## Layout" section'] };
  const block = /^```[^\n]*\n([\s\S]*?)^```/m.exec(section);
  if (!block) return { folders: new Map(), problems: ['no fenced block under "## Layout"'] };
  const folders = new Map<string, string>();
  const problems: string[] = [];
  for (const line of block[1].split('\n')) {
    if (line.trim() === '') continue;
    const m = /^(\S+)\/\s{2,}(\S.*)$/.exec(line);
    if (!m) {
      problems.push(`not "folder/   description": ${JSON.stringify(line)}`);
      continue;
    }
    const folder = m[1] === '.' ? '.' : m[1].replace(/^\.\//, '');
    if (folders.has(folder)) problems.push(`listed twice: ${folder}/`);
    folders.set(folder, m[2]);
  }
  return { folders, problems };
}

function ancestors(dir: string): string[] {
  const out: string[] = [];
  for (let d = path.posix.dirname(dir); d !== '.'; d = path.posix.dirname(d)) out.push(d);
  return out;
}

describe('docs/ARCHITECTURE.md layout', () => {
  const { folders, problems } = parseTree(fs.readFileSync(path.join(ROOT, DOC), 'utf8'));

  it('has a parsable folder tree', () => {
    expect(problems, `${DOC}: problems in the tree block`).toEqual([]);
    expect(folders.size).toBeGreaterThan(10);
  });

  it('lists every folder that holds tracked files, and no folder that does not exist', () => {
    const holding = new Set(trackedFiles().map((f) => path.posix.dirname(f)));
    const parents = new Set([...holding].flatMap(ancestors));
    const missing = [...holding].filter((d) => !folders.has(d)).sort();
    const extra = [...folders.keys()].filter((d) => !(holding.has(d) || parents.has(d)) || !fs.existsSync(path.join(ROOT, d))).sort();
    const why = `${DOC} tree vs git ls-files: missing (hold tracked files) [${missing.join(', ')}], extra (hold none) [${extra.join(', ')}]`;
    expect({ missing, extra }, why).toEqual({ missing: [], extra: [] });
  });
});

describe('imports follow the data flow', () => {
  const files = trackedFiles().filter((f) => f.endsWith('.ts') && !f.startsWith('test/') && !f.startsWith('bench/'));

  /** Every module a file imports (static, type-only, side-effect or dynamic), relative ones as repository paths. */
  function importsOf(file: string): string[] {
    const src = fs.readFileSync(path.join(ROOT, file), 'utf8');
    const specs = [...src.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)].map((m) => m[1]);
    return specs.map((s) => (s.startsWith('.') ? path.posix.join(path.posix.dirname(file), s) : s));
  }

  it('nothing outside agent/ imports agent internals; cli/ loads only agent/agent.ts', () => {
    const wrong: string[] = [];
    for (const f of files) {
      const area = f.split('/')[0];
      if (area === 'agent') continue;
      for (const target of importsOf(f).filter((t) => t.startsWith('agent/'))) {
        if (area === 'cli' && target.replace(/\.js$/, '.ts') === 'agent/agent.ts') continue;
        wrong.push(`${f} -> ${target}`);
      }
    }
    expect(wrong, `imports against the data flow: ${wrong.join(', ')}`).toEqual([]);
  });

  it('only kafka/ imports kafkajs, only sink/es-client.ts imports the Elasticsearch client', () => {
    const wrong: string[] = [];
    for (const f of files) {
      for (const target of importsOf(f)) {
        if ((target === 'kafkajs' || target.startsWith('kafkajs/')) && !f.startsWith('kafka/')) wrong.push(`${f} -> ${target}`);
        if (target.startsWith('@elastic/elasticsearch') && f !== 'sink/es-client.ts') wrong.push(`${f} -> ${target}`);
      }
    }
    expect(wrong, `client imports outside their one place: ${wrong.join(', ')}`).toEqual([]);
  });
});
