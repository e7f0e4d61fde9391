import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { privateEndpoints } from '../config/dns-plan';
import { serviceNames } from '../config/service-names';
import { PrivateKeyVault } from '../constructs/services/key-vault';
import { ServicePrivateEndpoint } from '../constructs/services/private-endpoint';
import { EnvironmentStack, EnvironmentStackProps } from './environment-stack';
import type { NetworkStack } from './network-stack';

export interface KeyVaultStackProps extends EnvironmentStackProps {
  /** Provides the private endpoint subnet and the `privatelink.vaultcore.azure.net` zone. */
  readonly network: NetworkStack;
}

/** What a stack that writes or reads secrets takes from `<env>-keyvault`. */
export interface KeyVaultRef {
  readonly id: string;
  /** e.g. `https://kv-hyb-dev-x.vault.azure.net/` */
  readonly vaultUri: string;
  /**
   * The deployer's `Key Vault Secrets Officer` role assignment. A stack that writes secrets puts an
   * RbacPropagationWait triggered by it in front of its secrets (not of its other resources).
   */
  readonly secretsOfficerAssignmentId: string;
}

/**
 * `<env>-keyvault`: the Key Vault, its private endpoint and the deployment identity's `Key Vault Secrets Officer`
 * role, ready in minutes (Azure Resource Manager only, no data plane: runs anywhere). It does not wait for the role
 * to propagate: each stack that writes secrets (`<env>-services`, `<env>-cluster`) has its own RbacPropagationWait
 * (triggered by `ref.secretsOfficerAssignmentId`) in front of its secret writes only, so its VMs, identities and
 * load balancers are created during the wait (a secret written before the role is effective fails with
 * `ForbiddenByRbac`; policy HN-012). It owns the services resource group (same name as before), so that the cluster
 * no longer waits for the data services (PostgreSQL takes 10-15 minutes).
 */
export class KeyVaultStack extends EnvironmentStack {
  readonly resourceGroup: ResourceGroup;
  readonly keyVault: PrivateKeyVault;
  readonly endpoint: ServicePrivateEndpoint;
  /** The vault by reference, for the stacks that write or read its secrets. */
  readonly ref: KeyVaultRef;

  constructor(scope: Construct, props: KeyVaultStackProps) {
    super(scope, 'keyvault', props);
    const { config, tags } = this;
    const names = serviceNames(config);
    const client = new DataAzurermClientConfig(this, 'client');
    this.resourceGroup = new ResourceGroup(this, 'resource-group', { name: names.resourceGroup, location: config.location, tags });

    this.keyVault = new PrivateKeyVault(this, 'key-vault', {
      name: names.keyVault,
      resourceGroupName: this.resourceGroup.name,
      location: config.location,
      tenantId: client.tenantId,
      sku: config.services.keyVault.sku,
      softDeleteRetentionDays: config.services.keyVault.softDeleteRetentionDays,
      secretsOfficerPrincipalId: client.objectId,
      tags,
    });
    const plan = privateEndpoints(config).find((p) => p.service === 'keyVault');
    if (!plan) throw new Error(`${this.node.id}: no private endpoint planned for the Key Vault`);
    this.endpoint = new ServicePrivateEndpoint(this, `pe-${plan.service}`, {
      name: names.privateEndpoint(plan.service.toLowerCase()),
      resourceGroupName: this.resourceGroup.name,
      location: config.location,
      subnetId: props.network.hub.subnet('privateEndpoints').id,
      resourceId: this.keyVault.vault.id,
      subresource: plan.subresource,
      privateDnsZoneIds: plan.zoneKeys.map((k) => props.network.dns.zones.zone(k).id),
      staticIps: plan.staticIps,
      tags,
    });

    // Stacks that read the vault apply after this whole stack. (No output depends_on: cdktf renders it as "${...}",
    // which Terraform's JSON syntax rejects in depends_on.)
    new TerraformOutput(this, 'key_vault_id', { value: this.keyVault.vault.id });
    new TerraformOutput(this, 'key_vault_uri', { value: this.keyVault.vault.vaultUri });
    this.ref = { id: this.keyVault.vault.id, vaultUri: this.keyVault.vault.vaultUri, secretsOfficerAssignmentId: this.keyVault.secretsOfficer.id };
  }
}
