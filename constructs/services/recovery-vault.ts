import { Construct } from 'constructs';
import { RecoveryServicesVault } from '@cdktf/provider-azurerm/lib/recovery-services-vault';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';

export interface PrivateRecoveryVaultProps {
  readonly name: string;
  readonly resourceGroupName: string;
  readonly location: string;
  /** @default 'GeoRedundant' */
  readonly storageModeType?: 'GeoRedundant' | 'ZoneRedundant' | 'LocallyRedundant';
  /** Roles the vault's managed identity needs outside the vault (e.g. BACKUP_PRIVATE_ENDPOINT_ROLES). @default none */
  readonly identityRoles?: ReadonlyArray<{ readonly role: string; readonly scope: string; readonly description: string }>;
  readonly tags?: Record<string, string>;
}

/**
 * What Azure Backup's private endpoints (v1 experience) need from the vault's managed identity: it creates the blob and
 * queue private endpoints of Backup's own storage in the endpoint VNet and writes their records into the privatelink
 * zones ("Create and use private endpoints for Azure Backup", role-based access). Without them backups over private
 * endpoints fail.
 */
export const BACKUP_PRIVATE_ENDPOINT_ROLES = {
  vnet: 'Network Contributor',
  dnsZones: 'Private DNS Zone Contributor',
} as const;

/**
 * Recovery Services vault for Site Recovery / Migrate or Backup, private only: system-assigned identity (ASR
 * uses it on the cache storage account), public network access off, soft delete on, classic VMware
 * replication off (the modernized appliance is the supported path). Private endpoints can only be added to a
 * vault with no registered items: create them with the vault, before anything replicates.
 */
export class PrivateRecoveryVault extends Construct {
  readonly vault: RecoveryServicesVault;
  readonly roleAssignments: RoleAssignment[];

  constructor(scope: Construct, id: string, props: PrivateRecoveryVaultProps) {
    super(scope, id);
    this.vault = new RecoveryServicesVault(this, 'vault', {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      sku: 'Standard',
      identity: { type: 'SystemAssigned' },
      publicNetworkAccessEnabled: false,
      softDeleteEnabled: true,
      storageModeType: props.storageModeType ?? 'GeoRedundant',
      classicVmwareReplicationEnabled: false,
      tags: props.tags,
    });
    this.roleAssignments = (props.identityRoles ?? []).map(
      (r) =>
        new RoleAssignment(this, `identity-${r.role.toLowerCase().replace(/ /g, '-')}`, {
          scope: r.scope,
          roleDefinitionName: r.role,
          principalId: this.principalId,
          // A new system-assigned identity: skip the directory lookup that fails until it has replicated.
          principalType: 'ServicePrincipal',
          description: r.description,
        }),
    );
  }

  /** Object id of the vault's managed identity. */
  get principalId(): string {
    return this.vault.identity.principalId;
  }
}
