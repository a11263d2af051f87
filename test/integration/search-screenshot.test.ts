// A real screenshot of the terminal search for the README: a checkout service's log shipped by a real agent and
// sink into Elasticsearch, the real `logship search` CLI with --color always (plain lines, --around 1,
// --count-by level, --histogram), its ANSI output as HTML (test/support/ansi-html.ts) in a terminal-looking page,
// rendered by headless Chromium (Debian's package, driven by playwright-core). Every wait is on a condition,
// never a timed assertion. PNGs go to test-results/search/ (gitignored); docs/img/search.png is one of them.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esCount, logship, makeEnv, ROOT, run, waitFor, type Proc, type TestEnv } from '../support/helpers.js';
import { terminalPage, type Session } from '../support/terminal-page.js';

const CHROMIUM = process.env.LOGSHIP_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'test-results', 'search');
const N = 120;
const WAIT = 90_000;
const E = '\u001b';

type Level = 'debug' | 'info' | 'warn' | 'error';

/** Line i of a checkout service (pino-like JSON), one every 25 s; the gateway times out more often mid-way. */
function entry(i: number): { level: Level; msg: string } {
  const order = 8800 + i;
  if (i % 9 === 4 || (i >= 70 && i <= 90 && i % 3 === 0))
    return { level: 'error', msg: `payment gateway timeout after 5000 ms order=${order}` };
  if (i % 9 === 5) return { level: 'warn', msg: `retrying order ${order - 1} (1/3)` };
  if (i % 11 === 0) return { level: 'debug', msg: `cache hit ratio 0.${90 + (i % 9)}` };
  if (i % 2 === 0) return { level: 'info', msg: `charging card order=${order}` };
  return { level: 'info', msg: `GET /api/cart 200 in ${10 + (i % 17)} ms` };
}

const line = (i: number, t0: number) => JSON.stringify({ ...entry(i), time: t0 + i * 25_000, service: { name: 'checkout' } });

describe('a screenshot of logship search in a terminal', () => {
  let env: TestEnv;
  let sink: Proc;
  let agent: Proc;
  let browser: Browser;
  const sessions: Array<Session & { name: string }> = [];

  /** Runs `logship search ARGS` as a user would type it, with colour forced, and keeps it for the screenshot. */
  async function search(name: string, args: string[]): Promise<string> {
    const r = await run(['search', '-c', env.config, '--color', 'always', ...args], { env: { TZ: 'UTC' }, timeoutMs: WAIT });
    expect(r.code, r.stderr).toBe(0);
    const shown = args.map((a) => (/[\s|]/.test(a) ? `'${a}'` : a)).join(' ');
    sessions.push({ name, command: `logship search ${shown}`, output: r.stdout });
    return r.stdout;
  }

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (.ci/run does), or set LOGSHIP_CHROMIUM`);
    fs.mkdirSync(SHOTS, { recursive: true });
    env = makeEnv('search-shot', { host_name: 'web-1' });
    const t0 = Date.now() - 50 * 60_000;
    fs.writeFileSync(path.join(env.logs, 'checkout.log'), Array.from({ length: N }, (_, i) => line(i, t0) + '\n').join(''));
    sink = logship(['sink', '-c', env.config]);
    agent = logship(['agent', '-c', env.config]);
    await waitFor('every line indexed', async () => (await esCount(env.prefix)) === N, WAIT);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  }, 4 * WAIT);

  afterAll(async () => {
    await browser?.close();
    expect(await agent?.stop()).toBe(0);
    expect(await sink?.stop()).toBe(0);
  });

  it('plain lines: the time dim, the level coloured, the host, the file name and the JSON line own message', async () => {
    const out = await search('lines', ['--since', '1h', '--limit', '8']);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(8);
    const last = entry(N - 1);
    expect(lines[7]).toMatch(new RegExp(`^${E}\\[2m\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}${E}\\[0m `));
    expect(lines[7]).toContain(` web-1 checkout.log ${last.msg}`);
    expect(out).toContain(`${E}[31mERROR${E}[0m`);
    expect(out).toContain(`${E}[32mINFO ${E}[0m`);
  });

  it('--around 1: each hit marked, with the line before and after it from the same file', async () => {
    const out = await search('around', ['timeout', '--since', '1h', '--around', '1', '--limit', '2']);
    const groups = out.trimEnd().split('\n--\n');
    expect(groups.length).toBeGreaterThanOrEqual(1);
    for (const g of groups) {
      const ls = g.split('\n');
      expect(ls.filter((l) => l.startsWith('> ')).every((l) => l.includes('payment gateway timeout'))).toBe(true);
      expect(ls.filter((l) => l.startsWith('  ')).length).toBeGreaterThanOrEqual(1);
    }
    expect(out.split('\n').filter((l) => l.startsWith('> '))).toHaveLength(2);
  });

  it('--count-by level and --histogram add up to what was written', async () => {
    const counts = await search('count-by', ['--since', '1h', '--count-by', 'level']);
    const errors = Array.from({ length: N }, (_, i) => entry(i)).filter((e) => e.level === 'error').length;
    expect(counts).toMatch(new RegExp(`^\\s*${errors}\\s+[\\d.]+\\s+error\\b`, 'm'));
    expect(counts).toMatch(new RegExp(`^\\s*${N}\\s+total`, 'm'));
    const hist = await search('histogram', ['timeout', '--since', '1h', '--histogram', '--interval', '5m']);
    expect(hist).toContain(`${errors} matches, 5m per bar`);
  });

  it('renders the sessions in headless Chromium as a terminal and saves the PNGs', async () => {
    expect(sessions.map((s) => s.name)).toEqual(['lines', 'around', 'count-by', 'histogram']);
    const page = await browser.newPage({ viewport: { width: 1000, height: 600 }, deviceScaleFactor: 1 });
    page.setDefaultTimeout(WAIT);
    const shoot = async (file: string, shown: Session[]) => {
      await page.setContent(terminalPage(shown), { waitUntil: 'load' });
      const terminal = page.locator('[data-testid=terminal]');
      await expect.poll(() => terminal.locator('.cmd').allTextContents(), { timeout: WAIT }).toEqual(shown.map((s) => s.command));
      expect(await terminal.textContent()).not.toContain(E);
      await terminal.screenshot({ path: path.join(SHOTS, file) });
      expect(fs.statSync(path.join(SHOTS, file)).size).toBeGreaterThan(1000);
    };
    await shoot('search.png', sessions);
    // The level colours reached the page as styles (ERROR red, INFO green), not as escape codes.
    expect(await page.locator('[data-testid=terminal] .fg1').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=terminal] .fg2').count()).toBeGreaterThan(0);
    for (const s of sessions) await shoot(`${s.name}.png`, [s]);
    await page.close();
  });
});
