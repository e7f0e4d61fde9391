/**
 * The pack over the real app: every stack of every shipped environment, synthesized exactly as `npm run synth`
 * does (buildApp from stacks/app.ts), must have zero unsuppressed error findings. New stacks are picked up
 * automatically because the test reads whatever the app wrote under stacks/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Testing } from 'cdktf';
import { loadEnvironments } from '../../config';
import { buildApp } from '../../stacks/app';
import { formatFindingsTable, runPolicy, type PolicyReport } from '../../policy';

let outdir: string;
let report: PolicyReport;
let environments: string[];

beforeAll(() => {
  const loaded = loadEnvironments();
  environments = loaded.map((e) => e.config.name);
  const app = Testing.app();
  buildApp(app, loaded);
  app.synth();
  outdir = app.outdir;
  report = runPolicy(outdir);
});

afterAll(() => outdir && fs.rmSync(outdir, { recursive: true, force: true }));

test('every synthesized stack of every environment is checked', () => {
  const written = fs.readdirSync(path.join(outdir, 'stacks')).sort();
  expect(report.stacks).toEqual(written);
  expect(environments).toEqual(expect.arrayContaining(['dev', 'prod']));
  for (const env of environments) expect(written).toContain(`${env}-network`);
  expect(report.resourcesChecked).toBeGreaterThan(0);
});

test('zero unsuppressed error findings (unknowns included)', () => {
  const blocking = report.findings.filter((f) => f.severity === 'error' && !f.suppressed);
  // On failure, print the table: it names rule, stack, address and what to fix.
  if (blocking.length > 0) throw new Error(`policy errors in the real stacks:\n${formatFindingsTable(report)}`);
  expect(report.summary.errors).toBe(0);
});

test('every suppression in the real stacks carries a reason', () => {
  for (const f of report.findings.filter((x) => x.suppressed)) expect((f.reason ?? '').length).toBeGreaterThanOrEqual(10);
});
