// The dashboard in a real browser: start the app, open it in Debian Chromium through playwright-core, and
// check what a person would check: the case table lists cases, a row expands to its decision log, and the
// chart has drawn bars for real data. The screenshot is kept in test-artifacts/ for review.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startStubApi } from './support/stub-api';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const APP_DIR = join(__dirname, '..');
const ARTIFACTS = join(APP_DIR, '..', 'test-artifacts');
const WAIT_MS = 20_000;
// The chart's bar colours (EngineerLoadChart.vue: under 80 %, 80-100 %, over capacity).
const BAR_COLORS: [number, number, number][] = [
  [0x2f, 0x6f, 0xb0],
  [0xc9, 0x8a, 0x00],
  [0xc2, 0x3a, 0x2b],
];

let server: Server | undefined;
let browser: BrowserContext | undefined;
let page: Page;
let baseUrl: string;
let userDataDir: string | undefined;

beforeAll(async () => {
  // Fail, never skip: a missing browser must turn CI red, not silently drop the test.
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`);
  execFileSync(process.execPath, [join(APP_DIR, 'scripts', 'ensure-web-build.js')], { stdio: 'inherit', timeout: 120_000 });

  server = await startStubApi(join(APP_DIR, 'web', 'dist'));
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;

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
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

test('dashboard shows cases, the per-engineer chart and a decision log', async () => {
  const consoleErrors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(e.message));

  await page.goto(baseUrl);
  expect(await page.evaluate(() => document.visibilityState)).toBe('visible');

  // The case table lists cases with an id, a status and (for assigned ones) an engineer.
  const rows = page.getByTestId('case-row');
  await rows.first().waitFor();
  expect(await rows.count()).toBeGreaterThan(0);
  expect(await page.getByRole('table', { name: /^Cases/ }).getByRole('columnheader', { name: /Engineer/ }).count()).toBe(1);
  const firstAssigned = rows.filter({ hasText: 'assigned' }).filter({ hasNotText: 'unassigned' }).first();
  await firstAssigned.waitFor();

  // Expanding a row shows "why this case went to whom": candidates, exclusions, the chosen engineer.
  await firstAssigned.getByRole('button', { name: /^Why case/ }).click();
  const decision = page.getByRole('region', { name: /^Decision log for case/ }).first();
  await decision.getByRole('table').first().waitFor();
  await expect(decision.getByText('chosen', { exact: true }).count()).resolves.toBeGreaterThan(0);
  await expect(decision.getByText(/Policy version/).count()).resolves.toBe(1);

  // The chart drew bars: Chart.js paints on the canvas, so count painted (non-transparent) pixels and
  // compare with the engineers behind it, read from the same page's data table.
  const chart = page.getByTestId('engineer-chart');
  await chart.waitFor();
  const engineerRows = await page.getByTestId('engineer-table').locator('tbody tr').count();
  expect(engineerRows).toBeGreaterThan(0);
  await page.waitForFunction(
    (colors) => {
      const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="engineer-chart"]');
      const ctx = canvas?.getContext('2d');
      // Sized to its box (it grows with the number of engineers) and painted.
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
  const label = await chart.getAttribute('aria-label');
  expect(label).toMatch(new RegExp(`${engineerRows} engineers, [1-9]\\d* open cases`));

  // The wallboard numbers and the last cycle are filled in.
  await expect(page.getByTestId('queue-depth').textContent()).resolves.toMatch(/^\s*\d+\s*$/);
  await expect(page.getByTestId('last-cycle').textContent()).resolves.toMatch(/ok|failed|running/);

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
  expect(consoleErrors).toEqual([]);
});
