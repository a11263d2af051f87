// The metrics server against clients that do not play fair: a request that never finishes arriving, more
// connections than it serves, keep-alive connections left open. Each is cut within seconds, not Node's 300 s.
import net from 'node:net';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HEALTH_SERVER_LIMITS, startHealthServer, type HealthServerLimits } from '../../common/health-server.js';

const ready = () => ({ ready: true, reasons: [] });

async function withServer(limits: Partial<HealthServerLimits>, fn: (port: number) => Promise<void>) {
  const h = await startHealthServer('127.0.0.1:0', new Registry(), ready, { limits });
  try {
    await fn(Number(h.address.split(':').pop()));
  } finally {
    await h.close();
  }
}

/** Connects, writes `data`, and resolves with what came back and how long until the server closed. */
function exchange(port: number, data: string, giveUpMs = 5000): Promise<{ reply: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const s = net.connect(port, '127.0.0.1', () => s.write(data));
    let reply = '';
    s.on('data', (d) => (reply += d.toString()));
    s.on('error', () => undefined);
    s.on('close', () => resolve({ reply, closedAfterMs: Date.now() - start }));
    setTimeout(() => {
      s.destroy();
      reject(new Error(`still open after ${giveUpMs} ms`));
    }, giveUpMs);
  });
}

describe('health server limits', () => {
  it('defaults: seconds, not minutes; at most 64 connections', () => {
    expect(HEALTH_SERVER_LIMITS.headersTimeoutMs).toBeLessThanOrEqual(10_000);
    expect(HEALTH_SERVER_LIMITS.requestTimeoutMs).toBeLessThanOrEqual(10_000);
    expect(HEALTH_SERVER_LIMITS.keepAliveTimeoutMs).toBeLessThanOrEqual(10_000);
    expect(HEALTH_SERVER_LIMITS.maxConnections).toBe(64);
    expect(HEALTH_SERVER_LIMITS.checkIntervalMs).toBeLessThanOrEqual(HEALTH_SERVER_LIMITS.headersTimeoutMs);
  });

  it('a request whose headers never finish is answered 408 and closed', async () => {
    await withServer({ headersTimeoutMs: 300, requestTimeoutMs: 600, checkIntervalMs: 100 }, async (port) => {
      const r = await exchange(port, 'GET /metrics HTTP/1.1\r\nHost: x\r\n');
      expect(r.reply).toMatch(/^HTTP\/1\.1 408/);
      expect(r.closedAfterMs).toBeLessThan(2000);
    });
  });

  it('connections past maxConnections are closed at once; the ones within are served', async () => {
    await withServer({ maxConnections: 2 }, async (port) => {
      const held = [net.connect(port, '127.0.0.1'), net.connect(port, '127.0.0.1')];
      await Promise.all(held.map((s) => new Promise((r) => s.once('connect', r))));
      await new Promise((r) => setTimeout(r, 100)); // the server has accepted both
      const third = await exchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(third.reply).toBe('');
      for (const s of held) s.destroy();
      await new Promise((r) => setTimeout(r, 100));
      const after = await exchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      expect(after.reply).toMatch(/^HTTP\/1\.1 200/);
    });
  });

  it('an idle keep-alive connection is closed after keepAliveTimeoutMs', async () => {
    await withServer({ keepAliveTimeoutMs: 300 }, async (port) => {
      const r = await exchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(r.reply).toMatch(/^HTTP\/1\.1 200/);
      expect(r.closedAfterMs).toBeLessThan(2000);
    });
  });
});
