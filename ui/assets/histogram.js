// The histogram of matching lines over time, as SVG bars. Dragging across it selects a range to zoom into.
import { el, formatCount, formatTime } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const W = 1000;
const H = 90;

function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/** Draws `h` ({ total, interval_ms, from, to, buckets }) into `root`; `onZoom(fromMs, toMs)` after a drag. */
export function renderHistogram(root, h, onZoom) {
  const total = h.buckets.reduce((n, b) => n + b.count, 0);
  const max = Math.max(1, ...h.buckets.map((b) => b.count));
  const span = Math.max(1, h.to - h.from);
  const x = (t) => ((Math.min(Math.max(t, h.from), h.to) - h.from) / span) * W;
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', class: 'hist', 'data-testid': 'histogram-chart' });
  for (const b of h.buckets) {
    const x0 = x(b.t);
    const x1 = x(b.t + h.interval_ms);
    const bh = (b.count / max) * (H - 4);
    const rect = svg('rect', { x: x0, y: H - bh, width: Math.max(0.5, x1 - x0 - 0.5), height: bh, class: 'bar', 'data-count': b.count });
    const title = svg('title', {});
    title.textContent = `${formatTime(b.t)}: ${formatCount(b.count)}`;
    rect.append(title);
    chart.append(rect);
  }
  const band = svg('rect', { x: 0, y: 0, width: 0, height: H, class: 'band', visibility: 'hidden' });
  chart.append(band);
  root.replaceChildren(
    el(
      'div',
      { class: 'hist-head' },
      el('span', { 'data-testid': 'histogram-total', dataset: { total: String(total) } }, `${formatCount(total)} lines`),
      el(
        'span',
        { class: 'muted' },
        ` · ${formatTime(h.from)} → ${formatTime(h.to)} · one bar = ${intervalText(h.interval_ms)} · drag to zoom`,
      ),
    ),
    chart,
  );
  root.dataset.total = String(total);

  const timeAt = (clientX) => {
    const r = chart.getBoundingClientRect();
    return h.from + ((clientX - r.left) / Math.max(1, r.width)) * span;
  };
  let start;
  chart.addEventListener('pointerdown', (e) => {
    start = e.clientX;
    chart.setPointerCapture(e.pointerId);
  });
  chart.addEventListener('pointermove', (e) => {
    if (start === undefined) return;
    const a = x(timeAt(Math.min(start, e.clientX)));
    const b = x(timeAt(Math.max(start, e.clientX)));
    band.setAttribute('x', String(a));
    band.setAttribute('width', String(b - a));
    band.setAttribute('visibility', 'visible');
  });
  chart.addEventListener('pointerup', (e) => {
    if (start === undefined) return;
    const [a, b] = [timeAt(Math.min(start, e.clientX)), timeAt(Math.max(start, e.clientX))];
    start = undefined;
    band.setAttribute('visibility', 'hidden');
    // A click is not a zoom: at least a few pixels' worth of time.
    if (b - a > span / 200) onZoom(Math.floor(a), Math.ceil(b));
  });
}

function intervalText(ms) {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}
