// The wire bytes of events from every kind of source, pinned: a re-sent line must be byte for byte what it was
// (same id, same @timestamp, same fields), whichever source built it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createAgentMetrics } from '../../agent/metrics.js';
import type { Batcher, QueuedEvent } from '../../agent/pipeline/batcher.js';
import { buildEvent, encodeBounded } from '../../agent/pipeline/event-builder.js';
import { createLineFramer } from '../../agent/pipeline/line-framer.js';
import { createMultiline } from '../../agent/pipeline/multiline.js';
import { StreamSource } from '../../agent/sources/streams/stream-source.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logship-wire-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const T = Date.UTC(2025, 0, 2, 3, 4, 5, 678);

function capture() {
  const values: string[] = [];
  const batcher = {
    add: (e: QueuedEvent) => values.push(e.value.toString()),
    hasRoom: true,
    room: 1 << 30,
    waitForRoom: () => Promise.resolve(),
  } as unknown as Batcher;
  return { values, batcher };
}

describe('event wire bytes', () => {
  it('stream source: plain, JSON, cut, invalid UTF-8 lines and a command exit', async () => {
    const { values, batcher } = capture();
    const src = new StreamSource('job/stdout', 'command', undefined, {
      host: 'web-1',
      dataDir: dir,
      maxLineBytes: 64,
      spoolMaxBytes: 1 << 20,
      spoolFull: 'block',
      parseJson: true,
      batcher,
      metrics: createAgentMetrics(pino({ level: 'silent' })),
      now: () => T,
    });
    const input = new PassThrough();
    const ended = src.attach(input);
    input.write('plain line\n{"level":50,"time":1735787045000,"msg":"x"}\n');
    input.write(Buffer.from([0x61, 0xff, 0x62, 0x0a]));
    input.write('{"level":30,"msg":"a long JSON line that is cut at max_line_bytes, so not parsed"}\n');
    input.end('last line without newline');
    await ended;
    src.recordExit(3, null, 'node job.js');
    src.close();
    expect(values.map((v) => v.replaceAll(src.identity, '<identity>'))).toMatchInlineSnapshot(`
      [
        "{"v":2,"@timestamp":"2025-01-02T03:04:05.678Z","message":"plain line","event":{"id":"33b4bdc8e75cf26fd1c9ddbbe863bbd2"},"host":{"name":"web-1"},"log":{"offset":0},"logship":{"source":{"type":"command","name":"job/stdout","identity":"<identity>"}}}",
        "{"v":2,"@timestamp":"2025-01-02T03:04:05.000Z","message":"{\\"level\\":50,\\"time\\":1735787045000,\\"msg\\":\\"x\\"}","event":{"id":"b81a7b208399212497935214c6f27423","created":"2025-01-02T03:04:05.678Z"},"host":{"name":"web-1"},"log":{"offset":1,"level":"error"},"logship":{"source":{"type":"command","name":"job/stdout","identity":"<identity>"}},"json":{"level":50,"time":1735787045000,"msg":"x"}}",
        "{"v":2,"@timestamp":"2025-01-02T03:04:05.678Z","message":"a�b","event":{"id":"63e42674c4755e28318bd5a0772537e7"},"host":{"name":"web-1"},"log":{"offset":2,"invalid_utf8":true},"logship":{"source":{"type":"command","name":"job/stdout","identity":"<identity>"}}}",
        "{"v":2,"@timestamp":"2025-01-02T03:04:05.678Z","message":"{\\"level\\":30,\\"msg\\":\\"a long JSON line that is cut at max_line_byte","event":{"id":"30e61e6463c095a44a8a88bcf383ed06"},"host":{"name":"web-1"},"log":{"offset":3,"truncated":true},"logship":{"source":{"type":"command","name":"job/stdout","identity":"<identity>"}}}",
        "{"v":2,"@timestamp":"2025-01-02T03:04:05.678Z","message":"last line without newline","event":{"id":"b93bb779c5c28e9dea9f0f34fb05ba7e"},"host":{"name":"web-1"},"log":{"offset":4},"logship":{"source":{"type":"command","name":"job/stdout","identity":"<identity>"}}}",
        "{"v":2,"@timestamp":"2025-01-02T03:04:05.678Z","message":"process exited with code 3","event":{"id":"40593db5f53c4f28ec1cced76e1ddc5e"},"host":{"name":"web-1"},"log":{"offset":5},"logship":{"source":{"type":"command","name":"job/stdout","identity":"<identity>"}},"process":{"exit_code":3,"signal":null,"command_line":"node job.js"}}",
      ]
    `);
    expect(src.identity).toMatchInlineSnapshot(`"f140b8583fce61b0a5e2c8ab"`);
  });

  it('file source: framed lines, a JSON line and a multiline event', () => {
    const framer = createLineFramer({ startOffset: 100, maxLineBytes: 1024 });
    const ml = createMultiline({ continuation: /^\s/, maxLines: 10, maxBytes: 1 << 16, timeoutMs: 1000 });
    const lines = framer.push(
      Buffer.from('first\r\n{"level":40,"time":"2025-01-02T00:00:00.250Z","msg":"w"}\nException: boom\n  at a\n  at b\nnext\n'),
    );
    const events = [...lines.flatMap((l) => ml.push(l, T)), ...ml.flush(T, true)];
    const src = { type: 'file' as const, name: '/var/log/app.log', identity: 'abcdef0123456789abcdef01', path: '/var/log/app.log' };
    const out = events.map((l) => encodeBounded(buildEvent('web-1', src, l, T, true)).toString());
    expect(out).toMatchInlineSnapshot(`
      [
        "{"v":2,"@timestamp":"2025-01-02T03:04:05.678Z","message":"first","event":{"id":"4dc65bcc82b5eb1f6eb26a37019402ca"},"host":{"name":"web-1"},"log":{"offset":100,"file":{"path":"/var/log/app.log"}},"logship":{"source":{"type":"file","identity":"abcdef0123456789abcdef01"}}}",
        "{"v":2,"@timestamp":"2025-01-02T00:00:00.250Z","message":"{\\"level\\":40,\\"time\\":\\"2025-01-02T00:00:00.250Z\\",\\"msg\\":\\"w\\"}","event":{"id":"7d58236b5951cffe9d8a0f5bee04a4e2","created":"2025-01-02T03:04:05.678Z"},"host":{"name":"web-1"},"log":{"offset":107,"file":{"path":"/var/log/app.log"},"level":"warn"},"logship":{"source":{"type":"file","identity":"abcdef0123456789abcdef01"}},"json":{"level":40,"time":"2025-01-02T00:00:00.250Z","msg":"w"}}",
        "{"v":2,"@timestamp":"2025-01-02T03:04:05.678Z","message":"Exception: boom\\n  at a\\n  at b","event":{"id":"55d24ec2c77512fbd8e5d785457411fa"},"host":{"name":"web-1"},"log":{"offset":164,"file":{"path":"/var/log/app.log"}},"logship":{"source":{"type":"file","identity":"abcdef0123456789abcdef01"},"lines":3}}",
        "{"v":2,"@timestamp":"2025-01-02T03:04:05.678Z","message":"next","event":{"id":"475c01437413053ee12f4cfa20d5a7c4"},"host":{"name":"web-1"},"log":{"offset":194,"file":{"path":"/var/log/app.log"}},"logship":{"source":{"type":"file","identity":"abcdef0123456789abcdef01"}}}",
      ]
    `);
  });
});
