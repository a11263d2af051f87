// /metrics (Prometheus), /healthz (the process is alive) and /readyz (connected and able to make progress,
// with a JSON reason when not). Bound to 127.0.0.1 unless configured otherwise.
//
// Whoever can reach the port is not trusted: a request must arrive whole within seconds (Node's default waits
// 300 s for a body, so a few slow clients would hold sockets for minutes), connections are capped, and an
// idle keep-alive connection is closed soon (a scrape every 15 s opens a new one anyway). Readiness reasons
// are error messages: they are redacted as log lines are (configured secrets, URL passwords).
import http from 'node:http';
import type { Registry } from 'prom-client';
import { createRedactor } from './redact.js';

export interface Readiness {
  ready: boolean;
  reasons: string[];
}

export interface HealthServer {
  address: string;
  close(): Promise<void>;
}

export interface HealthServerLimits {
  /** Time for a request's headers to arrive. */
  headersTimeoutMs: number;
  /** Time for a whole request to arrive. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
  /** Connections beyond this are closed as they arrive. */
  maxConnections: number;
  /** How often Node checks the two timeouts above (its default, 30 s, would let a request overstay by as much). */
  checkIntervalMs: number;
}

export const HEALTH_SERVER_LIMITS: HealthServerLimits = {
  headersTimeoutMs: 5000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5000,
  maxConnections: 64,
  checkIntervalMs: 1000,
};

export interface HealthServerOptions {
  /** Redacted from readiness reasons and errors (URL passwords always are). */
  secrets?: string[];
  limits?: Partial<HealthServerLimits>;
  /** Sets the gauges that are read from live state, just before a scrape is answered (nothing runs when nobody scrapes). */
  beforeScrape?: () => void;
}

export async function startHealthServer(
  listen: string,
  registry: Registry,
  readiness: () => Readiness,
  opts: HealthServerOptions = {},
): Promise<HealthServer> {
  const idx = listen.lastIndexOf(':');
  const host = listen.slice(0, idx) || '127.0.0.1';
  const port = Number(listen.slice(idx + 1));
  const limits = { ...HEALTH_SERVER_LIMITS, ...opts.limits };
  const redact = createRedactor(opts.secrets ?? []);
  const server = http.createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
    },
    (req, res) => {
      const url = (req.url ?? '/').split('?')[0];
      if (url === '/metrics') {
        opts.beforeScrape?.();
        registry.metrics().then(
          (body) => {
            res.writeHead(200, { 'content-type': registry.contentType });
            res.end(body);
          },
          (err: Error) => {
            res.writeHead(500);
            res.end(redact(err.message));
          },
        );
      } else if (url === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"status":"ok"}\n');
      } else if (url === '/readyz') {
        const r = readiness();
        res.writeHead(r.ready ? 200 : 503, { 'content-type': 'application/json' });
        res.end(redact(JSON.stringify({ status: r.ready ? 'ready' : 'not_ready', reasons: r.reasons })) + '\n');
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found: try /metrics, /healthz or /readyz\n');
      }
    },
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address();
  const address = typeof a === 'object' && a ? `${a.address}:${a.port}` : listen;
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections would hold close() until they time out.
        server.closeIdleConnections();
      }),
  };
}
