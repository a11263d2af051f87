// The run's main comparison as an SVG chart (hand-written, no dependency): one panel per figure (lines/s, CPU s per
// million lines, peak RSS), one bar per contender, the value printed at the end of each bar. Pure: rows in, text out.

export interface ChartRow {
  name: string;
  linesPerS?: number;
  cpuSPerMLines?: number;
  peakRssMb?: number;
  /** Ours (drawn in the accent colour) or a baseline (grey). */
  ours: boolean;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));

interface Panel {
  title: string;
  better: string;
  value: (r: ChartRow) => number | undefined;
}

const PANELS: Panel[] = [
  { title: 'lines/s', better: 'higher is better', value: (r) => r.linesPerS },
  { title: 'CPU s per million lines', better: 'lower is better', value: (r) => r.cpuSPerMLines },
  { title: 'peak RSS MB', better: 'lower is better', value: (r) => r.peakRssMb },
];

export function benchChart(rows: ChartRow[], subtitle: string): string {
  const labelW = 230;
  const panelW = 250;
  const gap = 30;
  const barH = 22;
  const rowH = 32;
  const top = 78;
  const width = labelW + PANELS.length * (panelW + gap) + 10;
  const height = top + rows.length * rowH + 40;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="13">`,
  );
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="10" y="24" font-size="17" font-weight="bold">logship bench: file -&gt; Kafka, 260-byte lines, acks -1</text>`);
  out.push(`<text x="10" y="44" fill="#555">${esc(subtitle)}</text>`);
  rows.forEach((r, i) => {
    const y = top + i * rowH + barH / 2 + 5;
    out.push(`<text x="${labelW - 10}" y="${y}" text-anchor="end"${r.ours ? ' font-weight="bold"' : ''}>${esc(r.name)}</text>`);
  });
  PANELS.forEach((p, k) => {
    const x0 = labelW + k * (panelW + gap);
    const values = rows.map(p.value);
    const max = Math.max(1e-9, ...values.map((v) => (v !== undefined && Number.isFinite(v) ? v : 0)));
    out.push(`<text x="${x0}" y="${top - 22}" font-weight="bold">${esc(p.title)}</text>`);
    out.push(`<text x="${x0}" y="${top - 8}" fill="#777" font-size="11">${esc(p.better)}</text>`);
    out.push(`<line x1="${x0}" y1="${top - 2}" x2="${x0}" y2="${top + rows.length * rowH}" stroke="#999"/>`);
    rows.forEach((r, i) => {
      const v = values[i];
      const y = top + i * rowH;
      if (v === undefined || !Number.isFinite(v)) {
        out.push(`<text x="${x0 + 6}" y="${y + barH / 2 + 5}" fill="#999">n/a</text>`);
        return;
      }
      const w = Math.max(1, (v / max) * (panelW - 60));
      out.push(`<rect x="${x0}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${r.ours ? '#2b6cb0' : '#a0aec0'}"/>`);
      out.push(`<text x="${(x0 + w + 5).toFixed(1)}" y="${y + barH / 2 + 5}">${fmt(v)}</text>`);
    });
  });
  out.push(
    `<text x="10" y="${height - 12}" fill="#777" font-size="11">Each contender a separate process on the same broker and machine, measured in one run (npm run bench); CPU = utime + stime, RSS = VmHWM.</text>`,
  );
  out.push('</svg>');
  return out.join('\n') + '\n';
}
