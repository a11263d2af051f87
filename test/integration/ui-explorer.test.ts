// The web explorer in a real browser: headless Chromium (Debian's package) driven by playwright-core, against a
// real agent, sink, Kafka and Elasticsearch, and `logship ui` as a process. Every wait is on a condition in the
// page (generous deadlines: the machine is shared), never a timed assertion. Screenshots go to
// test-results/ui/ (gitignored); docs/img/explorer.png is one of them.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esCount, logship, makeEnv, ROOT, waitFor, type Proc, type TestEnv } from '../support/helpers.js';

const CHROMIUM = process.env.LOGSHIP_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'test-results', 'ui');
const N = 60;
const WAIT = 90_000;

/** Line i: JSON (pino-like), its own time spread over the last hour, every 4th an error, even ones "alpha". */
function line(i: number, t0: number, tag: string): string {
  return JSON.stringify({
    level: i % 4 === 0 ? 'error' : 'info',
    time: t0 + i * 55_000,
    service: { name: i % 3 === 0 ? 'checkout' : 'cart' },
    msg: `${i % 2 === 0 ? 'alpha' : 'beta'} ${tag} order ${String(i).padStart(3, '0')}`,
  });
}

describe('logship ui in headless Chromium', () => {
  let env: TestEnv;
  let sink: Proc;
  let agent: Proc;
  let ui: Proc;
  let url: string;
  let browser: Browser;
  let page: Page;
  const tag = `t${Date.now().toString(36)}`;
  const file = () => path.join(env.logs, 'app.log');

  const rowMessages = () => page.locator('[data-testid=row] [data-testid=row-message]').allTextContents();
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  /** Waits until the rows shown satisfy `ok` (after a search or a click re-renders them). */
  const rowsWhere = (what: string, ok: (messages: string[]) => boolean) =>
    waitFor(
      what,
      async () => {
        const busy = await page.locator('#rows[aria-busy=true]').count();
        const m = await rowMessages();
        return busy === 0 && ok(m) ? m : undefined;
      },
      WAIT,
    );

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (.ci/run does), or set LOGSHIP_CHROMIUM`);
    fs.mkdirSync(SHOTS, { recursive: true });
    env = makeEnv('ui');
    const t0 = Date.now() - 58 * 60_000;
    fs.writeFileSync(file(), Array.from({ length: N }, (_, i) => line(i, t0, tag) + '\n').join(''));
    sink = logship(['sink', '-c', env.config]);
    agent = logship(['agent', '-c', env.config]);
    await waitFor('every line indexed', async () => (await esCount(env.prefix)) === N, WAIT);
    ui = logship(['ui', '-c', env.config, '--listen', '127.0.0.1:0']);
    url = await waitFor('the explorer URL', () => /logship ui: (http:\S+)/.exec(ui.stdout())?.[1], WAIT);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
    page.setDefaultTimeout(WAIT);
  });

  afterAll(async () => {
    await browser?.close();
    expect(await ui?.stop()).toBe(0);
    expect(await agent?.stop()).toBe(0);
    expect(await sink?.stop()).toBe(0);
  });

  it('a typed query shows the matching rows, newest first, and the histogram counts what Elasticsearch counts', async () => {
    await page.goto(`${url}?from=2h`);
    await rowsWhere('all the lines', (m) => m.length === N);
    await page.locator('[data-testid=query]').fill(`alpha ${tag}`);
    await page.locator('[data-testid=query]').press('Enter');
    const alpha = Array.from({ length: N }, (_, i) => i)
      .filter((i) => i % 2 === 0)
      .reverse()
      .map((i) => `alpha ${tag} order ${String(i).padStart(3, '0')}`);
    expect(await rowsWhere('the alpha rows', (m) => m.length === alpha.length && m[0].startsWith('alpha'))).toEqual(alpha);
    expect(new URL(page.url()).searchParams.get('q')).toBe(`alpha ${tag}`);
    const count = await esCount(env.prefix, {
      simple_query_string: { query: `alpha ${tag}`, fields: ['message'], default_operator: 'and' },
    });
    expect(count).toBe(N / 2);
    const total = await waitFor(
      'the histogram',
      async () => {
        const t = await page.locator('#histogram').getAttribute('data-total');
        return t !== null && Number(t) === count ? Number(t) : undefined;
      },
      WAIT,
    );
    const bars = await page
      .locator('[data-testid=histogram-chart] .bar')
      .evaluateAll((els) => els.reduce((n, e) => n + Number(e.getAttribute('data-count')), 0));
    expect(bars).toBe(total);
    expect(await page.locator('[data-testid=row-level]').first().textContent()).toMatch(/error|info/);
    await shot('query');
  });

  it('a facet click keeps only that value, shift-click leaves it out, and the link keeps the view', async () => {
    const errorFacet = page.locator('[data-testid=facet-value][data-facet=level][data-value=error]');
    await expect.poll(() => errorFacet.locator('.count').textContent(), { timeout: WAIT }).toBe(String(N / 4));
    await errorFacet.click();
    const errors = await rowsWhere('only error rows', (m) => m.length === N / 4);
    for (const m of errors) expect(Number(m.split(' ').pop()) % 4).toBe(0);
    expect(new URL(page.url()).searchParams.getAll('f')).toEqual(['level:error']);
    // The histogram and the facets follow the filter too.
    await waitFor(
      'the histogram of the filtered rows',
      async () => (await page.locator('#histogram').getAttribute('data-total')) === String(N / 4) || undefined,
      WAIT,
    );
    await expect
      .poll(() => page.locator('[data-testid=facet-value][data-facet=level][data-value=info]').count(), { timeout: WAIT })
      .toBe(0);
    await shot('explorer');

    await page.locator('[data-testid=facet-value][data-facet=level][data-value=error]').click({ modifiers: ['Shift'] });
    const rest = await rowsWhere('no error rows', (m) => m.length === N / 2 - N / 4);
    for (const m of rest) expect(Number(m.split(' ').pop()) % 4).not.toBe(0);
    expect(new URL(page.url()).searchParams.getAll('x')).toEqual(['level:error']);

    // The whole state is in the URL: a fresh page on it shows the same rows.
    const again = await browser.newPage();
    await again.goto(page.url());
    await waitFor(
      'the same rows on a copied link',
      async () => {
        const m = await again.locator('[data-testid=row-message]').allTextContents();
        return m.length === rest.length && m.every((x, i) => x === rest[i]) ? true : undefined;
      },
      WAIT,
    );
    await again.close();
  });

  it('a row expands to the whole event; its context shows the neighbouring lines of its file in order', async () => {
    await page.goto(`${url}?from=2h&q=${tag}`);
    await rowsWhere('all the lines', (m) => m.length === N);
    const target = page.locator('[data-testid=row]', { hasText: `order 030` });
    await target.locator('.line').click();
    const event = JSON.parse((await target.locator('[data-testid=row-event]').textContent())!);
    expect(event.json.msg).toBe(`alpha ${tag} order 030`);
    expect(event.host.name).toBe(env.host);
    await target.locator('[data-testid=context-button]').click();
    const lines = page.locator('[data-testid=context] [data-testid=context-line]');
    await expect.poll(() => lines.count(), { timeout: WAIT }).toBe(31);
    const msgs = await lines.locator('.message').allTextContents();
    expect(msgs).toEqual(Array.from({ length: 31 }, (_, k) => JSON.parse(line(15 + k, 0, tag)).msg));
    const offsets = await lines.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-offset'))));
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(await page.locator('[data-testid=context] .here .message').textContent()).toBe(`alpha ${tag} order 030`);
    await shot('context');
    await page.locator('[data-testid=context-close]').click();
  });

  it('live tail shows a line appended to the watched file, at the top, while the reader is at the top', async () => {
    await page.goto(`${url}?from=2h&q=${tag}&live=1`);
    await rowsWhere('all the lines', (m) => m.length === N);
    const fresh = `gamma ${tag} appended ${Date.now()}`;
    fs.appendFileSync(file(), JSON.stringify({ level: 'warn', msg: fresh }) + '\n');
    await rowsWhere('the appended line on top', (m) => m[0] === fresh);
    await shot('live');
  });
});
