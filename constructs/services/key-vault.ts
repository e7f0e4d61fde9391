import { Construct } from 'constructs';
import { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';

export interface PrivateKeyVaultProps {
  readonly name: string;
  readonly resourceGroupName: string;
  readonly location: string;
  readonly tenantId: string;
  /** @default 'standard' */
  readonly sku?: 'standard' | 'premium';
  /** 7-90 days. @default 90 */
  readonly softDeleteRetentionDays?: number;
  /**
   * Principal (object id) that writes the generated secrets: the identity running the deployment. It gets
   * `Key Vault Secrets Officer` on this vault only.
   */
  readonly secretsOfficerPrincipalId: string;
  readonly tags?: Record<string, string>;
}

/**
 * Key Vault reachable only through its private endpoint: RBAC authorization (no access policies), purge
 * protection, public network access off and a default-deny network ACL (trusted Azure services may bypass).
 * The deploying identity must run where the endpoint resolves (the hub agents), or secret writes fail.
 */
export class PrivateKeyVault extends Construct {
  readonly vault: KeyVault;
  readonly secretsOfficer: RoleAssignment;

  constructor(scope: Construct, id: string, props: PrivateKeyVaultProps) {
    super(scope, id);
    const retention = props.softDeleteRetentionDays ?? 90;
    if (!Number.isInteger(retention) || retention < 7 || retention > 90) throw new Error(`${this.node.path}: softDeleteRetentionDays ${retention}; allowed: 7-90`);
    this.vault = new KeyVault(this, 'vault', {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      tenantId: props.tenantId,
      skuName: props.sku ?? 'standard',
      rbacAuthorizationEnabled: true,
      purgeProtectionEnabled: true,
      softDeleteRetentionDays: retention,
      publicNetworkAccessEnabled: false,
      networkAcls: { defaultAction: 'Deny', bypass: 'AzureServices' },
      tags: props.tags,
    });
    this.secretsOfficer = new RoleAssignment(this, 'secrets-officer', {
      scope: this.vault.id,
      roleDefinitionName: 'Key Vault Secrets Officer',
      principalId: props.secretsOfficerPrincipalId,
      description: 'The deployment identity writes the generated secrets (PostgreSQL admin password, VPN shared key).',
    });
  }
}
