import { z } from 'zod';
import { expectedChurnSchema } from './churn';
import { cidr, ipv4 } from './common';

/**
 * The PaaS services of `<env>-services`, each reached only through a private endpoint in the hub. Which
 * services exist is configuration: omit `siteRecovery`, `backup`, `postgres` or `registry` to leave it out
 * (Key Vault always exists: it holds the generated secrets). Cross-field rules (names, address ranges, HA on a
 * burstable SKU, private endpoint IP budget) are in config/validate/services.ts.
 */

const vnetRef = z.string().regex(/^[a-z][a-z0-9]{1,15}$/, { error: 'VNet references are "hub" or a spoke name' });

/** Sizes Azure accepts for a Flexible Server, in MiB (azurerm `storage_mb`). */
export const POSTGRES_STORAGE_MB = [32768, 65536, 131072, 262144, 524288, 1048576, 2097152, 4193280, 4194304, 8388608, 16777216, 33553408] as const;

export const siteRecoverySchema = z.strictObject({
  /** The replication appliance / process server: on-premises, or in the hub `agents` subnet (scale-out process server). */
  processServer: ipv4,
  /** On-premises ranges of the machines to replicate (Mobility service); inside `onPremises.addressPrefixes`. */
  sourceRanges: z.array(cidr).min(1),
  /** TCP port of the process server's data channel (configurable on the appliance). @default 9443 */
  dataPort: z.number().int().min(1).max(65535).default(9443),
  /** Multi-VM consistency groups: replicating machines talk to each other on TCP 20004. @default false */
  multiVmConsistency: z.boolean().default(false),
  /** Modernized VMware replication / Azure Migrate discovery: adds `privatelink.prod.migration.windowsazure.com`. @default true */
  azureMigrate: z.boolean().default(true),
  /** Replication of the cache storage account (the process server uploads here before Azure applies it). @default 'LRS' */
  cacheReplication: z.enum(['LRS', 'ZRS']).default('LRS'),
  /** Vault storage redundancy. @default 'GeoRedundant' */
  vaultStorage: z.enum(['GeoRedundant', 'ZoneRedundant', 'LocallyRedundant']).default('GeoRedundant'),
  /** Expected replication load (measured with `npm run churn`), checked against the process server and cache account. Omit to skip. */
  expectedChurn: expectedChurnSchema.optional(),
});

export const postgresSchema = z.strictObject({
  /** Major version. @default '16' */
  version: z.enum(['14', '15', '16', '17']).default('16'),
  /** Compute SKU, `<tier>_Standard_<size>`; high availability needs GeneralPurpose (GP_) or MemoryOptimized (MO_). @default 'B_Standard_B1ms' */
  sku: z.string().regex(/^(B|GP|MO)_Standard_[A-Za-z0-9_]+$/, { error: 'PostgreSQL SKUs look like B_Standard_B1ms, GP_Standard_D2ds_v5 or MO_Standard_E2ds_v5' }).default('B_Standard_B1ms'),
  /** Storage in MiB. @default 32768 */
  storageMb: z
    .number()
    .int()
    .refine((v) => (POSTGRES_STORAGE_MB as readonly number[]).includes(v), { error: `storageMb must be one of ${POSTGRES_STORAGE_MB.join(', ')}` })
    .default(32768),
  /** `ZoneRedundant` keeps a standby in another zone; `Disabled` for dev. @default 'Disabled' */
  highAvailability: z.enum(['Disabled', 'ZoneRedundant', 'SameZone']).default('Disabled'),
  /** Zone of the primary. @default '1' */
  zone: z.enum(['1', '2', '3']).default('1'),
  /** Zone of the standby (ZoneRedundant only). @default '2' */
  standbyZone: z.enum(['1', '2', '3']).default('2'),
  /** Point-in-time restore window, 7-35 days (Azure's range). @default 7 */
  backupRetentionDays: z.number().int().min(7).max(35).default(7),
  /** Geo-redundant backups (fixed at creation). @default false */
  geoRedundantBackup: z.boolean().default(false),
  /** Administrator login (the password is generated and stored in Key Vault). @default 'pgadmin' */
  administratorLogin: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,62}$/, { error: 'administrator logins are lower-case letters, digits and _ starting with a letter' })
    .refine((v) => !['admin', 'administrator', 'root', 'azure_superuser', 'azure_pg_admin', 'guest', 'public'].includes(v) && !v.startsWith('pg_'), {
      error: 'Azure rejects reserved administrator logins (admin, administrator, root, azure_superuser, azure_pg_admin, guest, public, pg_*)',
    })
    .default('pgadmin'),
  /** Databases to create. @default ['caseassign'] */
  databases: z.array(z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, { error: 'database names are lower-case letters, digits and _' })).min(1).default(['caseassign']),
  /** VNets whose machines connect on TCP 5432 (NSG allow on the private endpoint subnet). @default ['cluster'] */
  clients: z.array(vnetRef).default(['cluster']),
});

export const registrySchema = z.strictObject({
  /** Zone-redundant registry (Premium). @default true */
  zoneRedundancy: z.boolean().default(true),
});

export const servicesSchema = z
  .strictObject({
    /**
     * Short stable suffix that makes the globally unique names (Key Vault, storage account, registry,
     * PostgreSQL server) unique: choose it once per environment; changing it replaces those resources.
     */
    nameSuffix: z.string().regex(/^[a-z0-9]{3,6}$/, { error: 'nameSuffix is 3-6 lower-case letters or digits' }),
    keyVault: z
      .strictObject({
        /** @default 'standard' */
        sku: z.enum(['standard', 'premium']).default('standard'),
        /** Soft-delete retention, 7-90 days; purge protection is always on. @default 90 */
        softDeleteRetentionDays: z.number().int().min(7).max(90).default(90),
      })
      .prefault({}),
    /** Azure Site Recovery / Migrate: vault, cache storage account, their private endpoints and port rules. Omit to disable. */
    siteRecovery: siteRecoverySchema.optional(),
    /** Azure Backup vault with its private endpoint (zone `privatelink.<regionCode>.backup.windowsazure.com`). Omit to disable. */
    backup: z.strictObject({}).optional(),
    /** PostgreSQL Flexible Server for the case-assignment tool. Omit to disable. */
    postgres: postgresSchema.optional(),
    /** Premium container registry with a private endpoint. Omit to disable. */
    registry: registrySchema.optional(),
    /**
     * On-premises ranges allowed to reach the private endpoints on TCP 443. Empty means every `onPremises.addressPrefixes`
     * range (the documented client path: resolve through the resolver, then HTTPS over the tunnel); list narrower
     * ranges to restrict it. @default []
     */
    onPremisesHttpsClients: z.array(cidr).default([]),
  });

export type ServicesConfig = z.infer<typeof servicesSchema>;
export type SiteRecoveryConfig = z.infer<typeof siteRecoverySchema>;
export type PostgresConfig = z.infer<typeof postgresSchema>;
