// The server's JSON API (the browser never talks to Elasticsearch).

export async function getJson(path, params) {
  const res = await fetch(`/api/${path}?${params}`, { headers: { accept: 'application/json' } });
  const body = await res.json().catch(() => ({ error: `${res.status} ${res.statusText}` }));
  if (!res.ok) throw new Error(body.error || `${res.status} ${res.statusText}`);
  return body;
}
