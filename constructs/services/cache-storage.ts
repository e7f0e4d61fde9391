import { Construct } from 'constructs';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account';

export interface ReplicationCacheStorageProps {
  readonly name: string;
  readonly resourceGroupName: string;
  readonly location: string;
  /** @default 'LRS' */
  readonly replication?: 'LRS' | 'ZRS';
  /** Managed identity of the Recovery Services vault that writes replication data here. */
  readonly vaultPrincipalId: string;
  readonly tags?: Record<string, string>;
}

/** Roles ASR needs on a Standard cache account (Site Recovery private endpoint article). */
export const CACHE_STORAGE_ROLES = ['Contributor', 'Storage Blob Data Contributor'] as const;

/**
 * The Site Recovery cache storage account: StorageV2 (private endpoints need GPv2), no public network access,
 * no shared keys, TLS 1.2, no public blobs, trusted Microsoft services allowed (ASR writes through that
 * exception), and the vault identity's roles. Without its private endpoint the process server silently
 * uploads over the internet: the endpoint is created with it, by the services stack.
 */
export class ReplicationCacheStorage extends Construct {
  readonly account: StorageAccount;
  readonly roleAssignments: RoleAssignment[];

  constructor(scope: Construct, id: string, props: ReplicationCacheStorageProps) {
    super(scope, id);
    this.account = new StorageAccount(this, 'account', {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      accountKind: 'StorageV2',
      accountTier: 'Standard',
      accountReplicationType: props.replication ?? 'LRS',
      publicNetworkAccessEnabled: false,
      sharedAccessKeyEnabled: false,
      defaultToOauthAuthentication: true,
      minTlsVersion: 'TLS1_2',
      httpsTrafficOnlyEnabled: true,
      allowNestedItemsToBePublic: false,
      crossTenantReplicationEnabled: false,
      networkRules: { defaultAction: 'Deny', bypass: ['AzureServices'] },
      tags: props.tags,
    });
    this.roleAssignments = CACHE_STORAGE_ROLES.map(
      (role) =>
        new RoleAssignment(this, `vault-${role.toLowerCase().replace(/ /g, '-')}`, {
          scope: this.account.id,
          roleDefinitionName: role,
          principalId: props.vaultPrincipalId,
          principalType: 'ServicePrincipal',
          description: 'Site Recovery vault identity writes replication data to its cache account.',
        }),
    );
  }
}
