import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { stateBackendSchema } from '../../config';
import { REPO } from './support';

/**
 * scripts/bootstrap-state.sh against a fake `az` that records every call and keeps "what exists" in a directory:
 * the first run creates everything with the hardening flags, the second run creates nothing (idempotent).
 */

const SCRIPT = path.join(REPO, 'scripts/bootstrap-state.sh');
const DEPLOY_SP = '11111111-2222-3333-4444-555555555555';
const PLAN_SP = '66666666-7777-8888-9999-000000000000';

// Answers like az does for the handful of commands the script uses; `show` fails until `create` ran.
const FAKE_AZ = fs.readFileSync(path.join(__dirname, 'fixtures', 'fake-az.sh'), 'utf8');

let dir: string;
let log: string;

function run(args: string[]) {
  const r = spawnSync('bash', [SCRIPT, ...args], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, FAKE_AZ_LOG: log, FAKE_AZ_STATE: path.join(dir, 'state') },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const calls = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : []);

const BASE = ['--resource-group', 'rg-hyb-dev-tfstate', '--storage-account', 'sthybdevtfstate', '--location', 'westeurope'];
const FULL = [...BASE, '--principal-id', DEPLOY_SP, '--reader-principal-id', PLAN_SP, '--allowed-ip', '198.51.100.7/32'];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bootstrap-state-'));
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.mkdirSync(path.join(dir, 'state'));
  fs.writeFileSync(path.join(dir, 'bin', 'az'), FAKE_AZ, { mode: 0o755 });
  log = path.join(dir, 'az.log');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('first run creates group, hardened account, versioning + soft delete, private container, lock and role assignments', () => {
  const r = run(FULL);
  expect(r.stderr).not.toMatch(/unexpected call/);
  expect(r.status).toBe(0);
  const c = calls();
  expect(c).toContainEqual(expect.stringMatching(/^group create --name rg-hyb-dev-tfstate --location westeurope/));
  const create = c.find((l) => l.startsWith('storage account create'))!;
  for (const flag of ['--allow-shared-key-access false', '--min-tls-version TLS1_2', '--https-only true', '--allow-blob-public-access false', '--kind StorageV2', '--default-action Deny', '--sku Standard_ZRS']) {
    expect(create).toContain(flag);
  }
  const blob = c.find((l) => l.startsWith('storage account blob-service-properties update'))!;
  for (const flag of ['--enable-versioning true', '--enable-delete-retention true', '--delete-retention-days 30', '--enable-container-delete-retention true']) expect(blob).toContain(flag);
  expect(c).toContainEqual(expect.stringMatching(/^storage account network-rule add .*--ip-address 198\.51\.100\.7( |$)/));
  expect(c).toContainEqual(expect.stringMatching(/^storage container-rm create .*--name tfstate --public-access off/));
  expect(c).toContainEqual(expect.stringMatching(/^lock create .*--lock-type CanNotDelete/));
  const scope = '/subscriptions/00000000-0000-0000-0000-00000000abcd/resourceGroups/rg-hyb-dev-tfstate/providers/Microsoft.Storage/storageAccounts/sthybdevtfstate/blobServices/default/containers/tfstate';
  expect(c).toContainEqual(`role assignment create --assignee-object-id ${DEPLOY_SP} --assignee-principal-type ServicePrincipal --role Storage Blob Data Contributor --scope ${scope} --output none`);
  expect(c).toContainEqual(`role assignment create --assignee-object-id ${PLAN_SP} --assignee-principal-type ServicePrincipal --role Storage Blob Data Reader --scope ${scope} --output none`);
});

test('prints a stateBackend block that the environment schema accepts', () => {
  const r = run(FULL);
  expect(r.status).toBe(0);
  const doc = parse(r.stdout) as { stateBackend: unknown };
  expect(stateBackendSchema.parse(doc.stateBackend)).toEqual({ resourceGroupName: 'rg-hyb-dev-tfstate', storageAccountName: 'sthybdevtfstate', containerName: 'tfstate' });
});

test('is idempotent: a second run creates nothing, re-applies the hardening and prints the same block', () => {
  const first = run(FULL);
  expect(first.status).toBe(0);
  fs.rmSync(log);
  const second = run(FULL);
  expect(second.status).toBe(0);
  const c = calls();
  expect(c.filter((l) => / create /.test(` ${l} `) && !l.startsWith('lock create'))).toEqual([]);
  expect(c.filter((l) => l.startsWith('storage account network-rule add'))).toEqual([]);
  expect(c.find((l) => l.startsWith('storage account update'))).toContain('--allow-shared-key-access false');
  expect(second.stdout).toBe(first.stdout);
});

test('without network rules the account stays reachable (Azure AD only) and says so', () => {
  const r = run(BASE);
  expect(r.status).toBe(0);
  expect(calls().find((l) => l.startsWith('storage account create'))).toContain('--default-action Allow');
  expect(r.stderr).toMatch(/reachable from any network/);
  expect(r.stderr).toMatch(/cannot write state until it holds Storage Blob Data Contributor/);
});

test('bad input stops before any az call and names every problem', () => {
  const r = run(['--resource-group', 'rg', '--storage-account', 'St_Bad', '--location', 'West Europe', '--principal-id', 'not-a-guid', '--allowed-ip', '10.0.0.0/8x']);
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/--storage-account "St_Bad"/);
  expect(r.stderr).toMatch(/--location "West Europe"/);
  expect(r.stderr).toMatch(/principal "not-a-guid"/);
  expect(r.stderr).toMatch(/--allowed-ip "10.0.0.0\/8x"/);
  expect(calls()).toEqual([]);
});

test('a storage account name taken elsewhere fails loudly', () => {
  fs.writeFileSync(path.join(dir, 'state', 'taken'), '');
  const r = run(BASE);
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/sthybdevtfstate is taken/);
  expect(calls().some((l) => l.startsWith('storage account create'))).toBe(false);
});
