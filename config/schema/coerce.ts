// Turning a raw YAML, environment or flag value into a leaf's value (with the reason when it cannot be), the
// defaults of a node, and the list of leaf paths.
import { parseBytes, parseDuration } from '../../common/units.js';
import type { Leaf, Node } from './nodes.js';

export function coerceLeaf(leaf: Leaf, raw: unknown): { ok: true; value: unknown } | { ok: false; reason: string } {
  switch (leaf.kind) {
    case 'string':
      if (typeof raw === 'string') return { ok: true, value: raw };
      if (typeof raw === 'number' || typeof raw === 'boolean') return { ok: true, value: String(raw) };
      return { ok: false, reason: `expected a string, got ${describe(raw)}` };
    case 'bool':
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      if (raw === 'true' || raw === 'false') return { ok: true, value: raw === 'true' };
      return { ok: false, reason: `expected true or false, got ${describe(raw)}` };
    case 'enum':
      if (typeof raw === 'string' && leaf.values.includes(raw)) return { ok: true, value: raw };
      return { ok: false, reason: `expected one of ${leaf.values.join(', ')}, got ${describe(raw)}` };
    case 'strings':
      if (typeof raw === 'string')
        return {
          ok: true,
          value: raw
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        };
      if (Array.isArray(raw) && raw.every((x) => typeof x === 'string')) return { ok: true, value: raw };
      return { ok: false, reason: `expected a list of strings, got ${describe(raw)}` };
    case 'map': {
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, reason: `expected a mapping, got ${describe(raw)}` };
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        const okList = Array.isArray(v) && v.every((x) => typeof x === 'string');
        if (!okList && !['string', 'number', 'boolean'].includes(typeof v))
          return { ok: false, reason: `${k}: expected a string, number, boolean or list of strings, got ${describe(v)}` };
      }
      return { ok: true, value: { ...(raw as Record<string, unknown>) } };
    }
    case 'int': {
      let n: number | undefined;
      if (typeof raw === 'number') n = raw;
      else if (typeof raw === 'string')
        n =
          leaf.unit === 'ms'
            ? parseDuration(raw)
            : leaf.unit === 'bytes'
              ? parseBytes(raw)
              : /^\s*\d+\s*$/.test(raw)
                ? Number(raw)
                : undefined;
      const what =
        leaf.unit === 'ms'
          ? 'a duration in ms (or 500ms, 5s, 1m)'
          : leaf.unit === 'bytes'
            ? 'a size in bytes (or 64KiB, 1MiB)'
            : 'an integer';
      if (n === undefined || !Number.isInteger(n)) return { ok: false, reason: `expected ${what}, got ${describe(raw)}` };
      if (leaf.min !== undefined && n < leaf.min) return { ok: false, reason: `must be at least ${leaf.min}, got ${n}` };
      if (leaf.max !== undefined && n > leaf.max) return { ok: false, reason: `must be at most ${leaf.max}, got ${n}` };
      return { ok: true, value: n };
    }
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

export function defaultsOf(node: Node): unknown {
  if (node.kind === 'list') return [];
  if (node.kind === 'map') return {};
  if (node.kind === 'object') return Object.fromEntries(Object.entries(node.fields).map(([k, v]) => [k, defaultsOf(v)]));
  return Array.isArray(node.default) ? [...(node.default as unknown[])] : node.default;
}

/**
 * Every leaf path with its declaration, in schema order: the keys an environment variable or --set can name. A
 * list's items (agent.sources) have no fixed path, so they are not among them.
 */
export function leaves(node: Node, prefix = ''): Array<[string, Leaf]> {
  if (node.kind === 'list') return [];
  if (node.kind !== 'object') return [[prefix, node]];
  return Object.entries(node.fields).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}
