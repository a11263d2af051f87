// The import graph of the shipped code (agent/ sink/ kafka/ cli/ common/ config/ search/ ui/) has no cycle, and data
// flows one way (docs/DESIGN.md): nothing in sink/, kafka/, common/, config/ or ui/ imports agent/, nor the first four
// ui/ (the explorer sits on top, as the CLI does); kafka/ imports neither sink/ nor
// cli/; cli/ reaches agent/ only through a dynamic import of its entry point, agent/agent.ts, so that the sink's
// commands never load the agent (a type-only import of it is erased, so it is allowed too); search/ (the search
// language and its Elasticsearch calls, used by cli/ and ui/) imports only common/, config/ and sink/es-client.ts. Imports are read with
// the TypeScript parser: static `import`/`export ... from` (type-only ones included: a type dependency is still a
// dependency, and a cycle through types is still a tangle) and `import('...')` with a literal specifier.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FOLDERS = ['agent', 'sink', 'kafka', 'cli', 'common', 'config', 'search', 'ui'];

interface Edge {
  from: string;
  to: string;
  dynamic: boolean;
  /** `import type` / `export type`, or every named binding marked `type`: erased from the emitted JavaScript. */
  typeOnly: boolean;
  line: number;
}

type Found = Pick<Edge, 'dynamic' | 'typeOnly' | 'line'> & { spec: string };

function tsFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((d) => {
    const rel = `${dir}/${d.name}`;
    if (d.isDirectory()) return tsFiles(rel);
    return d.isFile() && d.name.endsWith('.ts') && !d.name.endsWith('.d.ts') ? [rel] : [];
  });
}

/** The relative imports in one file's text. */
function importsIn(file: string, text: string): Found[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Found[] = [];
  const add = (spec: ts.Expression | undefined, dynamic: boolean, typeOnly: boolean) => {
    if (spec && ts.isStringLiteralLike(spec) && spec.text.startsWith('.')) {
      found.push({ spec: spec.text, dynamic, typeOnly, line: sf.getLineAndCharacterOfPosition(spec.getStart()).line + 1 });
    }
  };
  const allTypes = (n: ts.NamedImportBindings | ts.NamedExportBindings | undefined) =>
    n !== undefined && (ts.isNamedImports(n) || ts.isNamedExports(n)) && n.elements.length > 0 && n.elements.every((el) => el.isTypeOnly);
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const c = node.importClause;
      add(node.moduleSpecifier, false, c !== undefined && (c.isTypeOnly || (c.name === undefined && allTypes(c.namedBindings))));
    } else if (ts.isExportDeclaration(node)) add(node.moduleSpecifier, false, node.isTypeOnly || allTypes(node.exportClause));
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, false, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], true, false);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** `./x.js` from `a/b.ts` -> `a/x.ts` (NodeNext specifiers name the emitted .js file). */
function resolve(from: string, spec: string): string {
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  return target.replace(/\.js$/, '.ts');
}

function buildGraph(): { files: string[]; edges: Edge[] } {
  const files = FOLDERS.flatMap(tsFiles).sort();
  const edges = files.flatMap((from) =>
    importsIn(from, fs.readFileSync(path.join(ROOT, from), 'utf8')).map(({ spec, ...rest }) => ({
      from,
      to: resolve(from, spec),
      ...rest,
    })),
  );
  return { files, edges };
}

/**
 * Every strongly connected component with more than one file (or a file importing itself): its files, sorted, and
 * one shortest cycle through the first of them.
 */
function findCycles(files: string[], edges: Edge[]): Array<{ files: string[]; cycle: string[] }> {
  const next = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const e of edges) if (next.has(e.to) && !next.get(e.from)!.includes(e.to)) next.get(e.from)!.push(e.to);
  // Tarjan's algorithm.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v)!) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1 || next.get(v)!.includes(v)) components.push(c);
    }
  };
  for (const f of files) if (!index.has(f)) connect(f);
  return components.map((c) => ({ files: [...c].sort(), cycle: shortestCycle(next, [...c].sort()) }));
}

/** The shortest path (breadth first, inside the component) from its first file back to that file. */
function shortestCycle(next: Map<string, string[]>, component: string[]): string[] {
  const inside = new Set(component);
  const start = component[0];
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of next.get(v)!) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const cycle = [start];
        for (let u = v; u !== start; u = prev.get(u)!) cycle.splice(1, 0, u);
        return [...cycle, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [...component, start]; // unreachable: every file of a component reaches every other
}

/** Why this import breaks the one-way flow, or undefined when it does not. */
function forbidden(e: Edge): string | undefined {
  const [src, dst] = [e.from.split('/')[0], e.to.split('/')[0]];
  if (['sink', 'kafka', 'common', 'config', 'ui'].includes(src) && dst === 'agent') return `${src}/ must not import agent/`;
  if (['sink', 'kafka', 'common', 'config'].includes(src) && dst === 'ui') return `${src}/ must not import ui/`;
  if (src === 'kafka' && (dst === 'sink' || dst === 'cli')) return `kafka/ must not import ${dst}/`;
  if (dst === 'search' && !['cli', 'search', 'ui'].includes(src)) return `${src}/ must not import search/ (only cli/ and ui/ use it)`;
  if (src === 'search' && !['search', 'common', 'config'].includes(dst) && e.to !== 'sink/es-client.ts')
    return 'search/ imports only common/, config/ and sink/es-client.ts';
  if (src === 'cli' && dst === 'agent') {
    if (e.to !== 'agent/agent.ts') return 'cli/ may import only agent/agent.ts under agent/';
    if (!e.dynamic && !e.typeOnly) return "cli/ loads agent/agent.ts with a dynamic import('../agent/agent.js') only";
  }
  return undefined;
}

describe('import graph of agent/ sink/ kafka/ cli/ common/ config/ search/ ui/', () => {
  const { files, edges } = buildGraph();
  const show = (e: Edge) => `${e.from}:${e.line} -> ${e.to}${e.dynamic ? ' (dynamic)' : e.typeOnly ? ' (type only)' : ''}`;

  it('reads every file and every relative import resolves to one', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(edges.length).toBeGreaterThan(100);
    const unresolved = edges.filter((e) => !fs.existsSync(path.join(ROOT, e.to))).map(show);
    expect(unresolved).toEqual([]);
  });

  it('has no import cycle', () => {
    const cycles = findCycles(files, edges).map((c) => `${c.cycle.join(' -> ')}   (all of: ${c.files.join(', ')})`);
    expect(cycles, `import cycles:\n${cycles.join('\n')}`).toEqual([]);
  });

  it('flows one way: no forbidden import between folders', () => {
    const bad = edges.flatMap((e) => {
      const why = forbidden(e);
      return why ? [`${show(e)}: ${why}`] : [];
    });
    expect(bad, bad.join('\n')).toEqual([]);
  });

  it('reads static, type-only and dynamic imports, not comments or packages (the parser itself)', () => {
    const src = [
      "import fs from 'node:fs';",
      "import { a } from './a.js';",
      "import type { B } from '../b.js';",
      "import { type C, type D } from './c.js';",
      "export { e } from './e.js';",
      "import './side-effect.js';",
      '// a comment about import("./not-me.js")',
      "const f = await import('./f.js');",
      'const g = \'import("./not-me-either.js")\';',
    ].join('\n');
    expect(importsIn('x/y.ts', src).map((f) => [f.spec, f.dynamic, f.typeOnly, f.line])).toEqual([
      ['./a.js', false, false, 2],
      ['../b.js', false, true, 3],
      ['./c.js', false, true, 4],
      ['./e.js', false, false, 5],
      ['./side-effect.js', false, false, 6],
      ['./f.js', true, false, 8],
    ]);
    expect(resolve('cli/commands.ts', '../agent/agent.js')).toBe('agent/agent.ts');
  });

  it('finds a cycle and names it (the checker itself)', () => {
    const e = (from: string, to: string): Edge => ({ from, to, dynamic: false, typeOnly: false, line: 1 });
    const abcd = [e('a', 'b'), e('b', 'c'), e('c', 'a'), e('c', 'd'), e('b', 'a')];
    expect(findCycles(['d', 'c', 'b', 'a'], abcd)).toEqual([{ files: ['a', 'b', 'c'], cycle: ['a', 'b', 'a'] }]);
    expect(findCycles(['a', 'b'], [e('a', 'b')])).toEqual([]);
    expect(findCycles(['a'], [e('a', 'a')])).toEqual([{ files: ['a'], cycle: ['a', 'a'] }]);
  });

  it('tells an allowed import from a forbidden one (the checker itself)', () => {
    const e = (from: string, to: string, dynamic = false, typeOnly = false): Edge => ({ from, to, dynamic, typeOnly, line: 1 });
    expect(forbidden(e('cli/commands.ts', 'agent/agent.ts', true))).toBeUndefined();
    expect(forbidden(e('cli/commands.ts', 'agent/agent.ts', false, true))).toBeUndefined();
    expect(forbidden(e('cli/commands.ts', 'agent/metrics.ts', false, true))).toMatch(/only agent\/agent.ts/);
    expect(forbidden(e('config/schema.ts', 'agent/metrics.ts', false, true))).toMatch(/config\/ must not import agent/);
    expect(forbidden(e('cli/commands.ts', 'agent/agent.ts'))).toMatch(/dynamic/);
    expect(forbidden(e('cli/commands.ts', 'agent/metrics.ts', true))).toMatch(/only agent\/agent.ts/);
    expect(forbidden(e('sink/sink.ts', 'agent/pipeline/event-builder.ts'))).toMatch(/sink\/ must not import agent/);
    expect(forbidden(e('kafka/producer.ts', 'sink/bulk.ts'))).toMatch(/kafka\/ must not import sink/);
    expect(forbidden(e('kafka/producer.ts', 'cli/args.ts'))).toMatch(/kafka\/ must not import cli/);
    expect(forbidden(e('agent/agent.ts', 'kafka/producer.ts'))).toBeUndefined();
    expect(forbidden(e('sink/sink.ts', 'common/event.ts'))).toBeUndefined();
    expect(forbidden(e('search/paging.ts', 'sink/es-client.ts', false, true))).toBeUndefined();
    expect(forbidden(e('search/query.ts', 'common/errors.ts'))).toBeUndefined();
    expect(forbidden(e('cli/search.ts', 'search/query.ts'))).toBeUndefined();
    expect(forbidden(e('search/query.ts', 'sink/bulk.ts'))).toMatch(/search\/ imports only/);
    expect(forbidden(e('search/query.ts', 'cli/terminal-text.ts'))).toMatch(/search\/ imports only/);
    expect(forbidden(e('sink/sink.ts', 'search/query.ts'))).toMatch(/sink\/ must not import search/);
  });
});
