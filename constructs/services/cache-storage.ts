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
 * The Site Recovery cache storage account: StorageV2 (private endpoints need GPv2), no shared keys, TLS 1.2, no
 * public blobs, and the vault identity's roles. Its public endpoint is closed by the firewall, not switched off:
 * public network access "Enabled from selected networks" with no network or IP allowed (default action Deny) and the
 * trusted-Microsoft-services bypass. Site Recovery reaches the account through that exception (ASR "replicate with
 * private endpoints": allow trusted Microsoft services on the cache account), and Azure Storage does not evaluate
 * exceptions when public network access is Disabled (Storage firewall docs, "Exceptions"), so `false` here makes
 * replication fail. Without its private endpoint the process server silently uploads over the internet: the
 * endpoint is created with it, by the services stack. Policy: AZ-STG-003 accepts this closed-by-firewall form,
 * HN-013 requires it for every account a Recovery Services vault writes to.
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
      // See the class comment: Disabled would also disable the trusted-services exception ASR uses.
      publicNetworkAccessEnabled: true,
      sharedAccessKeyEnabled: false,
      defaultToOauthAuthentication: true,
      minTlsVersion: 'TLS1_2',
      httpsTrafficOnlyEnabled: true,
      allowNestedItemsToBePublic: false,
      crossTenantReplicationEnabled: false,
      networkRules: { defaultAction: 'Deny', bypass: ['AzureServices'], ipRules: [], virtualNetworkSubnetIds: [] },
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
