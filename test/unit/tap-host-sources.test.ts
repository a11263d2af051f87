// `logship tap`'s path (createAgent with a producer that prints) on sample files laid out as
// config/examples/host-sources.yaml expects them: each source's multiline, parser, filters, redaction and fields.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgent } from '../../agent/agent.js';
import { decodeEvent, type LogEvent } from '../../common/event.js';
import { loadConfig } from '../../config/loader.js';
import type { Producer } from '../../kafka/producer.js';

const root = path.resolve(import.meta.dirname, '../..');
let dir = '';
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(rel: string, lines: string[]) {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), lines.join('\n') + '\n');
}

describe('tap on host-sources.yaml sample files', () => {
  it('prints the expected events of the three sources', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logship-tap-hs-'));
    const text = fs.readFileSync(path.join(root, 'config/examples/host-sources.yaml'), 'utf8').replaceAll('/var/log/', `${dir}/`);
    const cfg = loadConfig({
      text,
      env: {},
      overrides: [
        ['agent.data_dir', path.join(dir, 'state')],
        ['agent.metrics_listen', ''],
        ['agent.read_from', 'beginning'],
        ['agent.scan_interval_ms', 50],
        ['agent.poll_interval_ms', 20],
      ],
    });
    write('checkout/app.log', [
      '2026-12-01 08:00:00,123 ERROR [main] Pay - charge failed card 4111 1111 1111 1111 token Bearer abc.def',
      '\tat com.shop.Pay.charge(Pay.java:10)',
      '2026-12-01 08:00:01,000 INFO [main] Pay - ok',
    ]);
    const now = new Date();
    const clf = `[${String(now.getUTCDate()).padStart(2, '0')}/${now.toUTCString().slice(8, 11)}/${now.getUTCFullYear()}:${now.toISOString().slice(11, 19)} +0000]`;
    write('nginx/access.log', [
      `10.0.0.1 - - ${clf} "GET /healthz HTTP/1.1" 200 2`,
      `10.0.0.1 - - ${clf} "GET /cart?u=https://bob:s3cret@x.example/ HTTP/1.1" 200 512`,
    ]);
    write('backup/run.log', ['starting backup', 'WARN disk 91% full', 'copying', 'done in 42s']);
    const events: LogEvent[] = [];
    const producer: Producer = {
      async connect() {},
      async send(_topic, messages) {
        for (const m of messages) events.push(decodeEvent(m.value));
      },
      async disconnect() {},
    };
    const agent = createAgent(cfg, { log: pino({ level: 'silent' }), createProducer: () => producer });
    await agent.start();
    const until = Date.now() + 60_000;
    while (events.length < 5 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    await agent.stop(1000);
    const by = (name: string) => events.filter((e) => e.logship.source.name === name).map((e) => e.message);
    expect(by('checkout')).toEqual([
      '2026-12-01 08:00:00,123 ERROR [main] Pay - charge failed card *** token Bearer ***\n\tat com.shop.Pay.charge(Pay.java:10)',
      '2026-12-01 08:00:01,000 INFO [main] Pay - ok',
    ]);
    expect(by('nginx')).toEqual([`10.0.0.1 - - ${clf} "GET /cart?u=https://bob:***@x.example/ HTTP/1.1" 200 512`]);
    expect(by('cron-backup')).toEqual(['WARN disk 91% full', 'done in 42s']);
    const first = events.find((e) => e.logship.source.name === 'checkout')!;
    expect(first['@timestamp']).toBe('2026-12-01T07:00:00.123Z'); // Europe/Paris, UTC+1 in December
    expect(first.log.level).toBe('error');
    expect(first.fields).toEqual({ service: { name: 'checkout' }, environment: 'prod' });
    expect(first.tags).toEqual(['java']);
    expect(events.find((e) => e.message === 'WARN disk 91% full')!.log.level).toBe('warn');
  });
});
