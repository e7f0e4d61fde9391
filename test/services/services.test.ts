/** `<env>-services`: each service private, each private endpoint with its one zone group, sizes from configuration. */
import { Testing, TerraformStack } from 'cdktf';
import { ServicePrivateEndpoint } from '../../constructs/services/private-endpoint';
import { resources, synthesize, testConfig, values } from '../dns/fixtures';

const dev = synthesize(testConfig('dev'));
const prod = synthesize(testConfig('prod'));
const one = (s: any, type: string) => {
  const all = values(s.services, type);
  expect(all).toHaveLength(1);
  return all[0];
};
const endpoint = (s: any, subresource: string) => values(s.services, 'azurerm_private_endpoint').find((p) => p.private_service_connection.subresource_names[0] === subresource);
/** The zone name a `${azurerm_private_dns_zone.<id>.id}` reference in the services stack points to (cdktf resolves it across stacks). */
const zoneName = (s: any, ref: string) => {
  const id = /azurerm_private_dns_zone\.([^.]+)\.id/.exec(ref)![1]!;
  return resources(s.network, 'azurerm_private_dns_zone')[id].name;
};

it('keeps the azurerm provider off the storage data plane (the cache account is reachable only through its blob endpoint)', () => {
  const [provider] = dev.services.provider.azurerm;
  expect(provider.features).toEqual([expect.objectContaining({ storage: [{ data_plane_available: false }] })]);
  expect(provider.features[0].resource_group).toBeDefined(); // the base stack's features are kept
});

describe('Key Vault', () => {
  it('uses RBAC, purge protection, no public access and a default-deny ACL', () => {
    expect(values(dev.services, 'azurerm_key_vault')).toEqual([]); // it lives in <env>-keyvault
    const vaults = values(dev.keyvault, 'azurerm_key_vault');
    expect(vaults).toHaveLength(1);
    expect(vaults[0]).toMatchObject({
      name: 'kv-hyb-dev-d7k2', rbac_authorization_enabled: true, purge_protection_enabled: true, public_network_access_enabled: false,
      network_acls: { default_action: 'Deny', bypass: 'AzureServices' },
    });
  });
});

describe('Site Recovery', () => {
  it('has a private vault with a system-assigned identity and its AzureSiteRecovery endpoint', () => {
    expect(one(dev, 'azurerm_recovery_services_vault')).toMatchObject({ identity: { type: 'SystemAssigned' }, public_network_access_enabled: false, classic_vmware_replication_enabled: false });
    expect(zoneName(dev, endpoint(dev, 'AzureSiteRecovery').private_dns_zone_group.private_dns_zone_ids[0])).toBe('privatelink.siterecovery.windowsazure.com');
  });

  it('(d) gives the cache storage account its blob private endpoint and the vault identity its roles', () => {
    const account = one(dev, 'azurerm_storage_account');
    expect(account).toMatchObject({
      // Enabled behind a default-Deny firewall: Disabled would also switch off the trusted-services path ASR writes through.
      account_kind: 'StorageV2', public_network_access_enabled: true, shared_access_key_enabled: false, min_tls_version: 'TLS1_2', allow_nested_items_to_be_public: false,
      network_rules: { default_action: 'Deny', bypass: ['AzureServices'], ip_rules: [], virtual_network_subnet_ids: [] },
    });
    const blob = endpoint(dev, 'blob');
    expect(blob.private_service_connection.private_connection_resource_id).toMatch(/azurerm_storage_account\./);
    expect(zoneName(dev, blob.private_dns_zone_group.private_dns_zone_ids[0])).toBe('privatelink.blob.core.windows.net');
    const roles = values(dev.services, 'azurerm_role_assignment').filter((r) => String(r.scope).includes('azurerm_storage_account'));
    expect(roles.map((r) => r.role_definition_name).sort()).toEqual(['Contributor', 'Storage Blob Data Contributor']);
    for (const r of roles) expect(r.principal_id).toMatch(/azurerm_recovery_services_vault\..*\.identity\[0\]\.principal_id|identity\.0\.principal_id/);
  });

  it('sizes the endpoint subnet for the 5 addresses of the ASR endpoint (and Backup 10) or refuses', () => {
    const { problemsAfter, errors } = require('../dns/fixtures');
    const found = errors(problemsAfter((env: any) => { env.network.hub.subnets.privateEndpoints = '10.100.1.0/28'; }, 'prod'), 'network.hub.subnets.privateEndpoints');
    expect(found[0].message).toMatch(/siteRecovery 5.*backup 10/);
  });
});

describe('PostgreSQL Flexible Server', () => {
  it('is private, enforces TLS and takes its password from the random provider into Key Vault', () => {
    const server = one(dev, 'azurerm_postgresql_flexible_server');
    expect(server).toMatchObject({ name: 'psql-hyb-dev-d7k2', public_network_access_enabled: false, sku_name: 'B_Standard_B1ms', backup_retention_days: 7 });
    expect(server.high_availability).toBeUndefined();
    expect(server.administrator_password).toMatch(/^\$\{random_password\..*\.result\}$/);
    const params = Object.fromEntries(values(dev.services, 'azurerm_postgresql_flexible_server_configuration').map((c) => [c.name, c.value]));
    expect(params.require_secure_transport).toBe('on');
    const secret = values(dev.services, 'azurerm_key_vault_secret').find((s) => s.name === 'psql-hyb-dev-d7k2-admin-password');
    expect(secret.value).toBe(server.administrator_password);
    // The vault comes from <env>-keyvault, which has already waited for the deployer's role to propagate.
    expect(secret.key_vault_id).toMatch(/cross-stack-reference-input-dev-keyvault|^\$\{azurerm_key_vault\.key-vault_/); // resolved across stacks in keyvault-stack.test.ts
    expect(zoneName(dev, endpoint(dev, 'postgresqlServer').private_dns_zone_group.private_dns_zone_ids[0])).toBe('privatelink.postgres.database.azure.com');
  });

  it('is zone-redundant with long backups in prod (from configuration)', () => {
    expect(one(prod, 'azurerm_postgresql_flexible_server')).toMatchObject({
      sku_name: 'GP_Standard_D2ds_v5', high_availability: { mode: 'ZoneRedundant', standby_availability_zone: '2' }, zone: '1', backup_retention_days: 35, geo_redundant_backup_enabled: true, storage_mb: 131072,
    });
  });
});

describe('container registry', () => {
  it('is Premium, private, without admin user; its endpoint writes registry and data records into privatelink.azurecr.io only', () => {
    expect(one(dev, 'azurerm_container_registry')).toMatchObject({ sku: 'Premium', admin_enabled: false, public_network_access_enabled: false, data_endpoint_enabled: true });
    const pe = endpoint(dev, 'registry');
    expect(pe.private_dns_zone_group.private_dns_zone_ids.map((id: string) => zoneName(dev, id))).toEqual(['privatelink.azurecr.io']);
    expect(pe.ip_configuration.map((c: any) => c.member_name)).toEqual(['registry', 'registry_data_westeurope']);
  });

  it('is absent when not configured', () => {
    const s = synthesize(testConfig('dev', (env) => { delete env.services.registry; }));
    expect(values(s.services, 'azurerm_container_registry')).toEqual([]);
    expect(endpoint(s, 'registry')).toBeUndefined();
  });
});

/** The zone(s) each kind of endpoint must register in (Azure's private endpoint DNS table, westeurope). */
const ZONES_BY_SUBRESOURCE: Record<string, string[]> = {
  vault: ['privatelink.vaultcore.azure.net'],
  AzureSiteRecovery: ['privatelink.siterecovery.windowsazure.com'],
  blob: ['privatelink.blob.core.windows.net'],
  AzureBackup: ['privatelink.we.backup.windowsazure.com'],
  postgresqlServer: ['privatelink.postgres.database.azure.com'],
  registry: ['privatelink.azurecr.io'],
};

describe('every private endpoint', () => {
  it.each([['dev'], ['prod']])('%s: has exactly one zone group holding the right zone(s) of the network stack', (name) => {
    const s = name === 'dev' ? dev : prod;
    const pes = values(s.services, 'azurerm_private_endpoint');
    expect(pes.length).toBe(name === 'dev' ? 4 : 5); // + the vault's endpoint in <env>-keyvault
    for (const pe of pes) {
      expect(pe.private_dns_zone_group).toEqual({ name: 'default', private_dns_zone_ids: expect.any(Array) });
      const expected = ZONES_BY_SUBRESOURCE[pe.private_service_connection.subresource_names[0]];
      expect(pe.private_dns_zone_group.private_dns_zone_ids.map((id: string) => zoneName(s, id))).toEqual(expected);
      expect(pe.subnet_id).toMatch(/subnet-privateEndpoints/);
    }
  });

  it('refuses an endpoint without a zone (no A record would be written)', () => {
    const stack = new TerraformStack(Testing.app(), 'guard');
    expect(() => new ServicePrivateEndpoint(stack, 'pe', { name: 'pe', resourceGroupName: 'rg', location: 'westeurope', subnetId: 's', resourceId: 'r', subresource: 'vault', privateDnsZoneIds: [] })).toThrow(/1-5/);
  });
});

describe('VPN shared key', () => {
  it('is kept in Key Vault when passed in, in the vault of <env>-keyvault (role propagated, endpoint in place)', () => {
    const secret = values(dev.services, 'azurerm_key_vault_secret').find((s) => s.name === 'vpn-shared-key');
    expect(secret.value).toMatch(/shared-key/);
    expect(secret.key_vault_id).toMatch(/cross-stack-reference-input-dev-keyvault|^\$\{azurerm_key_vault\.key-vault_/); // resolved across stacks in keyvault-stack.test.ts
  });
});

describe('Backup over private endpoints', () => {
  it("gives the Backup vault's identity the roles it needs to create its blob/queue endpoints and records", () => {
    const roles = values(prod.services, 'azurerm_role_assignment').filter((r) => String(r.principal_id).includes('backup-vault'));
    expect(roles.map((r) => r.role_definition_name).sort()).toEqual(['Network Contributor', 'Private DNS Zone Contributor']);
    const byRole = Object.fromEntries(roles.map((r) => [r.role_definition_name, r]));
    expect(byRole['Network Contributor'].scope).toMatch(/azurerm_virtual_network\.hub_vnet/);
    expect(byRole['Private DNS Zone Contributor'].scope).toMatch(/azurerm_resource_group\.resource-group\.id/);
    for (const r of roles) expect(r.principal_type).toBe('ServicePrincipal');
  });
});
