/**
 * scripts/preflight.sh against a fake `az` on PATH: every check passes on a ready subscription, and each missing
 * prerequisite (feature registration, quota, roles, a soft-deleted vault name, the state backend) fails with its fix.
 * The requirements file is the one `npm run synth` writes for the shipped prod configuration.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadEnvironments } from '../../config';
import { preflightRequirements, renderChecklist, renderRequirementsEnv } from '../../scripts/preflight-requirements';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'preflight-'));
const bin = path.join(root, 'bin');
fs.mkdirSync(bin);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const script = path.join(__dirname, '..', '..', 'scripts', 'preflight.sh');

const [prod] = loadEnvironments(['prod']);
const requirements = preflightRequirements(prod!.config);
const reqFile = path.join(root, 'requirements.env');
fs.writeFileSync(reqFile, renderRequirementsEnv({ ...requirements, stateBackend: { resourceGroupName: 'rg-tfstate', storageAccountName: 'sttfstate', containerName: 'tfstate' } }));

// A fake Azure CLI: answers from FAKE_* variables, logs every call.
fs.writeFileSync(
  path.join(bin, 'az'),
  `#!/usr/bin/env bash
echo "az $*" >> "$AZ_LOG"
args="$*"
case "$args" in
  "account show --query id -o tsv") echo 00000000-0000-0000-0000-000000000001 ;;
  "account show --query user.name -o tsv") echo deployer@example.com ;;
  "ad signed-in-user show"*) echo 11111111-1111-1111-1111-111111111111 ;;
  "provider show"*) echo "\${FAKE_PROVIDER_STATE:-Registered}" ;;
  "feature show"*) echo "\${FAKE_FEATURE_STATE:-Registered}" ;;
  "vm list-skus"*) printf 'standardDSv5Family\\t4\\t0\\n' ;;
  "vm list-usage"*cores*) printf '100\\t10\\n' ;;
  "vm list-usage"*standardDSv5Family*) printf '%s\\t0\\n' "\${FAKE_FAMILY_LIMIT:-100}" ;;
  "network list-usages"*) printf '%s\\t0\\n' "\${FAKE_IP_LIMIT:-10}" ;;
  "role assignment list"*) printf '%b\\n' "\${FAKE_ROLES:-Owner}" ;;
  "keyvault list-deleted"*) [ -n "\${FAKE_DELETED_KV:-}" ] && echo "$FAKE_DELETED_KV" ;;
  "storage account check-name"*|"acr check-name"*) echo true ;;
  "storage container show"*) [ -z "\${FAKE_STATE_MISSING:-}" ] && echo tfstate || exit 3 ;;
  *) echo "fake az: unexpected: $args" >&2; exit 99 ;;
esac
`,
  { mode: 0o755 },
);

function preflight(fake: Record<string, string> = {}) {
  const log = path.join(root, `az-${Object.keys(fake).join('-') || 'ready'}.log`);
  const r = spawnSync('bash', [script, '--env', 'prod', '--requirements', reqFile], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, AZ_LOG: log, ...fake }, encoding: 'utf8' });
  return { ...r, calls: fs.readFileSync(log, 'utf8') };
}

test('a ready subscription passes every check', () => {
  const r = preflight();
  expect(r.stderr).not.toContain('unexpected');
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('ok    feature Microsoft.Compute/EncryptionAtHost registered');
  expect(r.stdout).toContain('ok    quota standardDSv5Family: 24 vCPUs needed, 100 free'); // 6 x Standard_D4s_v5
  expect(r.stdout).toContain('ready for the first apply');
  expect(r.stdout).not.toMatch(/FAIL/);
  // Read-only: nothing registered, created or assigned.
  expect(r.calls).not.toMatch(/ register | create | recover /);
});

test.each([
  ['encryption at host not registered', { FAKE_FEATURE_STATE: 'NotRegistered' }, /FAIL  feature Microsoft\.Compute\/EncryptionAtHost is NotRegistered[\s\S]*fix: az feature register --namespace Microsoft\.Compute --name EncryptionAtHost/],
  ['a resource provider not registered', { FAKE_PROVIDER_STATE: 'NotRegistered' }, /FAIL  resource provider Microsoft\.Network is NotRegistered[\s\S]*az provider register --namespace Microsoft\.Network --wait/],
  ['too little family quota', { FAKE_FAMILY_LIMIT: '10' }, /FAIL  quota standardDSv5Family: 24 vCPUs needed for 6 x Standard_D4s_v5, only 10 free/],
  ['Contributor without a role-assignment writer', { FAKE_ROLES: 'Contributor\\nReader' }, /FAIL  the deploying identity lacks Owner[\s\S]*has: Contributor,Reader/],
  ['the vault name held by a soft-deleted vault', { FAKE_DELETED_KV: '2027-03-01T00:00:00Z' }, /FAIL  Key Vault name kv-hyb-prod-p3m9 is held by a soft-deleted vault until 2027-03-01/],
  ['too few Standard public IPs', { FAKE_IP_LIMIT: '2' }, /FAIL  Standard public IPs: 4 needed, only 2 free/],
  ['the state backend missing', { FAKE_STATE_MISSING: '1' }, /FAIL  state backend sttfstate\/tfstate \(resource group rg-tfstate\) missing/],
])('%s fails with its fix', (_name, fake, expected) => {
  const r = preflight(fake as Record<string, string>);
  expect(r.status).toBe(1);
  expect(r.stdout).toMatch(expected);
  expect(r.stderr).toContain('check(s) failed for prod');
});

test('Contributor plus Role Based Access Control Administrator is enough', () => {
  expect(preflight({ FAKE_ROLES: 'Contributor\\nRole Based Access Control Administrator' }).status).toBe(0);
});

test('the checklist names the feature registration command and every prerequisite', () => {
  const md = renderChecklist(requirements);
  expect(md).toContain('az feature register --namespace Microsoft.Compute --name EncryptionAtHost');
  expect(md).toMatch(/Regional vCPU quota in `westeurope` for 6 x Standard_D4s_v5/);
  expect(md).toContain('kv-hyb-prod-p3m9');
  expect(md).toContain('scripts/bootstrap-state.sh');
});

test('the checklist lists the Key Vault secrets the platform plan reads and the placeholders still in the shipped file', () => {
  const md = renderChecklist(requirements);
  // Both are read by data sources in <env>-platform: a missing one fails that plan, so a person must know beforehand.
  expect(md).toMatch(/## After `prod-keyvault`, before `prod-platform`[\s\S]*`argocd-repo-token`[\s\S]*`case-assigner-oauth2-client-secret`/);
  expect(md).toContain('`cluster.imageCredentialProvider.sha256`');
  expect(md).toContain('`platform.gitops.auth.tenantId`');
  expect(md).toContain('`platform.gitops.repoURL`'); // the shipped dev.azure.com/contoso URL: Argo CD would never sync
  const filled = structuredClone(prod!.config) as any;
  filled.platform.gitops.repoURL = 'https://dev.azure.com/fabrikam-it/platform/_git/azure-hybrid-platform';
  filled.cluster.imageCredentialProvider = { ...filled.cluster.imageCredentialProvider, sha256: 'a'.repeat(64) };
  filled.platform.gitops.auth = { ...filled.platform.gitops.auth, tenantId: '3f2504e0-4f89-11d3-9a0c-0305e82c3301', clientId: '3f2504e0-4f89-11d3-9a0c-0305e82c3302' };
  expect(renderChecklist(preflightRequirements(filled))).not.toMatch(/imageCredentialProvider|gitops\.auth|gitops\.repoURL/);
});

test('shellcheck passes', () => {
  const r = spawnSync('shellcheck', [script], { encoding: 'utf8' });
  expect(r.stdout + r.stderr).toBe('');
  expect(r.status).toBe(0);
});
