// nginx "combined" access-log lines of an exact byte length (newline included), from a seeded generator so every
// run and every contender reads the same bytes. Files are generated once per (size, MB) and reused.
import fs from 'node:fs';
import path from 'node:path';
import { rng } from '../../test/support/rng.js';

const METHODS = ['GET', 'GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE', 'HEAD'];
const PATHS = [
  '/api/v1/items',
  '/api/v1/users',
  '/static/js/app.js',
  '/index.html',
  '/api/v2/search',
  '/login',
  '/cart/checkout',
  '/img/logo.png',
];
const STATUS = [200, 200, 200, 200, 200, 304, 301, 404, 500, 201];
const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'curl/8.5.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A generator of lines of exactly `size` bytes (ASCII, newline included). */
export function lineMaker(size: number, seed = 1) {
  const r = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  let t = Date.UTC(2026, 10, 27, 4, 0, 0);
  let pool = ''; // random query strings are cut from this, far cheaper than drawing each character
  while (pool.length < 65536 + size) pool += ALNUM[Math.floor(r() * ALNUM.length)];
  return (): string => {
    t += Math.floor(r() * 20);
    const d = new Date(t);
    const ts = `${String(d.getUTCDate()).padStart(2, '0')}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${d.toISOString().slice(11, 19)} +0000`;
    const ip = `${10 + Math.floor(r() * 200)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}`;
    const status = pick(STATUS);
    const bytes = Math.floor(r() * 50_000);
    const head = `${ip} - - [${ts}] "${pick(METHODS)} ${pick(PATHS)}?id=`;
    const tail =
      size >= 200
        ? ` HTTP/1.1" ${status} ${bytes} "https://shop.example.com/" "${pick(AGENTS)}"\n`
        : ` HTTP/1.1" ${status} ${bytes} "-" "curl/8"\n`;
    const room = Math.max(0, size - head.length - tail.length);
    const line = head + pool.substr(Math.floor(r() * (pool.length - room)), room) + tail;
    // Short sizes: the fixed parts alone may be longer than the size; cut the end, keep the newline.
    return line.length > size ? line.slice(0, size - 1) + '\n' : line;
  };
}

export interface LineFile {
  path: string;
  lineBytes: number;
  lines: number;
  bytes: number;
}

/** A file of `mb` MiB of `size`-byte lines (a whole number of lines), generated unless already there. */
export function lineFile(dir: string, size: number, mb: number): LineFile {
  const lines = Math.floor((mb * 1024 * 1024) / size);
  const bytes = lines * size;
  const file = path.join(dir, `nginx-${size}b-${lines}.log`);
  fs.mkdirSync(dir, { recursive: true });
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (!st || st.size !== bytes) {
    const make = lineMaker(size);
    const fd = fs.openSync(`${file}.tmp`, 'w');
    const per = Math.max(1, Math.floor((4 << 20) / size));
    for (let done = 0; done < lines;) {
      const n = Math.min(per, lines - done);
      let chunk = '';
      for (let i = 0; i < n; i++) chunk += make();
      fs.writeSync(fd, chunk);
      done += n;
    }
    fs.closeSync(fd);
    fs.renameSync(`${file}.tmp`, file);
  }
  return { path: file, lineBytes: size, lines, bytes };
}

/** The first `n` lines of a file (for payload files and sink documents). */
export function headLines(file: string, n: number): string[] {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(Math.min(fs.fstatSync(fd).size, n * 2048 + 1));
  const got = fs.readSync(fd, buf, 0, buf.length, 0);
  fs.closeSync(fd);
  return buf.subarray(0, got).toString('utf8').split('\n').slice(0, n);
}
