// A corrupted cached artifact is caught before anything runs from it, and fetched again. Works on a copy of this
// run's stack cache (hard links, except the files that get a flipped byte), never on the cache itself: `stack.sh
// verify-cache` must name what is wrong (exit 4) without fetching or starting anything, and `stack.sh fetch` must
// replace it with a copy that matches the pins (mvn, from the local Maven repository that the first `up` filled).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/helpers.js';

const STACK_DIR =
  process.env.LOGSHIP_STACK_DIR ?? (process.getuid?.() === 0 ? '/var/tmp/logship-stack' : path.join(os.homedir(), '.cache/logship-stack'));
const CACHE = path.join(STACK_DIR, 'cache');
const JAR = 'kafka-clients-4.1.1.jar';
const ZIP = 'elasticsearch-8.19.4.zip';
let copy: string;

function stack(args: string[]) {
  const t0 = Date.now();
  const r = spawnSync('bash', [path.join(ROOT, 'stack/stack.sh'), ...args], {
    encoding: 'utf8',
    timeout: 600_000,
    // This copy's own ports, where nothing listens: no command here may reach the running stack.
    env: { ...process.env, LOGSHIP_STACK_DIR: copy, LOGSHIP_KAFKA_PORT: '1', LOGSHIP_KAFKA_CONTROLLER_PORT: '2', LOGSHIP_ES_PORT: '3' },
  });
  return { code: r.status, err: r.stderr, ms: Date.now() - t0 };
}

/** A hard link where the file system allows it (no space, no time), else a copy. */
function place(from: string, to: string) {
  try {
    fs.linkSync(from, to);
  } catch {
    fs.copyFileSync(from, to);
  }
}

/** Replaces a placed file by a real copy with one byte changed: the original (maybe the same inode) is untouched. */
function corrupt(file: string, at: number) {
  const bytes = fs.readFileSync(file);
  bytes[at] ^= 0xff;
  fs.rmSync(file);
  fs.writeFileSync(file, bytes);
}

beforeAll(() => {
  // Beside the stack directory, so that hard links work; mkdtemp makes it 0700, as stack.sh wants.
  copy = fs.mkdtempSync(`${STACK_DIR}-verify-`);
  const libs = path.join(CACHE, 'kafka-4.1.1/libs');
  const libsCopy = path.join(copy, 'cache/kafka-4.1.1/libs');
  fs.mkdirSync(libsCopy, { recursive: true });
  for (const f of fs.readdirSync(libs)) if (f.endsWith('.jar')) place(path.join(libs, f), path.join(libsCopy, f));
  // The manifest of the last verified fetch, which the first `up` of this run wrote: it names a changed jar.
  fs.copyFileSync(path.join(CACHE, 'kafka-4.1.1/libs.sha256'), path.join(copy, 'cache/kafka-4.1.1/libs.sha256'));
  place(path.join(CACHE, ZIP), path.join(copy, 'cache', ZIP));
});
afterAll(() => {
  if (copy) fs.rmSync(copy, { recursive: true, force: true });
});

describe('stack.sh verifies its cached artifacts against the pins', () => {
  it('an intact copy of the cache verifies', () => {
    const r = stack(['verify-cache']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('kafka 4.1.1 libs match the pinned manifest');
    expect(r.err).toContain('elasticsearch 8.19.4 zip matches its pinned SHA-512');
    process.stderr.write(`[stack-verify] intact cache verified in ${r.ms} ms\n`);
  });

  it('one byte changed in a Kafka jar or in the Elasticsearch zip is caught, and named, without fetching', () => {
    corrupt(path.join(copy, 'cache/kafka-4.1.1/libs', JAR), 4096);
    corrupt(path.join(copy, 'cache', ZIP), 5_000_000);
    const r = stack(['verify-cache']);
    expect(r.code, r.err).toBe(4);
    expect(r.err).toMatch(/kafka 4\.1\.1 libs in \S+ do not match the pinned manifest/);
    expect(r.err).toMatch(new RegExp(`jars that differ from the pinned ones, are missing or were added: ${JAR.replace(/\./g, '\\.')} \n`));
    expect(r.err).toContain(`${ZIP} does not match its pinned SHA-512`);
    expect(r.err).not.toContain('fetching');
    expect(fs.existsSync(path.join(copy, 'run'))).toBe(false);
    process.stderr.write(`[stack-verify] corruption found in ${r.ms} ms\n`);
  });

  it('`fetch` replaces them with copies that match the pins', () => {
    const r = stack(['fetch']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('fetching org.apache.kafka:kafka_2.13:4.1.1');
    expect(r.err).toContain('fetching org.elasticsearch.distribution.integ-test-zip:elasticsearch:8.19.4:zip');
    const v = stack(['verify-cache']);
    expect(v.code, v.err).toBe(0);
    process.stderr.write(`[stack-verify] fetched again and verified in ${r.ms + v.ms} ms\n`);
  }, 600_000);
});
