import type { EnvironmentConfig, SUPPORTED_LOCATIONS } from './schema';

/**
 * The privatelink DNS zones this stack can create, with the exact names Azure requires and the public zones
 * on-premises DNS must conditionally forward to the resolver inbound endpoint. Source: "Azure Private Endpoint
 * private DNS zone values" (learn.microsoft.com/azure/private-link/private-endpoint-dns) and the ASR / Migrate
 * private endpoint articles, summarized in shared/reference/azure-hybrid-network.md section 3.
 */

export type PrivateZoneKey = 'keyVault' | 'blob' | 'queue' | 'siteRecovery' | 'migrate' | 'backup' | 'postgres' | 'registry';

export interface PrivateZoneSpec {
  /** Stable key: part of construct ids (Terraform addresses) and of the zone id outputs. */
  readonly key: PrivateZoneKey;
  /** The private DNS zone name (records are only created automatically under these exact names). */
  readonly name: string;
  /** Public zones on-premises DNS forwards to the resolver inbound endpoint so that the CNAME chain ends here. */
  readonly forwarders: ReadonlyArray<string>;
  /** Which service uses it. */
  readonly purpose: string;
}

type Location = (typeof SUPPORTED_LOCATIONS)[number];

/**
 * Azure Backup geo codes used in `privatelink.<code>.backup.windowsazure.com` (the code, not the region name).
 * Reviewed for every entry of SUPPORTED_LOCATIONS: the Record type makes a missing region a compile error.
 */
export const BACKUP_REGION_CODES: Readonly<Record<Location, string>> = {
  westeurope: 'we',
  northeurope: 'ne',
  swedencentral: 'sdc',
  germanywestcentral: 'gwc',
  francecentral: 'frc',
  uksouth: 'uks',
  eastus: 'eus',
  eastus2: 'eus2',
  westus2: 'wus2',
  westus3: 'wus3',
  centralus: 'cus',
  southeastasia: 'sea',
  eastasia: 'ea',
  australiaeast: 'ae',
  japaneast: 'jpe',
};

/** Every zone the given configuration needs, in a stable order. Key Vault always exists (it holds the secrets). */
export function privateZones(config: Pick<EnvironmentConfig, 'location' | 'services'>): PrivateZoneSpec[] {
  const s = config.services;
  const zones: PrivateZoneSpec[] = [
    { key: 'keyVault', name: 'privatelink.vaultcore.azure.net', forwarders: ['vault.azure.net', 'vaultcore.azure.net'], purpose: 'Key Vault (vault)' },
  ];
  if (s.siteRecovery) {
    zones.push(
      { key: 'siteRecovery', name: 'privatelink.siterecovery.windowsazure.com', forwarders: ['siterecovery.windowsazure.com'], purpose: 'Site Recovery vault (AzureSiteRecovery)' },
      { key: 'blob', name: 'privatelink.blob.core.windows.net', forwarders: ['blob.core.windows.net'], purpose: 'replication cache storage account (blob)' },
    );
    if (s.siteRecovery.azureMigrate) {
      zones.push({ key: 'migrate', name: 'privatelink.prod.migration.windowsazure.com', forwarders: ['prod.migration.windowsazure.com'], purpose: 'Azure Migrate / modernized VMware discovery (Default)' });
    }
  }
  if (s.backup) {
    const code = BACKUP_REGION_CODES[config.location];
    zones.push({ key: 'backup', name: `privatelink.${code}.backup.windowsazure.com`, forwarders: [`${code}.backup.windowsazure.com`], purpose: 'Backup vault (AzureBackup)' });
    // Backup private endpoints (v1 experience) also get blob and queue endpoints on Azure Backup's own storage, created
    // by the vault's managed identity, whose records go to these zones ("Private endpoints for Azure Backup", DNS).
    if (!zones.some((z) => z.key === 'blob')) zones.push({ key: 'blob', name: 'privatelink.blob.core.windows.net', forwarders: ['blob.core.windows.net'], purpose: 'Azure Backup storage (blob endpoint created by the vault)' });
    zones.push({ key: 'queue', name: 'privatelink.queue.core.windows.net', forwarders: ['queue.core.windows.net'], purpose: 'Azure Backup storage (queue endpoint created by the vault)' });
  }
  if (s.postgres) {
    zones.push({ key: 'postgres', name: 'privatelink.postgres.database.azure.com', forwarders: ['postgres.database.azure.com'], purpose: 'PostgreSQL Flexible Server (postgresqlServer)' });
  }
  if (s.registry) {
    // One zone for the registry and its data endpoints: the endpoint writes `<registry>.<region>.data` into
    // privatelink.azurecr.io. A separate `<region>.data.privatelink.azurecr.io` zone would shadow those records and
    // break image pulls (NXDOMAIN); Azure's landing-zone private DNS module removed it for that reason
    // (Azure/terraform-azurerm-avm-ptn-network-private-link-private-dns-zones#96). See
    // CONFLICTING_ZONES below and policy rule HN-014.
    zones.push({ key: 'registry', name: 'privatelink.azurecr.io', forwarders: ['azurecr.io'], purpose: 'container registry and its data endpoints (registry)' });
  }
  return zones;
}

/** The distinct public forwarder zones, in zone order. */
export function forwarderZones(zones: ReadonlyArray<PrivateZoneSpec>): string[] {
  return [...new Set(zones.flatMap((z) => z.forwarders))];
}

/**
 * Zone names the private-link DNS guidance marks as conflicting: a zone nested inside another privatelink zone takes
 * the names below it away from the parent, where the endpoint's zone group writes them. Checked by policy rule HN-014
 * on the synthesized zones (which also refuses any zone nested inside another privatelink zone).
 */
export const CONFLICTING_ZONES: ReadonlyArray<{ readonly pattern: RegExp; readonly why: string }> = [
  { pattern: /^[a-z0-9]+\.data\.privatelink\.azurecr\.io$/, why: 'registry data endpoint records are written to privatelink.azurecr.io; a regional data zone shadows them and image pulls fail' },
];
