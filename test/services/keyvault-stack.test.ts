/**
 * `<env>-keyvault`: the vault, its endpoint and the deployer's role. Each stack that writes secrets waits for the
 * role to propagate in front of its secrets only (a secret written before the role is effective fails with
 * ForbiddenByRbac), so the rest of that stack (the cluster's VMs) is created meanwhile.
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

it('ends after the vault, its endpoint and the role: no wait of its own (the writer stacks wait, so the VMs do not)', () => {
  const kv = stack('dev-keyvault');
  expect(Object.keys(kv.resource).sort()).toEqual(['azurerm_key_vault', 'azurerm_private_endpoint', 'azurerm_resource_group', 'azurerm_role_assignment']);
  expect(kv.terraform.required_providers.time).toBeUndefined();
  // No data-plane resource: runs anywhere, writes no secret itself.
  expect(Object.keys(kv.resource).filter((t) => /key_vault_(secret|key|certificate)/.test(t))).toEqual([]);
});

it.each(['dev-services', 'dev-cluster'])('%s waits the stated 600 s, triggered by the Secrets Officer role of <env>-keyvault, in front of its secrets only', (id) => {
  const kv = stack('dev-keyvault');
  const [officer] = Object.entries<any>(kv.resource.azurerm_role_assignment).find(([, r]) => r.role_definition_name === 'Key Vault Secrets Officer')!;
  const s = stack(id);
  const sleeps = Object.entries<any>(s.resource.time_sleep);
  expect(sleeps).toHaveLength(1);
  const [sleepId, sleep] = sleeps[0]!;
  // The trigger is the role assignment's id read from the keyvault stack: a replaced assignment waits again.
  expect(sleep).toMatchObject({ create_duration: `${RBAC_PROPAGATION_SECONDS}s`, triggers: { role_0: expect.stringMatching(/^\$\{data\.terraform_remote_state\.cross-stack-reference-input-dev-keyvault\.outputs\.(\S+)\}$/) } });
  const output = /outputs\.(\S+)\}$/.exec(sleep.triggers.role_0)![1]!;
  expect(kv.output[output].value).toBe(`\${azurerm_role_assignment.${officer}.id}`);
  expect(sleep.depends_on).toBeUndefined();
  expect(s.terraform.required_providers.time).toEqual({ source: 'hashicorp/time', version: '~> 0.13' });
  // Every secret depends on it; nothing but secrets does directly (VMs, servers, identities are created meanwhile).
  const dependants: string[] = [];
  for (const [type, items] of Object.entries<any>(s.resource)) {
    for (const [name, r] of Object.entries<any>(items)) if ((r.depends_on ?? []).includes(`time_sleep.${sleepId}`)) dependants.push(`${type}.${name}`);
  }
  const secrets = Object.keys(s.resource.azurerm_key_vault_secret).map((n) => `azurerm_key_vault_secret.${n}`);
  expect(dependants.sort()).toEqual(secrets.sort());
});

it('a stack that writes no secret has no wait and no time provider', () => {
  for (const id of ['dev-network', 'dev-vpn', 'dev-platform']) {
    expect(stack(id).resource.time_sleep).toBeUndefined();
  }
});

describe('RbacPropagationWait', () => {
  const role = (s: TerraformStack) => new RoleAssignment(s, 'r', { scope: 's', principalId: 'p', roleDefinitionName: 'Reader' });
  it('refuses a wait shorter than the stated propagation time', () => {
    const s = new TerraformStack(Testing.app(), 'short');
    expect(() => new RbacPropagationWait(s, 'w', { roleAssignments: [role(s)], seconds: 60 })).toThrow(/seconds 60; allowed: an integer >= 600/);
  });
  it('a role assignment of another stack: triggers only, no cross-stack depends_on', () => {
    const app = Testing.app();
    const a = new TerraformStack(app, 'a');
    const b = new TerraformStack(app, 'b');
    // Passed as the resource itself: Terraform cannot depend on another state's resource, so only the trigger (a
    // remote state read once synthesized, see the dev-cluster test above) refers to it.
    const ra = role(a);
    const w = new RbacPropagationWait(b, 'w', { roleAssignments: [ra] });
    const local = new RbacPropagationWait(a, 'w', { roleAssignments: [ra] });
    expect(w.wait.dependsOn ?? []).toEqual([]);
    expect(local.wait.dependsOn).toHaveLength(1);
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
