// --around N: the N lines before and after a hit in its own source, by offset (grep -C), and the merging of
// groups that touch, so a line is printed once and groups are told apart by a separator.
import type { Es, SearchHit } from '../sink/es-client.js';
import { contextRequest } from './requests.js';

export interface ContextGroup {
  identity: string;
  /** Oldest offset first: context lines and hits. */
  lines: SearchHit[];
  hitIds: Set<string>;
}

function identityOf(h: SearchHit): string {
  return String((h._source.logship as { source?: { identity?: string } } | undefined)?.source?.identity ?? '');
}

export function offsetOf(h: SearchHit): number {
  return Number((h._source.log as { offset?: number } | undefined)?.offset ?? 0);
}

export async function contextOf(es: Pick<Es, 'search'>, index: string, hit: SearchHit, n: number): Promise<ContextGroup> {
  const id = identityOf(hit);
  const [before, after] = await Promise.all([
    es.search(index, contextRequest(id, offsetOf(hit), n, 'before')),
    es.search(index, contextRequest(id, offsetOf(hit), n, 'after')),
  ]);
  return { identity: id, lines: [...before.hits.reverse(), hit, ...after.hits], hitIds: new Set([hit._id]) };
}

/**
 * Groups in the order given, each merged into the one before it when both are of the same source and their
 * lines overlap or touch (the second starts at or before the line after the first's last): as grep -C.
 */
export function mergeGroups(groups: ContextGroup[]): ContextGroup[] {
  const out: ContextGroup[] = [];
  for (const g of groups) {
    const prev = out[out.length - 1];
    if (prev && prev.identity === g.identity && touches(prev, g)) {
      const ids = new Set(prev.lines.map((l) => l._id));
      const more = g.lines.filter((l) => !ids.has(l._id));
      prev.lines = [...prev.lines, ...more].sort((a, b) => offsetOf(a) - offsetOf(b));
      for (const id of g.hitIds) prev.hitIds.add(id);
    } else out.push({ identity: g.identity, lines: [...g.lines], hitIds: new Set(g.hitIds) });
  }
  return out;
}

function touches(a: ContextGroup, b: ContextGroup): boolean {
  const aIds = new Set(a.lines.map((l) => l._id));
  if (b.lines.some((l) => aIds.has(l._id))) return true;
  const aLast = offsetOf(a.lines[a.lines.length - 1]);
  const bFirst = offsetOf(b.lines[0]);
  const aFirst = offsetOf(a.lines[0]);
  // Adjacent: no line of the source lies between them (offsets are not line numbers, so only overlap is known).
  return bFirst >= aFirst && bFirst <= aLast;
}
