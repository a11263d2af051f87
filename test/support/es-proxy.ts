// A fault-injecting HTTP proxy in front of the real Elasticsearch, for the sink-fault tests.
import http from 'node:http';
import { ES } from './helpers.js';

export interface EsProxy {
  url: string;
  /** Sizes of the _bulk bodies Elasticsearch was given (passed through), and of those refused by the proxy. */
  passed: number[];
  refused: number[];
  /** Delayed requests the client aborted before they were forwarded (not forwarded). */
  aborted: number[];
  /** Replaces the fault for the requests that arrive from now on. */
  setBulk(f: BulkFault): void;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of the real Elasticsearch, for faults the real one will not produce on demand: `bulk` sees
 * every _bulk body and may answer instead of Elasticsearch (e.g. 413), or delay it (`delayMs`).
 */
type BulkFault = (body: Buffer) => { status: number; body: unknown } | { delayMs: number } | undefined;

export async function startEsProxy(initial: BulkFault): Promise<EsProxy> {
  let bulk = initial;
  const passed: number[] = [];
  const refused: number[] = [];
  const aborted: number[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    // The handler catches its own errors (try/catch below); the listener ignores the promise.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      try {
        if (req.url?.startsWith('/_bulk')) {
          const r = bulk(body);
          if (r && 'status' in r) {
            refused.push(body.length);
            res.writeHead(r.status, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
            return void res.end(JSON.stringify(r.body));
          }
          if (r && 'delayMs' in r) {
            await new Promise((ok) => setTimeout(ok, r.delayMs));
            // The client gave up (aborted) meanwhile: like a request that never reached Elasticsearch.
            if (res.destroyed || req.socket.destroyed) return void aborted.push(body.length);
          }
          passed.push(body.length);
        }
        const up = await fetch(`${ES}${req.url}`, {
          method: req.method,
          headers: Object.fromEntries(['content-type', 'accept'].filter((h) => req.headers[h]).map((h) => [h, String(req.headers[h])])),
          body: ['GET', 'HEAD'].includes(req.method ?? 'GET') ? undefined : body,
        });
        // The client refuses a server that does not say it is Elasticsearch.
        res.writeHead(up.status, {
          'content-type': up.headers.get('content-type') ?? 'application/json',
          'x-elastic-product': up.headers.get('x-elastic-product') ?? 'Elasticsearch',
        });
        res.end(Buffer.from(await up.arrayBuffer()));
      } catch (err) {
        res.writeHead(502);
        res.end(String(err));
      }
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    passed,
    refused,
    aborted,
    setBulk: (f) => {
      bulk = f;
    },
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
