// The dashboard in a real browser: start the embedded app (serve + worker on PGlite with the simulated
// queue, as `npm run app` does), open it in Debian Chromium through playwright-core, and check what a
// person would: the case table lists cases and filters, a row expands to its decision log, and the chart
// has painted bars for the engineers the API reports. The screenshot is kept in test-artifacts/.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const APP_DIR = join(__dirname, '..');
const ARTIFACTS = join(APP_DIR, '..', 'test-artifacts');
const SETTINGS = join(__dirname, 'support', 'browser-settings.yaml');
const START_TIMEOUT_MS = 150_000; // TypeScript compiled on the fly, PGlite start and a first cycle, on a busy 2-core CI box
const WAIT_MS = 20_000;
// The chart's bar colours (EngineerLoadChart.vue: under 80 %, 80-100 %, over capacity).
const BAR_COLORS: [number, number, number][] = [
  [0x2f, 0x6f, 0xb0],
  [0xc9, 0x8a, 0x00],
  [0xc2, 0x3a, 0x2b],
];

let server: ChildProcess | undefined;
let serverOutput = '';
let browser: BrowserContext | undefined;
let page: Page;
let baseUrl: string;
let userDataDir: string | undefined;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function waitForHealthy(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server?.exitCode !== null) throw new Error(`the app exited (${server?.exitCode}) before it was ready:\n${serverOutput}`);
    try {
      // Ready means: HTTP up and at least one cycle recorded, so there is something to show.
      const stats = (await (await fetch(`${url}stats`, { signal: AbortSignal.timeout(2_000) })).json()) as { lastCycle: unknown };
      if (stats.lastCycle) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the app was not ready within ${timeoutMs} ms:\n${serverOutput.slice(-4_000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function stopServer(): Promise<void> {
  const child = server;
  if (!child || child.exitCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    // The whole process group: npm/node children included.
    process.kill(-child.pid!, 'SIGTERM');
  });
}

beforeAll(async () => {
  // Fail, never skip: a missing browser must turn CI red, not silently drop the test.
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`);
  execFileSync(process.execPath, [join(APP_DIR, 'scripts', 'ensure-web-build.js')], { stdio: 'inherit', timeout: 120_000 });

  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}/`;
  server = spawn(
    process.execPath,
    ['-r', join(APP_DIR, 'scripts', 'swc-register.js'), join(APP_DIR, 'src', 'cli.ts'), 'serve', '--with-worker', '--port', String(port), '--ops-port', '0', '--host', '127.0.0.1', '--settings', SETTINGS],
    // Embedded PGlite: no DATABASE_URL, whatever the environment running the tests has.
    { cwd: APP_DIR, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DATABASE_URL: '' } },
  );
  server.stdout!.on('data', (d: Buffer) => (serverOutput += d.toString()));
  server.stderr!.on('data', (d: Buffer) => (serverOutput += d.toString()));
  await waitForHealthy(baseUrl, START_TIMEOUT_MS);

  userDataDir = mkdtempSync(join(tmpdir(), 'case-assigner-chromium-'));
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    // A common laptop screen.
    viewport: { width: 1366, height: 768 },
    // The chart then draws without animation, so the screenshot shows final bars, not a transition.
    reducedMotion: 'reduce',
    timeout: WAIT_MS,
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(WAIT_MS);
}, START_TIMEOUT_MS + 60_000);

afterAll(async () => {
  await browser?.close();
  await stopServer();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
}, 20_000);

test('dashboard shows cases, the per-engineer chart and a decision log', async () => {
  const consoleErrors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  const stats = (await (await fetch(`${baseUrl}stats`)).json()) as { engineers: { name: string; open: number }[] };

  await page.goto(baseUrl);
  expect(await page.evaluate(() => document.visibilityState)).toBe('visible');
  // Hold the data still while rows are inspected (the worker keeps assigning and resolving); auto-refresh
  // itself is checked further down.
  await page.getByLabel('Auto-refresh').selectOption({ label: 'off' });

  // The case table lists cases.
  const casesTable = page.getByRole('table', { name: /^Cases,/ });
  const rows = casesTable.getByTestId('case-row');
  await rows.first().waitFor();
  expect(await rows.count()).toBeGreaterThan(0);

  // Filtering by status goes to the API and every row shown has that status.
  await page.getByRole('search', { name: 'Filter cases' }).getByLabel('Status').selectOption('assigned');
  await page.waitForFunction(() => {
    const statuses = Array.from(document.querySelectorAll('[data-testid="case-row"] .badge[class*="status-"]')).map((b) => b.textContent?.trim());
    return statuses.length > 0 && statuses.every((s) => s === 'assigned');
  });

  // Sorting: the header says so (aria-sort) and the rows follow.
  const severityHeader = casesTable.getByRole('columnheader', { name: /Sev\./ });
  await severityHeader.getByRole('button').click();
  await expect(severityHeader.getAttribute('aria-sort')).resolves.toBe('ascending');
  await page.waitForFunction(() => {
    const sev = Array.from(document.querySelectorAll('[data-testid="case-row"] .sev')).map((s) => s.textContent!.trim());
    return sev.length > 0 && sev.every((s, i) => i === 0 || sev[i - 1]! <= s);
  });

  // The view is in the URL fragment, so it can be bookmarked or linked.
  expect(decodeURIComponent(new URL(page.url()).hash)).toMatch(/status=assigned.*sort=severity:asc/);

  // Expanding a row shows "why this case went to whom": candidates, exclusions, the chosen engineer.
  const first = rows.first();
  const caseId = (await first.getByRole('rowheader').textContent())!.trim();
  const engineer = (await first.locator('td').nth(7).textContent())!.trim();
  await first.getByRole('button', { name: `Why case ${caseId} went to ${engineer}` }).click();
  const decision = page.getByRole('region', { name: `Decision log for case ${caseId}` });
  await decision.getByRole('table').first().waitFor();
  await expect(decision.getByRole('row', { name: new RegExp(`^${engineer}\\s+chosen`) }).count()).resolves.toBe(1);
  await expect(decision.getByText('Policy version').count()).resolves.toBeGreaterThan(0);

  // The chart drew bars: Chart.js paints on the canvas, so count painted pixels of the bar colours once
  // the canvas is sized to its box (it grows with the number of engineers).
  const chart = page.getByTestId('engineer-chart');
  await chart.waitFor();
  await page.waitForFunction(
    (colors) => {
      const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="engineer-chart"]');
      const ctx = canvas?.getContext('2d');
      if (!canvas || !ctx || canvas.width === 0 || canvas.getBoundingClientRect().height !== canvas.parentElement!.getBoundingClientRect().height) return false;
      const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      let painted = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]! < 250) continue;
        if (colors.some(([r, g, b]) => Math.abs(data[i]! - r) < 6 && Math.abs(data[i + 1]! - g) < 6 && Math.abs(data[i + 2]! - b) < 6)) painted++;
      }
      // A few hundred pixels = at least one real bar, not an anti-aliased edge.
      return painted > 400;
    },
    BAR_COLORS,
    { timeout: WAIT_MS },
  );
  // ... for the engineers the API reports, with their open cases.
  const tableNames = await page.getByTestId('engineer-table').locator('tbody th').allTextContents();
  expect(tableNames.map((n) => n.trim()).sort()).toEqual(stats.engineers.map((e) => e.name).sort());
  await expect(chart.getAttribute('aria-label')).resolves.toMatch(new RegExp(`${stats.engineers.length} engineers, [1-9]\\d* open cases`));

  // The wallboard numbers and the last cycle are filled in.
  await expect(page.getByTestId('queue-depth').textContent()).resolves.toMatch(/^\s*\d+\s*$/);
  await expect(page.getByTestId('last-cycle').locator('.cycle-outcome').innerText()).resolves.toMatch(/^(ok|failed|running)$/);

  // Honest SLA: per-severity tiles that count cases parked with off-shift engineers, who is on shift now, and the
  // parked cases (the owls of the test settings are off shift whenever this runs and hold legacy work).
  for (const sev of ['A', 'B', 'C']) await expect(page.getByTestId(`severity-${sev}`).innerText()).resolves.toMatch(/breached \(7 days\)\s+\d+ of \d+ · [\d.]+ %\s+\d+ parked off shift, \d+ at risk/);
  const onShift = (await page.getByTestId('on-shift').locator('li').allTextContents()).map((n) => n.trim());
  expect(onShift).toEqual(['alice', 'bob', 'chen', 'dana', 'emeka']);
  await expect(page.getByTestId('off-shift').innerText()).resolves.toMatch(/owl-\d\d\s+back in/);
  const parkedRows = page.getByTestId('parked-row');
  await parkedRows.first().waitFor();
  const parkedWith = await parkedRows.locator('td:nth-of-type(2)').allTextContents();
  expect(parkedWith.every((n) => /^owl-\d\d$/.test(n.trim()))).toBe(true);
  const parkedStats = (await (await fetch(`${baseUrl}stats`)).json()) as { parked: unknown[] };
  expect(parkedStats.parked.length).toBeGreaterThan(0);

  // Team readiness shows the coverage gap behind the flagged cases: nobody is ready for `storage`.
  await page.getByText('Readiness per product, capacity, shifts').click();
  const coverage = page.getByTestId('coverage');
  const products = await page.getByRole('table', { name: /^Readiness per engineer/ }).locator('thead th').allTextContents();
  const storageCount = await coverage.locator('td').nth(products.indexOf('storage') - 1).textContent();
  expect(storageCount?.trim()).toBe('0');

  // Accessibility (WCAG 2 A/AA rules of axe-core) of the loaded page, with a decision log and the team open.
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  type AxeResult = { passes: unknown[]; violations: { id: string; impact: string; nodes: { target: string[] }[] }[] };
  const axe = await page.evaluate(async () => {
    const { axe } = window as unknown as { axe: { run(ctx: Document, opts: object): Promise<AxeResult> } };
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return {
      passes: result.passes.length,
      violations: result.violations.map((v) => `${v.impact} ${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`),
    };
  });
  expect(axe.passes).toBeGreaterThan(10); // the rules did run
  expect(axe.violations).toEqual([]);

  // Auto-refresh: at the shortest interval the page reloads its data by itself.
  const updated = page.getByTestId('last-updated');
  const before = await updated.getAttribute('datetime');
  await page.getByLabel('Auto-refresh').selectOption({ label: '5 s' });
  await page.waitForFunction((prev) => document.querySelector('[data-testid="last-updated"]')?.getAttribute('datetime') !== prev, before, { timeout: 15_000 });

  // A waiting case opens its decision log in a dialog: why nobody could take it (nobody is ready for
  // `storage` in the test settings, so such cases stay flagged).
  const waitingCase = page.getByTestId('waiting-row').filter({ hasText: 'storage' }).first().getByRole('button', { name: /^Why is case/ });
  await waitingCase.click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('region', { name: /^Decision log for case/ }).getByRole('table').first().waitFor();
  await expect(dialog.getByText('not ready for storage (readiness 0)').count()).resolves.toBeGreaterThan(0);
  const openCase = new URL(page.url()).searchParams.get('case') ?? new URLSearchParams(new URL(page.url()).hash.slice(1)).get('case');
  expect(openCase).toBeTruthy();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  expect(new URL(page.url()).hash).not.toContain('case=');

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
  expect(consoleErrors).toEqual([]);
});
