/** HN-012..HN-017: each rule on a compliant fixture and on the broken shape a real apply (or client) would hit. */
import { cacheStorageTrustedServices, noConflictingPrivateZones, privateEndpointHttpsFromOnPremises, rbacPropagationWait } from '../../policy/rules/apply-safety';
import { compliant, kinds, run, stack, type Config } from './fixtures';

describe('HN-012 a Key Vault write waits, in its own stack, for the deployer role the environment creates', () => {
  const role = { scope: '${azurerm_key_vault.kv.id}', role_definition_name: 'Key Vault Secrets Officer', principal_id: '${data.azurerm_client_config.client.object_id}' };
  const triggered = { create_duration: '600s', triggers: { role_0: '${azurerm_role_assignment.officer.id}' }, depends_on: ['azurerm_role_assignment.officer'] };
  const withSecret = (secret: Config, sleep?: Config) =>
    stack({
      azurerm_key_vault: { kv: compliant.keyVault() },
      azurerm_role_assignment: { officer: role },
      ...(sleep ? { time_sleep: { wait: sleep } } : {}),
      azurerm_key_vault_secret: { s: { name: 's', value: 'x', key_vault_id: '${azurerm_key_vault.kv.id}', ...secret } },
    });
  const check = (s: ReturnType<typeof stack>) => run(rbacPropagationWait, s, 'azurerm_key_vault_secret.s');
  test('compliant: depends on a 600s sleep triggered by the role (same apply)', () => {
    expect(check(withSecret({ depends_on: ['time_sleep.wait'] }, triggered))).toEqual([]);
  });
  test('compliant: a vault and role outside the synthesized environment (nothing to wait for here)', () => {
    const s = stack({ azurerm_key_vault_secret: { s: { name: 's', value: 'x', key_vault_id: '${data.terraform_remote_state.kv.outputs.id}' } } });
    expect(check(s)).toEqual([]);
  });
  test('non-compliant: depends on the role assignment only (the old services stack)', () => {
    const problems = check(withSecret({ depends_on: ['azurerm_role_assignment.officer'] }));
    expect(kinds(problems)).toEqual(['fail']);
    expect(problems[0]!.message).toMatch(/created in the same apply, with no time_sleep triggered by it/);
  });
  test('non-compliant: a sleep after the role whose triggers do not name it (a replaced role is not waited for)', () => {
    const { triggers: _, ...untriggered } = triggered;
    expect(check(withSecret({ depends_on: ['time_sleep.wait'] }, untriggered))[0]!.message).toMatch(/triggers do not reference it/);
  });
  test('non-compliant: a sleep shorter than the stated 600 s', () => {
    expect(check(withSecret({ depends_on: ['time_sleep.wait'] }, { ...triggered, create_duration: '30s' }))[0]!.message).toMatch(/waits only 30s/);
  });

  // The split form: <env>-keyvault creates the vault and the role, <env>-services writes the secret.
  const remote = (output: string) => `\${data.terraform_remote_state.cross-stack-reference-input-dev-keyvault.outputs.${output}}`;
  const keyvaultStack = (withOwnSleep: boolean) =>
    stack(
      { azurerm_key_vault: { kv: compliant.keyVault() }, azurerm_role_assignment: { officer: role }, ...(withOwnSleep ? { time_sleep: { wait: triggered } } : {}) },
      { output: { kv_id: { value: '${azurerm_key_vault.kv.id}' }, officer_id: { value: '${azurerm_role_assignment.officer.id}' }, other_id: { value: '${azurerm_key_vault.kv.id}' } } },
    );
  const writer = (sleep?: Config) =>
    stack({
      ...(sleep ? { time_sleep: { wait: sleep } } : {}),
      azurerm_key_vault_secret: { s: { name: 's', value: 'x', key_vault_id: remote('kv_id'), ...(sleep ? { depends_on: ['time_sleep.wait'] } : {}) } },
    });
  const checkSplit = (opts: { kvSleep?: boolean; sleep?: Config }) =>
    run(rbacPropagationWait, { 'dev-keyvault': keyvaultStack(opts.kvSleep ?? false), 'dev-services': writer(opts.sleep) }, 'azurerm_key_vault_secret.s', 'dev-services');
  test("compliant (other stack): the writer's own 600s sleep is triggered by the keyvault stack's role assignment", () => {
    expect(checkSplit({ sleep: { create_duration: '600s', triggers: { role_0: remote('officer_id') } } })).toEqual([]);
  });
  test('non-compliant (other stack): no sleep in the writing stack, even when the keyvault stack sleeps itself', () => {
    for (const kvSleep of [false, true]) {
      const problems = checkSplit({ kvSleep });
      expect(kinds(problems)).toEqual(['fail']);
      expect(problems[0]!.message).toMatch(/writes through dev-keyvault's azurerm_role_assignment\.officer, with no time_sleep triggered by it/);
    }
  });
  test('non-compliant (other stack): a sleep triggered by something else, or too short', () => {
    expect(checkSplit({ sleep: { create_duration: '600s', triggers: { vault: remote('other_id') } } })[0]!.message).toMatch(/no time_sleep triggered by it/);
    expect(checkSplit({ sleep: { create_duration: '5m', triggers: { role_0: remote('officer_id') } } })[0]!.message).toMatch(/waits only 300s for dev-keyvault's/);
  });
});

describe('HN-013 the Site Recovery cache account keeps the trusted-services path', () => {
  const env = (account: Config) =>
    stack({
      azurerm_recovery_services_vault: { rsv: compliant.recoveryVault() },
      azurerm_storage_account: { cache: account },
      azurerm_role_assignment: { w: { scope: '${azurerm_storage_account.cache.id}', role_definition_name: 'Storage Blob Data Contributor', principal_id: '${azurerm_recovery_services_vault.rsv.identity[0].principal_id}' } },
    });
  const check = (account: Config) => kinds(run(cacheStorageTrustedServices, env(account), 'azurerm_storage_account.cache'));
  test('compliant: enabled behind default Deny with the AzureServices bypass', () => {
    expect(check({ ...compliant.storage(), public_network_access_enabled: true })).toEqual([]);
  });
  test('non-compliant: public network access disabled (the exception is then ignored)', () => {
    expect(check(compliant.storage())).toEqual(['fail']);
  });
  test('non-compliant: no AzureServices bypass', () => {
    expect(check({ ...compliant.storage(), public_network_access_enabled: true, network_rules: { default_action: 'Deny', bypass: ['None'] } })).toEqual(['fail']);
  });
  test('not applicable: an account no vault writes to', () => {
    expect(kinds(run(cacheStorageTrustedServices, stack({ azurerm_storage_account: { other: compliant.storage() } }), 'azurerm_storage_account.other'))).toEqual([]);
  });
});

describe('HN-014 no conflicting or nested privatelink zone', () => {
  const zones = (...names: string[]) => stack({ azurerm_private_dns_zone: Object.fromEntries(names.map((n, i) => [`z${i}`, { name: n }])) });
  test('compliant: privatelink.azurecr.io alone', () => {
    expect(run(noConflictingPrivateZones, zones('privatelink.azurecr.io', 'privatelink.vaultcore.azure.net'), 'azurerm_private_dns_zone.z0')).toEqual([]);
  });
  test('non-compliant: the regional ACR data zone', () => {
    const problems = run(noConflictingPrivateZones, zones('privatelink.azurecr.io', 'westeurope.data.privatelink.azurecr.io'), 'azurerm_private_dns_zone.z1');
    expect(kinds(problems)).toEqual(['fail']);
    expect(problems[0]!.message).toMatch(/image pulls fail/);
  });
  test('non-compliant: any zone nested inside another privatelink zone', () => {
    expect(run(noConflictingPrivateZones, zones('privatelink.blob.core.windows.net', 'x.privatelink.blob.core.windows.net'), 'azurerm_private_dns_zone.z1')[0]!.message).toMatch(/nests inside privatelink\.blob\.core\.windows\.net/);
  });
});

describe('HN-015 the endpoint subnet NSG allows 443 from on-premises', () => {
  const env = (rules: Config[]) =>
    stack({
      azurerm_local_network_gateway: { site: { address_space: ['192.168.0.0/16'] } },
      azurerm_subnet: { pe: { name: 'snet-pe', virtual_network_name: 'vnet-hub' } },
      azurerm_network_security_group: { pe: { name: 'nsg-pe', security_rule: rules } },
      azurerm_subnet_network_security_group_association: { pe: { subnet_id: '${azurerm_subnet.pe.id}', network_security_group_id: '${azurerm_network_security_group.pe.id}' } },
      azurerm_private_endpoint: { kv: { subnet_id: '${azurerm_subnet.pe.id}', ip_configuration: [{ name: 'ip', private_ip_address: '10.10.1.254' }] } },
    });
  const rule = (name: string, priority: number, access: string, source: string, port: string): Config => ({
    name, priority, access, direction: 'Inbound', protocol: 'Tcp', source_address_prefix: source, source_port_range: '*', destination_address_prefix: '*', destination_port_range: port,
  });
  const denyAll = rule('DenyAllInbound', 4096, 'Deny', '*', '*');
  const check = (rules: Config[]) => kinds(run(privateEndpointHttpsFromOnPremises, env(rules), 'azurerm_private_endpoint.kv'));
  test('compliant: 443 allowed from the on-premises prefix before the deny-all', () => {
    expect(check([rule('AllowHttpsFromOnPremisesClients', 220, 'Allow', '192.168.0.0/16', '443'), denyAll])).toEqual([]);
  });
  test('non-compliant: only Azure VNets allowed, then deny-all (the old NSG)', () => {
    expect(check([rule('AllowHttpsFromAzureVnets', 200, 'Allow', '10.0.0.0/8', '443'), denyAll])).toEqual(['fail']);
  });
});

describe('HN-016 gateway transit is reverted on destroy and kept by a replaced peering', () => {
  const { gatewayTransitLifecycle } = require('../../policy/rules/apply-safety');
  const api = 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings@2024-05-01';
  const env = (opts: { revert: boolean; ignore: boolean }) =>
    stack({
      azurerm_virtual_network_peering: { h2s: { name: 'p', allow_gateway_transit: false, ...(opts.ignore ? { lifecycle: { ignore_changes: ['allow_gateway_transit', 'use_remote_gateways'] } } : {}) } },
      azapi_update_resource: { on: { type: api, resource_id: '${azurerm_virtual_network_peering.h2s.id}', body: { properties: { allowGatewayTransit: true } } } },
      ...(opts.revert ? { azapi_resource_action: { off: { type: api, resource_id: '${azurerm_virtual_network_peering.h2s.id}', method: 'PUT', when: 'destroy', body: { properties: { allowGatewayTransit: false } } } } } : {}),
    });
  const check = (opts: { revert: boolean; ignore: boolean }) => run(gatewayTransitLifecycle, env(opts), 'azapi_update_resource.on').map((p) => p.message);
  test('compliant: a destroy-time revert and a peering that owns its flag', () => expect(check({ revert: true, ignore: false })).toEqual([]));
  test('non-compliant: no revert (the old vpn stack)', () => expect(check({ revert: false, ignore: false })).toEqual([expect.stringMatching(/nothing sets it back to false/)]));
  test('non-compliant: the peering ignores its transit flag (the old network stack)', () => expect(check({ revert: true, ignore: true })).toEqual([expect.stringMatching(/comes back without transit/)]));
});

describe('HN-017 an AzureBackup endpoint comes with its roles and zones', () => {
  const { backupPrivateEndpointPrerequisites } = require('../../policy/rules/apply-safety');
  const env = (opts: { roles: string[]; zones: string[] }) =>
    stack({
      azurerm_recovery_services_vault: { bkp: compliant.recoveryVault() },
      azurerm_private_dns_zone: Object.fromEntries(opts.zones.map((z, i) => [`z${i}`, { name: z }])),
      azurerm_role_assignment: Object.fromEntries(opts.roles.map((role, i) => [`r${i}`, { scope: '/x', role_definition_name: role, principal_id: '${azurerm_recovery_services_vault.bkp.identity[0].principal_id}' }])),
      azurerm_private_endpoint: { bkp: { private_service_connection: { name: 'psc', private_connection_resource_id: '${azurerm_recovery_services_vault.bkp.id}', subresource_names: ['AzureBackup'] } } },
    });
  const check = (opts: { roles: string[]; zones: string[] }) => run(backupPrivateEndpointPrerequisites, env(opts), 'azurerm_private_endpoint.bkp').map((p) => p.message);
  const zones = ['privatelink.we.backup.windowsazure.com', 'privatelink.blob.core.windows.net', 'privatelink.queue.core.windows.net'];
  test('compliant: both roles and both zones', () => expect(check({ roles: ['Network Contributor', 'Private DNS Zone Contributor'], zones })).toEqual([]));
  test('non-compliant: no roles, no queue zone (the old services stack)', () => {
    expect(check({ roles: [], zones: zones.slice(0, 2) })).toEqual([
      expect.stringMatching(/no 'Network Contributor' role/),
      expect.stringMatching(/no 'Private DNS Zone Contributor' role/),
      expect.stringMatching(/no privatelink\.queue\.core\.windows\.net zone/),
    ]);
  });
});
