import { Construct } from 'constructs';
import { RecoveryServicesVault } from '@cdktf/provider-azurerm/lib/recovery-services-vault';

export interface PrivateRecoveryVaultProps {
  readonly name: string;
  readonly resourceGroupName: string;
  readonly location: string;
  /** @default 'GeoRedundant' */
  readonly storageModeType?: 'GeoRedundant' | 'ZoneRedundant' | 'LocallyRedundant';
  readonly tags?: Record<string, string>;
}

/**
 * Recovery Services vault for Site Recovery / Migrate or Backup, private only: system-assigned identity (ASR
 * uses it on the cache storage account), public network access off, soft delete on, classic VMware
 * replication off (the modernized appliance is the supported path). Private endpoints can only be added to a
 * vault with no registered items: create them with the vault, before anything replicates.
 */
export class PrivateRecoveryVault extends Construct {
  readonly vault: RecoveryServicesVault;

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
  }

  /** Object id of the vault's managed identity. */
  get principalId(): string {
    return this.vault.identity.principalId;
  }
}
