// /metrics (Prometheus), /healthz (the process is alive) and /readyz (connected and able to make progress,
// with a JSON reason when not). Bound to 127.0.0.1 unless configured otherwise.
import http from 'node:http';
import type { Registry } from 'prom-client';

export interface Readiness {
  ready: boolean;
  reasons: string[];
}

export interface HealthServer {
  address: string;
  close(): Promise<void>;
}

export async function startHealthServer(listen: string, registry: Registry, readiness: () => Readiness): Promise<HealthServer> {
  const idx = listen.lastIndexOf(':');
  const host = listen.slice(0, idx) || '127.0.0.1';
  const port = Number(listen.slice(idx + 1));
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (url === '/metrics') {
      registry.metrics().then(
        (body) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(body);
        },
        (err: Error) => {
          res.writeHead(500);
          res.end(err.message);
        },
      );
    } else if (url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}\n');
    } else if (url === '/readyz') {
      const r = readiness();
      res.writeHead(r.ready ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: r.ready ? 'ready' : 'not_ready', reasons: r.reasons }) + '\n');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found: try /metrics, /healthz or /readyz\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address();
  const address = typeof a === 'object' && a ? `${a.address}:${a.port}` : listen;
  return {
    address,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
