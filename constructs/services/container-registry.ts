import { Construct } from 'constructs';
import { ContainerRegistry } from '@cdktf/provider-azurerm/lib/container-registry';

export interface PrivateContainerRegistryProps {
  readonly name: string;
  readonly resourceGroupName: string;
  readonly location: string;
  /** @default true */
  readonly zoneRedundancy?: boolean;
  readonly tags?: Record<string, string>;
}

/**
 * Premium registry (private link needs Premium) without the admin user, public network access off, a
 * dedicated data endpoint (its records live in `privatelink.azurecr.io` too: no separate regional data zone, which
 * breaks image pulls; policy HN-014) and no anonymous pull.
 */
export class PrivateContainerRegistry extends Construct {
  readonly registry: ContainerRegistry;

  constructor(scope: Construct, id: string, props: PrivateContainerRegistryProps) {
    super(scope, id);
    this.registry = new ContainerRegistry(this, 'registry', {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      sku: 'Premium',
      adminEnabled: false,
      publicNetworkAccessEnabled: false,
      anonymousPullEnabled: false,
      dataEndpointEnabled: true,
      zoneRedundancyEnabled: props.zoneRedundancy ?? true,
      networkRuleBypassOption: 'AzureServices',
      tags: props.tags,
    });
  }
}
