import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { REPO } from './support';

/**
 * scripts/plan-summary.mjs (ESM, dependency-free) run as the pipeline runs it, on fixture plans in the
 * `terraform show -json` format: test/pipelines/fixtures/dev-vpn.tfplan.json has every action kind, drift, a data
 * source read and sensitive values that must never reach the comment.
 */

const run = promisify(execFile);
const SCRIPT = path.join(REPO, 'scripts/plan-summary.mjs');
const FIXTURES = path.join(__dirname, 'fixtures');
const VPN = path.join(FIXTURES, 'dev-vpn.tfplan.json');
const NETWORK = path.join(FIXTURES, 'dev-network.tfplan.json');
const SECRET = 's3cr3t-shared-key-that-must-never-print';

const summary = async (...args: string[]) => (await run('node', [SCRIPT, ...args], { cwd: REPO })).stdout;
const failure = async (...args: string[]) => {
  try {
    await run('node', [SCRIPT, ...args], { cwd: REPO });
  } catch (error) {
    return error as { code: number; stderr: string };
  }
  throw new Error('expected plan-summary to fail');
};

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-summary-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the fixture really contains the secret the summary must hide', () => {
  expect(fs.readFileSync(VPN, 'utf8')).toContain(SECRET);
});

test('counts create / update / replace / delete per stack; replace covers both orders; data reads and no-ops are not changes', async () => {
  const md = await summary('--title', 'Plan: dev', '--marker', 'cdktf-plan:dev', '--plan', `dev-vpn=${VPN}`, '--plan', `dev-network=${NETWORK}`);
  expect(md.startsWith('<!-- cdktf-plan:dev -->\n')).toBe(true);
  expect(md).toContain('### Plan: dev');
  expect(md).toContain('| `dev-vpn` | 1 | 1 | 2 | 1 | 1 | 1 |');
  expect(md).toContain('| `dev-network` (no changes) | 0 | 0 | 0 | 0 | 0 | 0 |');
  expect(md).not.toContain('terraform_remote_state');
  expect(md).not.toContain('random_password');
});

test('destructive changes come first, before the table, with their stack', async () => {
  const md = await summary('--plan', `dev-vpn=${VPN}`);
  const warning = md.indexOf('**Warning:** 3 resource(s) will be destroyed or replaced');
  expect(warning).toBeGreaterThan(0);
  expect(warning).toBeLessThan(md.indexOf('| Stack |'));
  expect(md).toContain('> - **replace** `azurerm_local_network_gateway.onprem_hq_0A1B2C3D` (dev-vpn)');
  expect(md).toContain('> - **delete** `azurerm_monitor_diagnostic_setting.old_vpn_diag_55667788` (dev-vpn)');
  expect(md).toContain('> - **replace** `azurerm_network_security_rule.gateway_ike_99AABBCC` (dev-vpn)');
  expect(md).toContain('<!-- plan-needs-attention -->');
});

test('a plan without destructive changes needs no attention', async () => {
  const md = await summary('--plan', `dev-network=${NETWORK}`);
  expect(md).not.toContain('plan-needs-attention');
  expect(md).not.toContain('Warning');
});

test('never prints attribute values, sensitive or not', async () => {
  const md = await summary('--plan', `dev-vpn=${VPN}`);
  expect(md).not.toContain(SECRET);
  expect(md).not.toContain('203.0.113.20');
});

test('--reduce keeps addresses and actions only, and summarises the same as the full plan', async () => {
  const reduced = await summary('--reduce', VPN);
  expect(reduced).not.toContain(SECRET);
  expect(reduced).not.toContain('203.0.113');
  const file = path.join(dir, 'dev-vpn.json');
  fs.writeFileSync(file, reduced);
  expect(await summary('--plan', `dev-vpn=${file}`)).toBe(await summary('--plan', `dev-vpn=${VPN}`));
});

test('a stack expected but without a plan (failed job) shows as "no plan", never as no changes', async () => {
  const md = await summary('--plan', `dev-network=${NETWORK}`, '--expect', 'dev-cluster');
  expect(md).toContain('**No plan** for `dev-cluster`');
  expect(md).toContain('| `dev-cluster` | - | - | - | - | - | no plan: the plan job failed or was skipped |');
  expect(md).toContain('<!-- plan-needs-attention -->');
});

test('the expected stacks come from the cdktf manifest for the environment', async () => {
  const manifest = path.join(dir, 'manifest.json');
  fs.writeFileSync(manifest, JSON.stringify({ version: '0.21.0', stacks: { 'dev-network': {}, 'dev-vpn': {}, 'prod-network': {} } }));
  const md = await summary('--plan', `dev-network=${NETWORK}`, '--manifest', manifest, '--environment', 'dev');
  expect(md).toContain('no plan: the plan job failed or was skipped');
  expect(md).toContain('`dev-vpn`');
  expect(md).not.toContain('prod-network');
});

test('long summaries are truncated below the pull-request comment limit, with a note', async () => {
  const big = JSON.parse(fs.readFileSync(NETWORK, 'utf8'));
  big.resource_changes = Array.from({ length: 3000 }, (_, i) => ({
    address: `azurerm_private_dns_a_record.record_with_a_long_generated_name_${i}`, mode: 'managed', type: 'azurerm_private_dns_a_record', change: { actions: ['create'] },
  }));
  const file = path.join(dir, 'big.json');
  fs.writeFileSync(file, JSON.stringify(big));
  const md = await summary('--plan', `dev-big=${file}`);
  expect(md.length).toBeLessThanOrEqual(60000);
  expect(md).toMatch(/_Truncated at 60000 characters; the run has the full plans._\n$/);
});

test('rejects input that is not a terraform show -json plan, and unknown actions', async () => {
  const notPlan = path.join(dir, 'not-plan.json');
  fs.writeFileSync(notPlan, JSON.stringify({ resources: [] }));
  const e1 = await failure('--plan', `dev-x=${notPlan}`);
  expect(e1.code).toBe(1);
  expect(e1.stderr).toMatch(/dev-x: not a terraform show -json plan/);

  const weird = path.join(dir, 'weird.json');
  fs.writeFileSync(weird, JSON.stringify({ format_version: '1.2', resource_changes: [{ address: 'a.b', mode: 'managed', type: 'a', change: { actions: ['teleport'] } }] }));
  expect((await failure('--plan', `dev-y=${weird}`)).stderr).toMatch(/unknown plan action list \["teleport"\]/);
  expect((await failure('--plan', 'no-equals-sign')).stderr).toMatch(/--plan takes <stack-id>=<plan.json>/);
  expect((await failure('--bogus', 'x')).stderr).toMatch(/unknown option --bogus/);
});
