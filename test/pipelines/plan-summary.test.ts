import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { REPO } from './support';
import { azurermPlan, FakeResource, terraform } from './terraform-plans';

/**
 * scripts/plan-summary.mjs run as the pipeline runs it, on real `terraform show -json` plans made at test time
 * (terraform_data resources renamed to azurerm types: test/pipelines/terraform-plans.ts). One real apply + plan
 * holds a dangerous and a harmless case for every rule of scripts/plan-review/rules.mjs, spread over four stacks.
 */

const run = promisify(execFile);
const SCRIPT = path.join(REPO, 'scripts/plan-summary.mjs');
const SECRET = 'SECRET-bootstrap-token-abcdef.0123456789abcdef';
const TIME = '2026-12-02 08:30 UTC';

interface Case extends FakeResource { readonly stack: string }
const cp = (i: number, custom: string): Case => ({ stack: 'dev-cluster', name: `control-plane_vm-${i}_6C07${i}C28`, type: 'azurerm_linux_virtual_machine', attrs: { tags: { 'k8s-role': 'control-plane' } }, replaceOn: { custom_data: custom } });
const worker = (i: number, replaceOn: Record<string, unknown>): Case => ({ stack: 'dev-cluster', name: `workers_vm-${i}_DA29${i}B49`, type: 'azurerm_linux_virtual_machine', attrs: { tags: { 'k8s-role': 'worker' } }, replaceOn });
const nsgRule = (name: string, attrs: Record<string, unknown>): Case => ({ stack: 'dev-network', name, type: 'azurerm_network_security_rule', attrs: { direction: 'Inbound', access: 'Allow', protocol: 'Tcp', ...attrs } });
const peering = (name: string, attrs: Record<string, unknown>): Case => ({ stack: 'dev-network', name, type: 'azurerm_virtual_network_peering', attrs });
const role = (name: string, attrs: Record<string, unknown>): Case => ({ stack: 'dev-services', name, type: 'azurerm_role_assignment', attrs });

const PEERING = 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings@2024-05-01';
const transit = (name: string, type: string, attrs: Record<string, unknown>): Case => ({ stack: 'dev-vpn', name, type, attrs: { type: PEERING, ...attrs } });

/** Applied first. */
const BEFORE: Case[] = [
  { stack: 'dev-vpn', name: 'site-to-site_gateway_0196671B', type: 'azurerm_virtual_network_gateway', replaceOn: { sku: 'VpnGw1AZ' } },
  { stack: 'dev-vpn', name: 'site-to-site_public-ip-1_AECEE88E', type: 'azurerm_public_ip', replaceOn: { zones: ['1', '2', '3'] } },
  { stack: 'dev-vpn', name: 'site-to-site_connection_921AB4ED', type: 'azurerm_virtual_network_gateway_connection', attrs: { dpd_timeout_seconds: 45 } },
  { stack: 'dev-vpn', name: 'site-to-site_local-network-gateway_9308A5AF', type: 'azurerm_local_network_gateway', attrs: { address_space: ['192.168.0.0/16'] } },
  // gateway transit set by azapi on the peerings <env>-network owns (constructs/network/gateway-transit.ts)
  transit('transit_spoke-use-remote-gateways_1A2B3C4D', 'azapi_update_resource', { body: { properties: { useRemoteGateways: true, allowForwardedTraffic: true } } }),
  transit('transit_spoke-revert-on-destroy_5E6F7A8B', 'azapi_resource_action', { when: 'destroy', method: 'PUT', body: { properties: { useRemoteGateways: false, allowGatewayTransit: false } } }),
  { stack: 'dev-network', name: 'dns_zones_link-blob-hub_D745C22E', type: 'azurerm_private_dns_zone_virtual_network_link', attrs: {} },
  { stack: 'dev-network', name: 'dns_resolver_inbound_84BD3E66', type: 'azurerm_private_dns_resolver_inbound_endpoint', replaceOn: { private_ip_address: '10.10.0.36' } },
  { stack: 'dev-network', name: 'dns_zones_zone-blob_065F5D22', type: 'azurerm_private_dns_zone', attrs: { tags: { owner: 'a' } } },
  nsgRule('spoke-cluster_nsg-nodes_allow-ingress-nodeports_4B186991', { source_address_prefix: '10.20.0.0/22', destination_port_range: '30000-32767' }),
  nsgRule('spoke-cluster_nsg-nodes_allow-https-open_11111111', { source_address_prefix: 'Internet', destination_port_range: '443', description: 'old' }),
  peering('peering-cluster_spoke-to-hub_7F1F1AC4', { allow_gateway_transit: false, use_remote_gateways: true }),
  peering('peering-cluster_hub-to-spoke_F9154834', { allow_gateway_transit: true, use_remote_gateways: false, allow_forwarded_traffic: false }),
  { stack: 'dev-services', name: 'key-vault_vault_0EC766AC', type: 'azurerm_key_vault', attrs: {} },
  { stack: 'dev-services', name: 'postgres_server_20CD2676', type: 'azurerm_postgresql_flexible_server', replaceOn: { version: '16' } },
  { stack: 'dev-services', name: 'site-recovery-vault_7C1B2B6D', type: 'azurerm_recovery_services_vault', attrs: {} },
  { stack: 'dev-services', name: 'cache-storage_account_3F609326', type: 'azurerm_storage_account', attrs: { tags: { a: '1' } } },
  cp(0, 'v1'), cp(1, 'v1'), cp(2, 'v1'),
  { stack: 'dev-cluster', name: 'control-plane_etcd-disk-1_F57BFB25', type: 'azurerm_managed_disk', replaceOn: { disk_size_gb: 16 } },
  worker(0, { custom_data: `#cloud-config token ${SECRET} v1` }),
  worker(1, { size: 'Standard_D2s_v5' }),
];

const before = (name: string) => BEFORE.find((c) => c.name.startsWith(name))!;

/** Planned against the applied BEFORE. */
const AFTER: Case[] = [
  { ...before('site-to-site_gateway'), replaceOn: { sku: 'VpnGw2AZ' } },
  { ...before('site-to-site_public-ip'), replaceOn: { zones: ['1'] } },
  // the connection is deleted (absent here)
  { ...before('site-to-site_local-network-gateway'), attrs: { address_space: ['192.168.0.0/16', '172.16.0.0/12'] } },
  transit('transit_spoke-use-remote-gateways_1A2B3C4D', 'azapi_update_resource', { body: { properties: { useRemoteGateways: false, allowForwardedTraffic: true } } }),
  // the spoke revert action is deleted (absent here): its destroy-time PUT runs
  transit('transit_hub-allow-gateway-transit_9C0D1E2F', 'azapi_update_resource', { body: { properties: { allowGatewayTransit: true, allowForwardedTraffic: true } } }),
  // the hub zone link is deleted (absent here)
  { ...before('dns_resolver_inbound'), replaceOn: { private_ip_address: '10.10.0.37' } },
  { ...before('dns_zones_zone-blob'), attrs: { tags: { owner: 'b' } } },
  { stack: 'dev-network', name: 'dns_zones_zone-registry_806BA4CC', type: 'azurerm_private_dns_zone', attrs: {} },
  nsgRule('spoke-cluster_nsg-nodes_allow-ingress-nodeports_4B186991', { source_address_prefix: 'Internet', destination_port_range: '30000-32767' }),
  nsgRule('spoke-cluster_nsg-nodes_allow-https-open_11111111', { source_address_prefix: 'Internet', destination_port_range: '443', description: 'new' }),
  nsgRule('spoke-cluster_nsg-nodes_allow-ssh-anywhere_22222222', { source_address_prefix: '*', destination_port_range: '22' }),
  nsgRule('spoke-cluster_nsg-nodes_allow-ssh-from-agents_C20DC7D3', { source_address_prefix: '10.10.2.0/26', destination_port_range: '22' }),
  nsgRule('spoke-cluster_nsg-nodes_deny-all-inbound_46E8B0A5', { access: 'Deny', source_address_prefix: '*', destination_port_range: '*' }),
  peering('peering-cluster_spoke-to-hub_7F1F1AC4', { allow_gateway_transit: false, use_remote_gateways: false }),
  peering('peering-cluster_hub-to-spoke_F9154834', { allow_gateway_transit: true, use_remote_gateways: false, allow_forwarded_traffic: true }),
  // the key vault and the recovery services vault are deleted (absent here)
  { ...before('postgres_server'), replaceOn: { version: '17' } },
  { ...before('cache-storage_account'), attrs: { tags: { a: '2' } } },
  role('rbac_owner_AAAA0001', { role_definition_name: 'Owner' }),
  role('rbac_uaa_AAAA0002', { role_definition_id: '/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/18d7d88d-d35e-4fb5-a5c3-7773c20a72d9' }),
  role('rbac_rbac-admin_AAAA0003', { role_definition_name: 'Role Based Access Control Administrator' }),
  role('rbac_secrets-user_AAAA0004', { role_definition_name: 'Key Vault Secrets User' }),
  cp(0, 'v1'), cp(1, 'v2'), cp(2, 'v2'),
  { ...before('control-plane_etcd-disk-1'), replaceOn: { disk_size_gb: 32 } },
  worker(0, { custom_data: `#cloud-config token ${SECRET} v2` }),
  worker(1, { size: 'Standard_D4s_v5' }),
];

const STACKS = ['dev-cluster', 'dev-network', 'dev-services', 'dev-vpn'];
let dir: string;
const files: Record<string, string> = {};
let fullPlan: any;

const summary = async (...args: string[]) => (await run('node', [SCRIPT, ...args], { cwd: REPO, maxBuffer: 64 * 1024 * 1024 })).stdout;
const planArgs = (which = files) => STACKS.flatMap((s) => ['--plan', `${s}=${which[s]}`]);
const failure = async (...args: string[]) => {
  try {
    await run('node', [SCRIPT, ...args], { cwd: REPO });
  } catch (error) {
    return error as { code: number; stderr: string };
  }
  throw new Error('expected plan-summary to fail');
};

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-summary-'));
  fullPlan = azurermPlan(path.join(dir, 'tf'), BEFORE, AFTER);
  const stackOf = new Map([...BEFORE, ...AFTER].map((c) => [`${c.type}.${c.name}`, c.stack]));
  for (const stack of STACKS) {
    const plan = { ...fullPlan, resource_changes: fullPlan.resource_changes.filter((rc: any) => stackOf.get(rc.address) === stack), resource_drift: [] };
    files[stack] = path.join(dir, `${stack}.json`);
    fs.writeFileSync(files[stack]!, JSON.stringify(plan));
  }
}, 60000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the plans are real terraform output', () => {
  test('terraform 1.11+ made them: replacements carry action_reason and replace_paths, create_before_destroy order too', () => {
    expect(fullPlan.terraform_version).toMatch(/^1\.(1[1-9]|[2-9]\d)\./);
    const gw = fullPlan.resource_changes.find((rc: any) => rc.address === 'azurerm_virtual_network_gateway.site-to-site_gateway_0196671B');
    expect(gw.change.actions).toEqual(['delete', 'create']);
    expect(gw.action_reason).toBe('replace_because_cannot_update');
    expect(gw.change.replace_paths).toEqual([['sku']]);
  });
});

describe('the rule table: every dangerous change with its consequence', () => {
  let md: string;
  beforeAll(async () => {
    md = await summary('--title', 'Plan: dev', '--marker', 'cdktf-plan:dev', '--commit', '0123456789abcdef0123', '--time', TIME, ...planArgs());
  });
  const line = (address: string) => md.split('\n').find((l) => l.includes(`\`${address}\``) && l.startsWith('- **')) ?? '';

  test.each([
    ['azurerm_virtual_network_gateway.site-to-site_gateway_0196671B', 'critical', /hybrid link is down for the 30-45 minutes.*\(Terraform: replace_because_cannot_update; replace paths: `sku`\)/],
    ['azurerm_public_ip.site-to-site_public-ip-1_AECEE88E', 'critical', /new address differs, so the on-premises VPN device/],
    ['azurerm_virtual_network_gateway_connection.site-to-site_connection_921AB4ED', 'critical', /IPsec tunnel drops/],
    ['azurerm_private_dns_zone_virtual_network_link.dns_zones_link-blob-hub_D745C22E', 'critical', /zone link is deleted: .*the outage this project was built to prevent/],
    ['azurerm_private_dns_resolver_inbound_endpoint.dns_resolver_inbound_84BD3E66', 'critical', /on-premises conditional forwarders point at the inbound endpoint IP.*replace paths: `private_ip_address`/],
    ['azurerm_key_vault.key-vault_vault_0EC766AC', 'critical', /data loss: key_vault is deleted;.*soft delete.*purge protection/],
    ['azurerm_recovery_services_vault.site-recovery-vault_7C1B2B6D', 'critical', /data loss: recovery_services_vault is deleted/],
    ['azurerm_postgresql_flexible_server.postgres_server_20CD2676', 'critical', /data loss: postgresql_flexible_server is replaced;.*replace paths: `version`/],
    ['azurerm_linux_virtual_machine.control-plane_vm-1_6C071C28', 'critical', /2 of 3 control plane\(s\) at once in this apply: etcd loses quorum \(needs 2 members\)/],
    ['azurerm_managed_disk.control-plane_etcd-disk-1_F57BFB25', 'critical', /an etcd disk is replaced; 2 of 3 .*the member's etcd data is gone/],
    ['azurerm_linux_virtual_machine.workers_vm-0_DA290B49', 'high', /worker VM is rebuilt because its cloud-init changed.*replace paths: `custom_data`/],
    ['azurerm_network_security_rule.spoke-cluster_nsg-nodes_allow-ssh-anywhere_22222222', 'critical', /opens inbound port\(s\) 22 to \*: .*including management\/data port\(s\) 22/],
    ['azurerm_network_security_rule.spoke-cluster_nsg-nodes_allow-ingress-nodeports_4B186991', 'high', /opens inbound port\(s\) 30000-32767 to Internet.*changed: `source_address_prefix`/],
    ['azurerm_virtual_network_peering.peering-cluster_spoke-to-hub_7F1F1AC4', 'critical', /use_remote_gateways goes from true to false: the spoke loses its route to on-premises/],
    ['azapi_update_resource.transit_spoke-use-remote-gateways_1A2B3C4D', 'critical', /use_remote_gateways goes from true to false/],
    ['azapi_resource_action.transit_spoke-revert-on-destroy_5E6F7A8B', 'critical', /destroy-time request of this azapi action runs when it is deleted and switches gateway transit off/],
    ['azurerm_role_assignment.rbac_owner_AAAA0001', 'critical', /grants Owner: .*privilege escalation/],
    ['azurerm_role_assignment.rbac_uaa_AAAA0002', 'critical', /grants User Access Administrator/],
    ['azurerm_role_assignment.rbac_rbac-admin_AAAA0003', 'critical', /grants Role Based Access Control Administrator/],
  ])('%s is %s', (address, severity, consequence) => {
    expect(line(address)).toMatch(new RegExp(`^- \\*\\*${severity}\\*\\* \`dev-\\w+\` \\*\\*(create|update|replace|delete)\\*\\* `));
    expect(line(address)).toMatch(consequence);
  });

  test.each([
    ['azurerm_local_network_gateway.site-to-site_local-network-gateway_9308A5AF', 'an in-place address space update'],
    ['azurerm_private_dns_zone.dns_zones_zone-blob_065F5D22', 'a tag update of a zone'],
    ['azurerm_private_dns_zone.dns_zones_zone-registry_806BA4CC', 'a new zone'],
    ['azurerm_storage_account.cache-storage_account_3F609326', 'a tag update of a storage account'],
    ['azurerm_linux_virtual_machine.control-plane_vm-0_6C070C28', 'an unchanged control plane'],
    ['azurerm_linux_virtual_machine.workers_vm-1_DA291B49', 'a worker replaced for its size (not cloud-init)'],
    ['azurerm_network_security_rule.spoke-cluster_nsg-nodes_allow-https-open_11111111', 'a rule that was already open (description change)'],
    ['azurerm_network_security_rule.spoke-cluster_nsg-nodes_allow-ssh-from-agents_C20DC7D3', 'port 22 from a declared range'],
    ['azurerm_network_security_rule.spoke-cluster_nsg-nodes_deny-all-inbound_46E8B0A5', 'a deny from *'],
    ['azurerm_virtual_network_peering.peering-cluster_hub-to-spoke_F9154834', 'a peering update that keeps gateway transit'],
    ['azurerm_role_assignment.rbac_secrets-user_AAAA0004', 'a data-plane role'],
    ['azapi_update_resource.transit_hub-allow-gateway-transit_9C0D1E2F', 'an azapi request that turns gateway transit on'],
  ])('%s is not dangerous (%s)', (address) => {
    expect(line(address)).toBe('');
  });

  test('order: verdict, table, dangerous changes, other deletes/replaces, then the rest folded', () => {
    const at = (s: string) => md.indexOf(s);
    expect(md.startsWith('<!-- cdktf-plan:dev -->\n<!-- plan-needs-attention -->\n### Plan: dev\n')).toBe(true);
    expect(md).toContain('Verdict: **20 dangerous changes need explicit approval** · 14 deletes/replaces');
    expect(md).toContain(`commit \`0123456789ab\` · planned ${TIME}`);
    expect(at('Verdict:')).toBeLessThan(at('| Stack |'));
    expect(at('| Stack |')).toBeLessThan(at('#### Dangerous changes (20)'));
    expect(at('#### Dangerous changes')).toBeLessThan(at('#### Other deletes and replaces (1)'));
    expect(at('#### Other deletes and replaces')).toBeLessThan(at('<details>'));
    expect(md).toContain('- `dev-cluster` **replace** `azurerm_linux_virtual_machine.workers_vm-1_DA291B49` (Terraform: replace_because_cannot_update; replace paths: `size`)');
    // critical before high
    expect(at('workers_vm-0_DA290B49')).toBeGreaterThan(at('rbac_rbac-admin_AAAA0003'));
  });

  test('the count table per stack, with the dangerous count', () => {
    expect(md).toContain('| `dev-cluster` | 0 | 0 | 5 | 0 | 0 | 0 | 4 |');
    expect(md).toContain('| `dev-network` | 4 | 5 | 1 | 1 | 0 | 0 | 5 |');
    expect(md).toContain('| `dev-services` | 4 | 1 | 1 | 2 | 0 | 0 | 6 |');
    expect(md).toContain('| `dev-vpn` | 1 | 2 | 2 | 2 | 0 | 0 | 5 |');
  });

  test('never prints attribute values (cloud-init with a token, descriptions)', () => {
    expect(md).not.toContain(SECRET);
    expect(md).not.toContain('cloud-config');
    expect(md).not.toContain('Standard_D4s_v5');
  });
});

describe('harmless neighbours of the VPN and inline-NSG rules (a second real plan)', () => {
  const inbound = (name: string, source: string, port: string, access = 'Allow') => ({ name, access, direction: 'Inbound', protocol: 'Tcp', source_address_prefix: source, destination_port_range: port });
  const nsg = (name: string, rules: object[]): Case => ({ stack: 'dev-network', name, type: 'azurerm_network_security_group', attrs: { security_rule: rules } });
  const agents = inbound('ssh-from-agents', '10.10.2.0/26', '22');
  const BEFORE2: Case[] = [
    { stack: 'dev-vpn', name: 'site-to-site_gateway_0196671B', type: 'azurerm_virtual_network_gateway', attrs: { tags: { a: '1' } }, replaceOn: { sku: 'VpnGw1AZ' } },
    { stack: 'dev-vpn', name: 'site-to-site_public-ip-1_AECEE88E', type: 'azurerm_public_ip', attrs: { tags: { a: '1' } }, replaceOn: { zones: ['1', '2', '3'] } },
    // the NAT egress address of <env>-network (constructs/network/nat-egress.ts): not the gateway's
    { stack: 'dev-network', name: 'hub-egress_public-ip_F42D28D1', type: 'azurerm_public_ip', replaceOn: { zones: ['1'] } },
    nsg('spoke-cluster_nsg-nodes_0A0A0A01', [agents]),
    nsg('hub_nsg-agents_0B0B0B02', [agents]),
  ];
  const AFTER2: Case[] = [
    { ...BEFORE2[0]!, attrs: { tags: { a: '2' } } },
    { ...BEFORE2[1]!, attrs: { tags: { a: '2' } } },
    { ...BEFORE2[2]!, replaceOn: { zones: ['2'] } },
    nsg('spoke-cluster_nsg-nodes_0A0A0A01', [agents, inbound('rdp-anywhere', 'Internet', '3389')]),
    nsg('hub_nsg-agents_0B0B0B02', [agents, inbound('https-on-premises', '192.168.0.0/16', '443'), inbound('deny-rest', '*', '*', 'Deny')]),
  ];
  let md: string;
  beforeAll(async () => {
    const plan = azurermPlan(path.join(dir, 'tf-harmless'), BEFORE2, AFTER2);
    const stackOf = new Map(BEFORE2.map((c) => [`${c.type}.${c.name}`, c.stack]));
    const args = ['dev-network', 'dev-vpn'].flatMap((stack) => {
      const file = path.join(dir, `harmless-${stack}.json`);
      fs.writeFileSync(file, JSON.stringify({ ...plan, resource_changes: plan.resource_changes.filter((rc: any) => stackOf.get(rc.address) === stack) }));
      return ['--plan', `${stack}=${file}`];
    });
    md = await summary(...args);
  }, 60000);
  const line = (address: string) => md.split('\n').find((l) => l.includes(`\`${address}\``) && l.startsWith('- **')) ?? '';

  test.each([
    ['azurerm_virtual_network_gateway.site-to-site_gateway_0196671B', 'vpn-gateway: an in-place tag update of the gateway'],
    ['azurerm_public_ip.site-to-site_public-ip-1_AECEE88E', 'vpn-public-ip: an in-place tag update of the gateway\'s address'],
    ['azurerm_public_ip.hub-egress_public-ip_F42D28D1', 'vpn-public-ip: the NAT egress address replaced (an ordinary replace)'],
    ['azurerm_network_security_group.hub_nsg-agents_0B0B0B02', 'nsg-open-to-internet: inline rules added from a declared range and a deny from *'],
  ])('%s is not dangerous (%s)', (address) => {
    expect(md).toContain(`\`${address}\``);
    expect(line(address)).toBe('');
  });

  test('the NAT address replace is listed with the other replaces, with Terraform\'s reason', () => {
    expect(md).toContain('- `dev-network` **replace** `azurerm_public_ip.hub-egress_public-ip_F42D28D1` (Terraform: replace_because_cannot_update; replace paths: `zones`)');
  });

  test('an inline NSG rule newly open to the Internet on 3389 is critical', () => {
    expect(line('azurerm_network_security_group.spoke-cluster_nsg-nodes_0A0A0A01')).toMatch(/^- \*\*critical\*\* `dev-network` \*\*update\*\* .*opens inbound port\(s\) 3389 to Internet.*including management\/data port\(s\) 3389/);
    expect(md).toContain('Verdict: **1 dangerous change needs explicit approval**');
  });
});

describe('reduced plans (what leaves the agent)', () => {
  test('keep reasons, attribute names and the allow-listed facts, never other values, and summarise the same', async () => {
    const reducedFiles: Record<string, string> = {};
    for (const s of STACKS) {
      const reduced = await summary('--reduce', files[s]!);
      expect(reduced).not.toContain(SECRET);
      expect(reduced).not.toContain('Standard_D');
      reducedFiles[s] = path.join(dir, `${s}.reduced.json`);
      fs.writeFileSync(reducedFiles[s]!, reduced);
    }
    const args = ['--time', TIME];
    expect(await summary(...args, ...planArgs(reducedFiles))).toBe(await summary(...args, ...planArgs()));
  });

  test('a value Terraform marks sensitive is not kept even where the rule table would read it', async () => {
    const plan = JSON.parse(fs.readFileSync(files['dev-network']!, 'utf8'));
    const rc = plan.resource_changes.find((r: any) => r.address.includes('allow-ssh-anywhere'));
    rc.change.after_sensitive = { source_address_prefix: true };
    const file = path.join(dir, 'sensitive.json');
    fs.writeFileSync(file, JSON.stringify(plan));
    const reduced = JSON.parse(await summary('--reduce', file));
    expect(reduced.resource_changes.find((r: any) => r.address.includes('allow-ssh-anywhere')).facts.after).not.toHaveProperty('source_address_prefix');
  });
});

describe('the verdict the pipeline acts on (--verdict)', () => {
  const verdict = async (...args: string[]) => {
    const file = path.join(dir, `verdict-${Math.random()}.json`);
    await summary('--verdict', file, ...args);
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  };

  test('dangerous or destructive plans need approval', async () => {
    expect(await verdict(...planArgs())).toEqual({ needsApproval: true, hasChanges: true, dangerous: 20, destructive: 14, failed: [], changedStacks: STACKS, deferred: [] });
  });

  test('a real plan without changes needs nothing and applies nothing', async () => {
    const empty = path.join(dir, 'empty');
    const plan = azurermPlan(empty, [], []);
    const file = path.join(dir, 'empty.json');
    fs.writeFileSync(file, JSON.stringify(plan));
    expect(await verdict('--plan', `dev-vpn=${file}`)).toEqual({ needsApproval: false, hasChanges: false, dangerous: 0, destructive: 0, failed: [], changedStacks: [], deferred: [] });
    expect(await summary('--plan', `dev-vpn=${file}`)).toContain('Verdict: **No changes**: nothing to apply');
  });

  test('creates and harmless updates need no approval; a missing plan does', async () => {
    const plan = JSON.parse(fs.readFileSync(files['dev-network']!, 'utf8'));
    plan.resource_changes = plan.resource_changes.filter((rc: any) => /zone-registry|zone-blob/.test(rc.address));
    const file = path.join(dir, 'harmless.json');
    fs.writeFileSync(file, JSON.stringify(plan));
    expect(await verdict('--plan', `dev-network=${file}`)).toMatchObject({ needsApproval: false, hasChanges: true });
    expect(await summary('--plan', `dev-network=${file}`)).toContain('Verdict: **No delete, replace or dangerous change**');
    expect(await verdict('--plan', `dev-network=${file}`, '--expect', 'dev-vpn')).toMatchObject({ needsApproval: true, failed: ['dev-vpn'] });
  });
});

describe('a 5,000-resource plan', () => {
  test('keeps the verdict and the whole table, stays under 60,000 characters and says what was cut', async () => {
    const base = JSON.parse(fs.readFileSync(files['dev-cluster']!, 'utf8'));
    const samples = JSON.parse(fs.readFileSync(files['dev-network']!, 'utf8')).resource_changes;
    // 5,000 real entries: the real plan's changes (every action kind), cloned under unique addresses.
    base.resource_changes = Array.from({ length: 5000 }, (_, i) => {
      const rc = structuredClone(samples[i % samples.length]);
      rc.address = `${rc.address}_with_a_long_generated_suffix_${i}`;
      return rc;
    });
    const file = path.join(dir, 'big.json');
    fs.writeFileSync(file, JSON.stringify(base));
    const md = await summary('--plan', `dev-big=${file}`, ...planArgs(), '--run-url', 'https://dev.azure.com/org/p/_build/results?buildId=1');
    expect(md.length).toBeLessThanOrEqual(60000);
    expect(md).toMatch(/Verdict: \*\*\d+ dangerous changes need explicit approval\*\*/);
    for (const s of ['dev-big', ...STACKS]) expect(md).toMatch(new RegExp(`^\\| \`${s}\` \\|( \\d+ \\|){7}$`, 'm'));
    expect(md).toContain('[pipeline run](https://dev.azure.com/org/p/_build/results?buildId=1)');
    // Dangerous changes alone overflow here: the list is cut, and the less important sections are left out whole.
    expect(md).toMatch(/_Shortened to stay under 60000 characters: \d+ dangerous changes of \d+; 1 other delete\/replace line \(all\); \d+ folded change lines \(all\) not shown\. The verdict and the table above are complete/);
    expect(md).toMatch(/^- … \d+ more not shown \(see the run\)$/m);
    // Nothing cut mid-line, and the folded blocks stay balanced.
    expect(md.match(/<details>/g)?.length).toBe(md.match(/<\/details>/g)?.length);
    for (const l of md.split('\n').filter((x) => x.startsWith('- '))) expect(l).toMatch(/(`|\)|\.|\(see the run\))$/);
  });
});

test('a 5,000-resource plan of harmless changes: the folded part is shortened first, dangerous changes stay whole', async () => {
  const base = JSON.parse(fs.readFileSync(files['dev-network']!, 'utf8'));
  const harmless = base.resource_changes.find((rc: any) => rc.address.includes('zone-registry'));
  base.resource_changes = Array.from({ length: 5000 }, (_, i) => ({ ...structuredClone(harmless), address: `azurerm_private_dns_a_record.record_with_a_long_generated_name_${i}`, type: 'azurerm_private_dns_a_record' }));
  const file = path.join(dir, 'big-harmless.json');
  fs.writeFileSync(file, JSON.stringify(base));
  const md = await summary('--plan', `dev-big=${file}`, ...planArgs());
  expect(md.length).toBeLessThanOrEqual(60000);
  expect(md).toContain('| `dev-big` | 5000 | 0 | 0 | 0 | 0 | 0 | 0 |');
  expect(md).toContain('#### Dangerous changes (20)');
  expect(md).not.toContain('more not shown');
  expect(md).toMatch(/_Shortened to stay under 60000 characters: \d+ folded change lines of 5010 not shown\./);
  expect(md.indexOf('_Shortened')).toBeLessThan(md.indexOf('#### Dangerous'));
});

describe('inputs that are not a readable plan', () => {
  test('an unreadable plan is named by stack; the other stacks are still summarised', async () => {
    const broken = path.join(dir, 'broken.json');
    // Node's JSON errors quote the text around the error: a plan's secret must not reach the comment that way.
    fs.writeFileSync(broken, '{"format_version": "1.2", "result": hunter2-secret-value');
    const r = await run('node', [SCRIPT, '--plan', `dev-services=${broken}`, '--plan', `dev-vpn=${files['dev-vpn']}`], { cwd: REPO });
    expect(r.stdout).toContain('| `dev-services` | - | - | - | - | - | - | **no plan**: could not read broken.json: broken.json is not valid JSON |');
    expect(`${r.stdout}${r.stderr}`).not.toContain('hunter2');
    const missing = await summary('--plan', `dev-services=${path.join(dir, 'nope.json')}`);
    expect(missing).toContain('**no plan**: could not read nope.json: no such file |');
    expect(r.stdout).toContain('Verdict: **No plan for `dev-services`: this environment cannot be reviewed or deployed until it plans**');
    expect(r.stdout).toContain('| `dev-vpn` | 1 | 2 | 2 | 2 |');
    expect(r.stderr).toMatch(/plan-summary: dev-services: could not read broken.json/);
    expect((await failure('--reduce', broken)).stderr).toBe('plan-summary: broken.json is not valid JSON\n');
  });

  test.each([
    ['a state file', () => fs.readFileSync(path.join(dir, 'tf', 'terraform.tfstate'), 'utf8'), /this is a state file/],
    ['terraform show -json of a state', () => terraform(path.join(dir, 'tf'), ['show', '-json']), /this is terraform show -json of a state/],
    ['{"format_version":"1.2"}', () => '{"format_version":"1.2"}', /no planned_values\/configuration/],
    ['an errored plan', () => JSON.stringify({ ...fullPlan, errored: true }), /the plan errored/],
    ['a JSON list', () => '[]', /not a JSON object/],
  ])('%s is rejected, never reported as "no changes"', async (_what, content, reason) => {
    const file = path.join(dir, 'input.json');
    fs.writeFileSync(file, content());
    const md = await summary('--plan', `dev-x=${file}`);
    expect(md).not.toContain('no changes');
    expect(md).toMatch(new RegExp(`\\| \`dev-x\` \\|.*\\*\\*no plan\\*\\*: .*${reason.source}`));
    expect(md).toContain('<!-- plan-needs-attention -->');
    expect((await failure('--reduce', file)).stderr).toMatch(/not a terraform show -json plan|the plan errored/);
  });

  test('a stack expected from the cdktf manifest but without a plan shows as "no plan"', async () => {
    const manifest = path.join(dir, 'manifest.json');
    fs.writeFileSync(manifest, JSON.stringify({ version: '0.21.0', stacks: { 'dev-network': {}, 'dev-vpn': {}, 'prod-network': {} } }));
    const md = await summary('--plan', `dev-network=${files['dev-network']}`, '--manifest', manifest, '--environment', 'dev');
    expect(md).toContain('| `dev-vpn` | - | - | - | - | - | - | **no plan**: the plan job failed or was skipped |');
    expect(md).not.toContain('prod-network');
  });

  test('unknown actions and options fail loudly', async () => {
    const weird = path.join(dir, 'weird.json');
    fs.writeFileSync(weird, JSON.stringify({ ...fullPlan, resource_changes: [{ address: 'a.b', mode: 'managed', type: 'a', change: { actions: ['teleport'] } }] }));
    expect((await failure('--reduce', weird)).stderr).toMatch(/unknown plan action list \["teleport"\]/);
    expect((await failure('--plan', 'no-equals-sign')).stderr).toMatch(/--plan takes <stack-id>=<plan.json>/);
    expect((await failure('--bogus', 'x')).stderr).toMatch(/unknown option --bogus/);
  });
});

describe('stacks whose plan read outputs that change in the same run are deferred', () => {
  const deps = { 'dev-network': [], 'dev-vpn': ['dev-network'], 'dev-keyvault': ['dev-network'], 'dev-cluster': ['dev-keyvault', 'dev-network'], 'dev-services': ['dev-keyvault', 'dev-network'] };
  let manifest: string;
  let network: string;
  beforeAll(() => {
    manifest = path.join(dir, 'deps-manifest.json');
    fs.writeFileSync(manifest, JSON.stringify({ version: '0.21.0', stacks: Object.fromEntries(Object.entries(deps).map(([id, d]) => [id, { dependencies: d }])) }));
    // A real plan whose root output changes (the subnet id a downstream stack reads).
    const plan = azurermPlan(path.join(dir, 'tf-outputs'), [], [], { before: { subnet_id: 'subnet-1' }, after: { subnet_id: 'subnet-2' } });
    expect(plan.output_changes.subnet_id.actions).toEqual(['update']);
    network = path.join(dir, 'network-outputs.json');
    fs.writeFileSync(network, JSON.stringify(plan));
  }, 30000);

  test('every stack reading the changed outputs, directly or through another stack, is deferred', async () => {
    const file = path.join(dir, 'verdict-deferred.json');
    const md = await summary('--manifest', manifest, '--environment', 'dev', '--verdict', file, '--plan', `dev-network=${network}`,
      '--plan', `dev-vpn=${files['dev-vpn']}`, '--plan', `dev-keyvault=${files['dev-services']}`, '--plan', `dev-cluster=${files['dev-cluster']}`, '--plan', `dev-services=${files['dev-services']}`);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).deferred).toEqual([
      { stack: 'dev-cluster', because: ['dev-network'] }, { stack: 'dev-keyvault', because: ['dev-network'] },
      { stack: 'dev-services', because: ['dev-network'] }, { stack: 'dev-vpn', because: ['dev-network'] },
    ]);
    expect(md).toContain('**Applied in a later run:** `dev-cluster` (reads `dev-network`), `dev-keyvault` (reads `dev-network`)');
    expect(md).toContain('Run the pipeline again after this run to plan and apply them.');
  });

  test('no output change upstream: nothing is deferred', async () => {
    const file = path.join(dir, 'verdict-none.json');
    await summary('--manifest', manifest, '--environment', 'dev', '--verdict', file, '--plan', `dev-network=${files['dev-network']}`, '--plan', `dev-vpn=${files['dev-vpn']}`,
      '--plan', `dev-keyvault=${files['dev-services']}`, '--plan', `dev-cluster=${files['dev-cluster']}`, '--plan', `dev-services=${files['dev-services']}`);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).deferred).toEqual([]);
  });
});

describe('the critical-path estimate (seam for npm run plan:critical-path)', () => {
  const estimate = {
    environments: {
      dev: {
        totalMinutes: 52,
        stacks: { 'dev-network': { startMinute: 0, finishMinute: 6, durationMinutes: 6 }, 'dev-vpn': { startMinute: 6, finishMinute: 52, durationMinutes: 46 } },
        criticalPath: ['dev-network', 'dev-vpn'],
      },
    },
  };
  test('shows the estimate of the changed stacks', async () => {
    const file = path.join(dir, 'estimate.json');
    fs.writeFileSync(file, JSON.stringify(estimate));
    const md = await summary('--environment', 'dev', '--critical-path', file, '--plan', `dev-vpn=${files['dev-vpn']}`, '--plan', `dev-services=${files['dev-services']}`);
    expect(md).toContain('Time to apply (estimate, `npm run plan:critical-path`): `dev-services` (no estimate), `dev-vpn` 6→52 min (46 min, on the critical path); whole environment from scratch 52 min.');
    expect(md.indexOf('Time to apply')).toBeLessThan(md.indexOf('#### Dangerous'));
  });
  test('an unreadable estimate is reported, not fatal', async () => {
    const file = path.join(dir, 'estimate-bad.json');
    fs.writeFileSync(file, '{"nope": 1}');
    const md = await summary('--environment', 'dev', '--critical-path', file, '--plan', `dev-vpn=${files['dev-vpn']}`);
    expect(md).toContain('_Time estimate unavailable: estimate-bad.json: no "environments" object_');
  });
});
