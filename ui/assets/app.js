// The explorer's page: reads the view from the URL, asks the server for rows first (time to first rows), then
// the histogram and the facets over the same resolved time range, and keeps the URL in step with every change.
import { getJson } from './api.js';
import { showContext } from './context.js';
import { formatCount, fromLocalInput, toLocalInput } from './dom.js';
import { renderChips, renderFacets } from './facets.js';
import { renderHistogram } from './histogram.js';
import { renderRows } from './rows.js';
import { isRelative, queryParams, readState, toggleFilter, writeState } from './state.js';
import { createLiveTail } from './tail.js';

const $ = (id) => document.getElementById(id);
const ui = {
  form: $('bar'),
  q: $('q'),
  range: $('range'),
  absolute: $('absolute'),
  from: $('from'),
  to: $('to'),
  live: $('live'),
  copy: $('copy'),
  chips: $('chips'),
  facets: $('facets'),
  histogram: $('histogram'),
  status: $('status'),
  rows: $('rows'),
  paused: $('paused'),
  context: $('context'),
};

let state = readState();
let generation = 0;
/** The resolved range of the last search (epoch ms), for the absolute inputs and the tail. */
let resolved = { from: Date.now() - 15 * 60_000, to: Date.now() };

const actions = {
  onContext: (row) => void showContext(ui.context, row),
  onFilter: (facet, value) => pick(facet, value, false),
};
const tail = createLiveTail({ rows: ui.rows, paused: ui.paused, actions, onError: (m) => setStatus(m, true) });

function setStatus(text, error = false) {
  ui.status.textContent = text;
  ui.status.classList.toggle('error', error);
}

function syncForm() {
  ui.q.value = state.q;
  const preset = isRelative(state) && [...ui.range.options].some((o) => o.value === state.from);
  ui.range.value = preset ? state.from : 'custom';
  ui.absolute.hidden = preset;
  if (!preset) {
    ui.from.value = toLocalInput(resolved.from);
    ui.to.value = toLocalInput(resolved.to);
  }
  ui.live.setAttribute('aria-pressed', String(state.live));
  ui.live.classList.toggle('on', state.live);
}

async function run(push) {
  writeState(state, push);
  syncForm();
  renderChips(
    ui.chips,
    state,
    (f, v, x) => pick(f, v, x),
    (w) => {
      state = { ...state, where: state.where.filter((x) => x !== w) };
      void run(true);
    },
  );
  const gen = ++generation;
  const p = queryParams(state);
  setStatus('searching…');
  ui.rows.setAttribute('aria-busy', 'true');
  const t0 = performance.now();
  let s;
  try {
    s = await getJson('search', withParam(p, 'size', '200'));
  } catch (err) {
    if (gen === generation) setStatus(err.message, true);
    return;
  }
  if (gen !== generation) return;
  resolved = { from: s.from, to: s.to };
  renderRows(ui.rows, s.rows, actions);
  ui.rows.removeAttribute('aria-busy');
  ui.status.dataset.total = String(s.total);
  setStatus(
    `${formatCount(s.total)} lines${s.total > s.rows.length ? `, newest ${formatCount(s.rows.length)} shown` : ''} · ${Math.round(performance.now() - t0)} ms`,
  );
  syncForm();
  // The same instants for every panel: a relative range is resolved once, by the search.
  const fixed = withParam(withParam(p, 'from', String(s.from)), 'to', String(s.to));
  const [h, f] = await Promise.allSettled([getJson('histogram', withParam(fixed, 'buckets', '80')), getJson('facets', fixed)]);
  if (gen !== generation) return;
  if (h.status === 'fulfilled') renderHistogram(ui.histogram, h.value, zoom);
  else ui.histogram.textContent = `histogram: ${h.reason.message}`;
  if (f.status === 'fulfilled') renderFacets(ui.facets, f.value.facets, state, pick);
  else ui.facets.textContent = `facets: ${f.reason.message}`;
  tail.restart(state.live ? p : undefined, s.rows[0]?.time ?? new Date(s.to).toISOString(), s.rows);
}

function withParam(p, k, v) {
  const out = new URLSearchParams(p);
  out.set(k, v);
  return out;
}

function pick(facet, value, exclude) {
  state = toggleFilter(state, facet, value, exclude);
  void run(true);
}

function zoom(fromMs, toMs) {
  state = { ...state, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() };
  void run(true);
}

ui.form.addEventListener('submit', (e) => {
  e.preventDefault();
  state = { ...state, q: ui.q.value.trim() };
  // The absolute inputs count only when edited: a relative range that is no preset (from=2h) stays relative.
  const edited = ui.from.value !== toLocalInput(resolved.from) || ui.to.value !== toLocalInput(resolved.to);
  if (ui.range.value === 'custom' && (edited || isRelative(state))) {
    if (!edited) return void run(true);
    const from = fromLocalInput(ui.from.value);
    const to = fromLocalInput(ui.to.value);
    if (from === undefined || to === undefined || from > to) return setStatus('the absolute range needs a start before its end', true);
    state = { ...state, from: new Date(from).toISOString(), to: new Date(to).toISOString() };
  }
  void run(true);
});

ui.range.addEventListener('change', () => {
  if (ui.range.value === 'custom') {
    ui.absolute.hidden = false;
    ui.from.value = toLocalInput(resolved.from);
    ui.to.value = toLocalInput(resolved.to);
    return;
  }
  state = { ...state, from: ui.range.value, to: 'now' };
  void run(true);
});

ui.live.addEventListener('click', () => {
  state = { ...state, live: !state.live };
  void run(false);
});

ui.copy.addEventListener('click', async () => {
  const url = location.href;
  try {
    await navigator.clipboard.writeText(url);
    ui.copy.textContent = 'Copied';
  } catch {
    window.prompt('Copy this link', url);
  }
  setTimeout(() => (ui.copy.textContent = 'Copy link'), 1500);
});

window.addEventListener('popstate', () => {
  state = readState();
  void run(false);
});

void run(false);
