// The whole view lives in the URL (query, time range, filters, live), so a copied link opens the same view.
// No token ever goes into it: the server set a cookie when the first URL carried one.

export function readState(search = location.search) {
  const p = new URLSearchParams(search);
  return {
    q: p.get('q') ?? '',
    from: p.get('from') ?? '15m',
    to: p.get('to') ?? 'now',
    include: p.getAll('f'),
    exclude: p.getAll('x'),
    where: p.getAll('w'),
    live: p.get('live') === '1',
  };
}

/** The API's query parameters for a state (what the server reads in ui-query.ts). */
export function queryParams(s) {
  const p = new URLSearchParams();
  if (s.q) p.set('q', s.q);
  p.set('from', s.from);
  p.set('to', s.to);
  for (const f of s.include) p.append('f', f);
  for (const x of s.exclude) p.append('x', x);
  for (const w of s.where) p.append('w', w);
  return p;
}

export function writeState(s, push) {
  const p = queryParams(s);
  if (s.live) p.set('live', '1');
  const url = `${location.pathname}?${p}`;
  if (url === `${location.pathname}${location.search}`) return;
  if (push) history.pushState(null, '', url);
  else history.replaceState(null, '', url);
}

/** Toggles facet:value among the includes (or excludes), removing it from the other list. */
export function toggleFilter(s, facet, value, exclude) {
  const key = `${facet}:${value}`;
  const mine = exclude ? 'exclude' : 'include';
  const other = exclude ? 'include' : 'exclude';
  const had = s[mine].includes(key);
  return {
    ...s,
    [mine]: had ? s[mine].filter((k) => k !== key) : [...s[mine], key],
    [other]: s[other].filter((k) => k !== key),
  };
}

/** A relative range (`15m`) or an absolute one (ISO times). */
export function isRelative(s) {
  return /^\d+[smhdw]$/.test(s.from) && s.to === 'now';
}
