/**
 * The pack over the real app: every stack of every shipped environment, synthesized as `npm run synth` does
 * (buildApp from stacks/app.ts), must have zero unsuppressed error findings. New stacks are picked up
 * automatically because the test reads whatever the app wrote under stacks/.
 *
 * Zero findings alone could also mean "the rules never matched the real shapes", so the second half breaks the
 * real output the way the field failures did and expects the rules to catch it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Testing } from 'cdktf';
import { loadEnvironments } from '../../config';
import { buildApp } from '../../stacks/app';
import { checkStacks, formatFindingsTable, runPolicy, type PolicyReport, type StackJson } from '../../policy';

type Json = Record<string, any>;

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

/** A fresh, mutable copy of every stack of one environment. */
function environmentStacks(env: string): Map<string, Json> {
  const dir = path.join(outdir, 'stacks');
  const ids = fs.readdirSync(dir).filter((id) => id.startsWith(`${env}-`));
  return new Map(ids.map((id) => [id, JSON.parse(fs.readFileSync(path.join(dir, id, 'cdk.tf.json'), 'utf8'))]));
}

/** Every `[stackId, name, config]` of a resource type across the given stacks. */
function resourcesOf(stacks: Map<string, Json>, type: string): [string, string, Json][] {
  return [...stacks].flatMap(([id, json]) => Object.entries((json.resource?.[type] ?? {}) as Record<string, Json>).map(([n, c]): [string, string, Json] => [id, n, c]));
}

const errorIds = (stacks: Map<string, Json>): string[] =>
  checkStacks(stacks as unknown as Map<string, StackJson>)
    .findings.filter((f) => f.severity === 'error' && !f.suppressed)
    .map((f) => f.ruleId);

test('every synthesized stack of every environment is checked', () => {
  const written = fs.readdirSync(path.join(outdir, 'stacks')).sort();
  expect(report.stacks).toEqual(written);
  expect(environments).toEqual(expect.arrayContaining(['dev', 'prod']));
  for (const env of environments) expect(written).toEqual(expect.arrayContaining([`${env}-network`, `${env}-vpn`]));
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

describe.each(['dev', 'prod'])('breaking the real %s output is caught', (env) => {
  test('an NSG rule opened to the internet on SSH (AZ-NSG-001)', () => {
    const stacks = environmentStacks(env);
    const [, , rule] = resourcesOf(stacks, 'azurerm_network_security_rule')[0]!;
    Object.assign(rule, { direction: 'Inbound', access: 'Allow', protocol: 'Tcp', source_address_prefix: 'Internet', destination_port_range: '20-25' });
    delete rule['source_address_prefixes'];
    delete rule['destination_port_ranges'];
    expect(errorIds(stacks)).toEqual(['AZ-NSG-001']);
  });

  test('an NSG associated with GatewaySubnet (HN-001)', () => {
    const stacks = environmentStacks(env);
    const [gwStack, gwName] = resourcesOf(stacks, 'azurerm_subnet').find(([, , c]) => c['name'] === 'GatewaySubnet')!;
    const [assocStack, , assoc] = resourcesOf(stacks, 'azurerm_subnet_network_security_group_association').find(([id]) => id === gwStack)!;
    expect(assocStack).toBe(gwStack);
    assoc['subnet_id'] = `\${azurerm_subnet.${gwName}.id}`;
    expect(errorIds(stacks)).toEqual(['HN-001']);
  });

  test('the useRemoteGateways switch no longer waiting for the gateway and the hub side (HN-002, HN-003)', () => {
    const stacks = environmentStacks(env);
    const setters = [...resourcesOf(stacks, 'azapi_update_resource'), ...resourcesOf(stacks, 'azurerm_virtual_network_peering')].filter(
      ([, , c]) => c['use_remote_gateways'] === true || c['body']?.['properties']?.['useRemoteGateways'] === true,
    );
    expect(setters.length).toBeGreaterThan(0);
    for (const [, , c] of setters) delete c['depends_on'];
    expect(new Set(errorIds(stacks))).toEqual(new Set(['HN-002', 'HN-003']));
  });

  test('public network access switched on for every PaaS service (AZ-STG-003, AZ-KV-002, AZ-PG-001, AZ-RSV-001, AZ-ACR-001)', () => {
    const stacks = environmentStacks(env);
    const byType: Record<string, string> = {
      azurerm_storage_account: 'AZ-STG-003',
      azurerm_key_vault: 'AZ-KV-002',
      azurerm_postgresql_flexible_server: 'AZ-PG-001',
      azurerm_recovery_services_vault: 'AZ-RSV-001',
      azurerm_container_registry: 'AZ-ACR-001',
    };
    const expected = new Set<string>();
    for (const [type, id] of Object.entries(byType)) {
      for (const [, , c] of resourcesOf(stacks, type)) {
        c['public_network_access_enabled'] = true;
        // Enabled is fine behind a default-Deny firewall (AZ-STG-003), so open the firewall too: AZ-STG-005 as well.
        if (type === 'azurerm_storage_account') {
          c['network_rules'] = { ...c['network_rules'], default_action: 'Allow' };
          expected.add('AZ-STG-005');
        }
        delete c['delegated_subnet_id'];
        expected.add(id);
      }
    }
    if (expected.size === 0) return; // services stack not synthesized yet
    expect(new Set(errorIds(stacks))).toEqual(expected);
  });

  test('private endpoints removed: every service unreachable (AZ-PE-001)', () => {
    const stacks = environmentStacks(env);
    if (resourcesOf(stacks, 'azurerm_private_endpoint').length === 0) return; // services stack not synthesized yet
    for (const json of stacks.values()) delete json.resource?.azurerm_private_endpoint;
    expect(new Set(errorIds(stacks))).toEqual(new Set(['AZ-PE-001']));
  });

  test('cluster VMs with password logins and public IPs (AZ-VM-001, AZ-NIC-001)', () => {
    const stacks = environmentStacks(env);
    const vms = resourcesOf(stacks, 'azurerm_linux_virtual_machine');
    if (vms.length === 0) return; // cluster stack not synthesized yet
    for (const [, , c] of vms) c['disable_password_authentication'] = false;
    for (const [, , c] of resourcesOf(stacks, 'azurerm_network_interface')) {
      for (const ipc of [c['ip_configuration']].flat()) ipc['public_ip_address_id'] = '${azurerm_public_ip.x.id}';
    }
    expect(new Set(errorIds(stacks))).toEqual(new Set(['AZ-VM-001', 'AZ-NIC-001']));
  });

  test('DNS from on-premises blocked on the resolver inbound subnet, inbound IP left dynamic (HN-008, HN-007)', () => {
    const stacks = environmentStacks(env);
    const inbound = resourcesOf(stacks, 'azurerm_private_dns_resolver_inbound_endpoint');
    if (inbound.length === 0) return; // resolver not synthesized yet
    const dnsAllows = resourcesOf(stacks, 'azurerm_network_security_rule').filter(
      ([, , c]) => c['access'] === 'Allow' && [c['destination_port_range'], ...(c['destination_port_ranges'] ?? [])].includes('53'),
    );
    expect(dnsAllows.length).toBeGreaterThan(0);
    for (const [id, name] of dnsAllows) delete stacks.get(id)!.resource.azurerm_network_security_rule[name];
    for (const [, , c] of inbound) for (const ipc of [c['ip_configurations']].flat()) ipc['private_ip_allocation_method'] = 'Dynamic';
    expect(new Set(errorIds(stacks))).toEqual(new Set(['HN-007', 'HN-008']));
  });

  test('VNets with machines pointed at DNS servers that ignore the private zones (HN-009)', () => {
    const stacks = environmentStacks(env);
    if (resourcesOf(stacks, 'azurerm_private_endpoint').length === 0 || resourcesOf(stacks, 'azurerm_network_interface').length === 0) return;
    for (const [, , vnet] of resourcesOf(stacks, 'azurerm_virtual_network')) vnet['dns_servers'] = ['192.0.2.53'];
    expect(new Set(errorIds(stacks))).toEqual(new Set(['HN-009']));
  });

  test('the issue #11 findings put back: cache account Disabled, regional ACR data zone, no 443 from on-premises, no transit revert (HN-013..016)', () => {
    const stacks = environmentStacks(env);
    for (const [, , account] of resourcesOf(stacks, 'azurerm_storage_account')) account['public_network_access_enabled'] = false;
    const [zoneStack, , registryZone] = resourcesOf(stacks, 'azurerm_private_dns_zone').find(([, , z]) => z['name'] === 'privatelink.azurecr.io')!;
    stacks.get(zoneStack)!.resource.azurerm_private_dns_zone['regional_data'] = { ...registryZone, name: 'westeurope.data.privatelink.azurecr.io' };
    for (const [id, name, rule] of resourcesOf(stacks, 'azurerm_network_security_rule')) if (rule['name'] === 'AllowHttpsFromOnPremisesClients') delete stacks.get(id)!.resource.azurerm_network_security_rule[name];
    for (const json of stacks.values()) delete json.resource?.azapi_resource_action;
    expect(new Set(errorIds(stacks))).toEqual(new Set(['HN-013', 'HN-014', 'HN-015', 'HN-016']));
  });


  test("the writer stacks' role propagation wait removed, or moved back into <env>-keyvault (HN-012 on every secret of services and cluster)", () => {
    for (const moveBack of [false, true]) {
      const stacks = environmentStacks(env);
      const secrets = resourcesOf(stacks, 'azurerm_key_vault_secret');
      expect(new Set(secrets.map(([id]) => id))).toEqual(new Set([`${env}-services`, `${env}-cluster`]));
      for (const [, , s] of secrets) s['depends_on'] = (s['depends_on'] ?? []).filter((d: string) => !d.startsWith('time_sleep.'));
      if (moveBack) {
        const kv = stacks.get(`${env}-keyvault`)!;
        const [officer] = Object.keys(kv.resource.azurerm_role_assignment);
        kv.resource.time_sleep = { wait: { create_duration: '600s', triggers: { role_0: `\${azurerm_role_assignment.${officer}.id}` }, depends_on: [`azurerm_role_assignment.${officer}`] } };
      }
      const findings = checkStacks(stacks as unknown as Map<string, StackJson>).findings.filter((f) => f.severity === 'error' && !f.suppressed);
      expect(new Set(findings.map((f) => f.ruleId))).toEqual(new Set(['HN-012']));
      expect(findings).toHaveLength(secrets.length);
    }
  });
  test('private DNS zones linked away from the resolver VNet, when the environment has private endpoints (HN-005)', () => {
    const stacks = environmentStacks(env);
    const links = resourcesOf(stacks, 'azurerm_private_dns_zone_virtual_network_link');
    if (resourcesOf(stacks, 'azurerm_private_endpoint').length === 0 || links.length === 0) return; // services stack not synthesized yet
    for (const [, , link] of links) link['virtual_network_id'] = '/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/elsewhere';
    expect(errorIds(stacks)).toContain('HN-005');
  });
});
