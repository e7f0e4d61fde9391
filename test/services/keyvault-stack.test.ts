/**
 * `<env>-keyvault`: the vault, its endpoint and the deployer's role, with an explicit wait for the role to propagate
 * before any stack writes a secret (a secret written in the apply that creates the role fails with ForbiddenByRbac).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, TerraformStack, Testing } from 'cdktf';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { loadEnvironments } from '../../config';
import { RBAC_PROPAGATION_SECONDS, RbacPropagationWait } from '../../constructs/services/rbac-propagation';
import { buildApp } from '../../stacks/app';

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyvault-stack-'));
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));
let manifest: { stacks: Record<string, { dependencies?: string[] }> };
const stack = (id: string) => JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', id, 'cdk.tf.json'), 'utf8'));

beforeAll(() => {
  const app = new App({ outdir, skipValidation: true });
  buildApp(app, loadEnvironments(['dev']));
  app.synth();
  manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
});

it('waits the stated 600 s for the Secrets Officer role, triggered by that role assignment', () => {
  const kv = stack('dev-keyvault');
  const role = Object.entries<any>(kv.resource.azurerm_role_assignment).find(([, r]) => r.role_definition_name === 'Key Vault Secrets Officer')!;
  const sleeps = Object.values<any>(kv.resource.time_sleep);
  expect(sleeps).toHaveLength(1);
  expect(sleeps[0]).toMatchObject({ create_duration: `${RBAC_PROPAGATION_SECONDS}s`, depends_on: [`azurerm_role_assignment.${role[0]}`], triggers: { role_0: `\${azurerm_role_assignment.${role[0]}.id}` } });
  expect(kv.terraform.required_providers.time).toEqual({ source: 'hashicorp/time', version: '~> 0.13' });
});

it('holds no data-plane resource (runs anywhere, writes no secret itself)', () => {
  const kv = stack('dev-keyvault');
  expect(Object.keys(kv.resource).filter((t) => /key_vault_(secret|key|certificate)/.test(t))).toEqual([]);
  expect(Object.keys(kv.resource).sort()).toEqual(['azurerm_key_vault', 'azurerm_private_endpoint', 'azurerm_resource_group', 'azurerm_role_assignment', 'time_sleep']);
});

it('is what the cluster reads: <env>-cluster no longer depends on <env>-services (PostgreSQL)', () => {
  expect(manifest.stacks['dev-keyvault']!.dependencies).toEqual(['dev-network']);
  expect([...manifest.stacks['dev-cluster']!.dependencies!].sort()).toEqual(['dev-keyvault', 'dev-network']);
  expect([...manifest.stacks['dev-services']!.dependencies!].sort()).toEqual(['dev-keyvault', 'dev-network']);
  for (const id of ['dev-cluster', 'dev-services']) {
    const secrets = Object.values<any>(stack(id).resource.azurerm_key_vault_secret);
    expect(secrets.length).toBeGreaterThan(0);
    for (const s of secrets) expect(s.key_vault_id).toMatch(/cross-stack-reference-input-dev-keyvault/);
  }
});

describe('RbacPropagationWait', () => {
  const role = (s: TerraformStack) => new RoleAssignment(s, 'r', { scope: 's', principalId: 'p', roleDefinitionName: 'Reader' });
  it('refuses a wait shorter than the stated propagation time', () => {
    const s = new TerraformStack(Testing.app(), 'short');
    expect(() => new RbacPropagationWait(s, 'w', { roleAssignments: [role(s)], seconds: 60 })).toThrow(/seconds 60; allowed: an integer >= 600/);
  });
  it('refuses to wait for nothing', () => {
    const s = new TerraformStack(Testing.app(), 'none');
    expect(() => new RbacPropagationWait(s, 'w', { roleAssignments: [] })).toThrow(/no role assignments/);
  });
});

it('every azurerm stack refuses to delete a non-empty resource group unless a reviewed teardown says otherwise', () => {
  const azurermStacks = Object.keys(manifest.stacks).filter((id) => stack(id).provider?.azurerm);
  expect(azurermStacks.length).toBeGreaterThanOrEqual(5);
  for (const id of azurermStacks) {
    const s = stack(id);
    expect(s.variable.prevent_deletion_if_contains_resources).toMatchObject({ type: 'bool', default: true });
    expect(s.provider.azurerm[0].features[0].resource_group).toEqual([{ prevent_deletion_if_contains_resources: '${var.prevent_deletion_if_contains_resources}' }]);
  }
});
