// --count-by and --histogram as text: a table of counts, and counts per interval as bars. Pure.
import type { Bucket, Counts } from '../search/requests.js';
import { formatTime } from './search-format.js';
import { escapeControls } from './terminal-text.js';

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar of `value / max` of `width` cells, in eighths of a cell; at least a sliver for any value above 0. */
export function bar(value: number, max: number, width: number): string {
  if (value <= 0 || max <= 0 || width <= 0) return '';
  const eighths = Math.max(1, Math.round((value / max) * width * 8));
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}

const num = (n: number) => n.toLocaleString('en-US');

/** One row per value, most frequent first, with its share and a bar; then the values not listed and the missing. */
export function countTable(c: Counts, field: string, columns = 80): string {
  const rows = c.rows.map((r) => ({ label: escapeControls(r.key, { oneLine: true }), count: r.count }));
  if (c.other > 0) rows.push({ label: '(other values)', count: c.other });
  if (c.missing > 0) rows.push({ label: `(no ${field})`, count: c.missing });
  if (rows.length === 0) return `${field}: no matches\n`;
  const cw = Math.max(5, ...rows.map((r) => num(r.count).length));
  const lw = Math.min(40, Math.max(field.length, ...rows.map((r) => r.label.length)));
  const width = Math.max(10, columns - cw - lw - 12);
  const max = Math.max(...rows.map((r) => r.count));
  const head = `${'count'.padStart(cw)}      %  ${field}\n`;
  const body = rows
    .map((r) => {
      const pct = c.total > 0 ? ((100 * r.count) / c.total).toFixed(1) : '0.0';
      const label = r.label.length > lw ? r.label.slice(0, lw - 1) + '…' : r.label.padEnd(lw);
      return `${num(r.count).padStart(cw)}  ${pct.padStart(5)}  ${label}  ${bar(r.count, max, width)}`.trimEnd();
    })
    .join('\n');
  return `${head}${body}\n${num(c.total).padStart(cw)}  total\n`;
}

/** The label of a bucket: as much of the time as the interval needs. */
function bucketLabel(ms: number, intervalMs: number, utc: boolean): string {
  const t = formatTime(new Date(ms).toISOString(), utc);
  if (intervalMs >= 86_400_000) return t.slice(0, 10);
  if (intervalMs >= 60_000) return t.slice(0, 16);
  return t.slice(0, 19);
}

export function histogram(
  buckets: Bucket[],
  o: { intervalMs: number; interval: string; total: number; utc: boolean; columns?: number },
): string {
  const columns = o.columns ?? 80;
  const labels = buckets.map((b) => bucketLabel(b.startMs, o.intervalMs, o.utc));
  const lw = Math.max(0, ...labels.map((l) => l.length));
  const cw = Math.max(1, ...buckets.map((b) => num(b.count).length));
  const width = Math.max(10, columns - lw - cw - 4);
  const max = Math.max(0, ...buckets.map((b) => b.count));
  const lines = buckets.map((b, i) => `${labels[i].padEnd(lw)}  ${num(b.count).padStart(cw)}  ${bar(b.count, max, width)}`.trimEnd());
  return `${lines.join('\n')}${lines.length > 0 ? '\n' : ''}${num(o.total)} matches, ${o.interval} per bar${o.utc ? ', UTC' : ''}\n`;
}
