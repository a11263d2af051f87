// agent.sources: loading, key paths in problems, overlaps, the implicit source, and the runtime routing rule.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/loader.js';
import { createSourceRouter } from '../../agent/sources/files/file-sources.js';

function problemsOf(text: string): string {
  try {
    loadConfig({ text, env: {} });
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

describe('agent.sources', () => {
  it('loads named sources over their defaults', () => {
    const cfg = loadConfig({
      text: `agent:\n  sources:\n    - name: app\n      include: [/l/app/*.log]\n      fields: { service.name: app }\n      tags: [a]\n`,
      env: {},
    });
    const s = cfg.agent.sources[0];
    expect(s).toMatchObject({
      name: 'app',
      include: ['/l/app/*.log'],
      json: 'auto',
      redact_mask: '***',
      fields: { 'service.name': 'app' },
    });
    expect(s.parser.format).toBe('auto');
    expect(s.multiline.mode).toBe('off');
  });

  it('names the source and key of every problem', () => {
    const text = `agent:
  sources:
    - name: java
      include: [/l/j/*.log]
    - name: nginx
      include: [/l/n/*.log]
      multiline: { mode: pattern, pattern: '(' }
      exclude_lines: ['(a)\\1']
      parser: { format: nope }
      colour: red
`;
    const msg = problemsOf(text);
    expect(msg).toContain('agent.sources[1] (nginx).parser.format: expected one of auto, off');
    expect(msg).toContain('agent.sources[1] (nginx).colour: unknown key');
    const msg2 = problemsOf(text.replace('      parser: { format: nope }\n      colour: red\n', ''));
    expect(msg2).toContain('agent.sources[1] (nginx).multiline.pattern: invalid regular expression');
    expect(msg2).toContain('agent.sources[1] (nginx).exclude_lines[0]: regular expression /(a)\\1/ cannot be bounded in time');
  });

  it('needs a unique name and a glob per source, and no agent.files beside sources', () => {
    const msg = problemsOf(`agent:
  files: { include: [/x/*.log] }
  sources:
    - name: a
      include: [/l/a.log]
    - name: a
      include: []
    - include: [/l/b.log]
`);
    expect(msg).toContain('agent.sources[1] (a).name: "a" is also the name of agent.sources[0]');
    expect(msg).toContain('agent.sources[1] (a).include: a file source needs at least one glob');
    expect(msg).toContain('agent.sources[2].name: every source needs a name');
    expect(msg).toContain('agent.files.include: agent.sources is set');
  });

  it('refuses a glob another source provably claims: the same pattern or a path it matches', () => {
    const msg = problemsOf(`agent:
  sources:
    - name: all
      include: [/l/*.log]
    - name: app
      include: [/l/app.log, /l/*.log, /l/sub/*.log]
`);
    expect(msg).toContain('agent.sources[1] (app).include[0]: /l/app.log is matched by agent.sources[0] (all)');
    expect(msg).toContain('agent.sources[1] (app).include[1]: /l/*.log is also a glob of agent.sources[0] (all)');
    expect(msg).not.toContain('include[2]');
  });

  it('at run time a file matched by two sources belongs to the first in the list', () => {
    const cfg = loadConfig({
      text: `agent:\n  sources:\n    - name: first\n      include: ['/l/a*.log']\n    - name: second\n      include: ['/l/*.log']\n`,
      env: {},
    });
    const r = createSourceRouter(cfg.agent, '/');
    expect(r.sourceFor('/l/app.log')?.name).toBe('first');
    expect(r.sourceFor('/l/b.log')?.name).toBe('second');
    expect(r.sourceFor('/x/b.log')).toBeUndefined();
    expect(r.matcher.matches('/l/app.log')).toBe(true);
    expect(r.matcher.bases).toEqual(['/l']);
  });

  it('agent.files, agent.multiline and agent.parser are the implicit source `files`', () => {
    const cfg = loadConfig({ text: `agent:\n  files: { include: [/l/*.log] }\n  multiline: { mode: java }\n`, env: {} });
    const r = createSourceRouter(cfg.agent, '/');
    expect(r.sources.map((s) => s.name)).toEqual(['files']);
    expect(r.sourceFor('/l/a.log')?.multiline).toBeDefined();
    expect(r.sources[0].rules.plain?.format).toBe('auto');
  });

  it('an unknown zone or a bad custom layout fails at start, naming the key', () => {
    const bad = (parser: string) =>
      loadConfig({ text: `agent:\n  sources:\n    - name: s\n      include: [/l/*.log]\n      parser: ${parser}\n`, env: {} });
    expect(() => createSourceRouter(bad('{ timezone: Mars/Base }').agent)).toThrow(
      /agent.sources\[0\] \(s\).parser.timezone: unknown zone/,
    );
    expect(() => createSourceRouter(bad("{ pattern: '^(?<time>\\S+)', time_layout: '%Q' }").agent)).toThrow(
      /agent.sources\[0\] \(s\).parser.pattern: .*unknown directive/,
    );
  });
});
