import { Construct } from 'constructs';
import type { HubConfig } from '../../config/schema/network';
import { Naming } from '../../config/naming';
import { SegmentedVirtualNetwork } from './virtual-network';

export interface HubNetworkProps {
  readonly naming: Naming;
  readonly resourceGroupName: string;
  readonly location: string;
  /** Address space and subnets by role (see config/schema/network.ts). */
  readonly hub: HubConfig;
  readonly tags?: Record<string, string>;
}

const RESOLVER_DELEGATION = { service: 'Microsoft.Network/dnsResolvers', actions: ['Microsoft.Network/virtualNetworks/join/action'] };
/** Managed DevOps Pools inject agents only into a subnet delegated to this service ("Configure networking", MDP docs). */
export const MANAGED_DEVOPS_POOL_DELEGATION = { service: 'Microsoft.DevOpsInfrastructure/pools', actions: ['Microsoft.Network/virtualNetworks/subnets/join/action'] };

/**
 * The hub VNet: the one the VPN gateway serves and the DNS Private Resolver sits in, so that privatelink
 * zones linked here answer on-premises queries (field failure 1 came from linking them elsewhere).
 * Subnets: GatewaySubnet (no NSG), resolver inbound/outbound (delegated), private endpoints (NSG enforced on
 * endpoints), pipeline agents.
 */
export class HubNetwork extends SegmentedVirtualNetwork {
  constructor(scope: Construct, id: string, props: HubNetworkProps) {
    const s = props.hub.subnets;
    super(scope, id, {
      name: props.naming.vnet('hub'),
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      addressSpace: props.hub.addressSpace,
      nsgName: (role) => props.naming.nsg('hub', role),
      tags: props.tags,
      subnets: [
        { role: 'GatewaySubnet', name: 'GatewaySubnet', prefix: s.GatewaySubnet, nsg: false },
        { role: 'dnsInbound', name: props.naming.subnet('dnsInbound'), prefix: s.dnsInbound, delegation: RESOLVER_DELEGATION },
        { role: 'dnsOutbound', name: props.naming.subnet('dnsOutbound'), prefix: s.dnsOutbound, delegation: RESOLVER_DELEGATION },
        { role: 'privateEndpoints', name: props.naming.subnet('privateEndpoints'), prefix: s.privateEndpoints, privateEndpointNetworkPolicies: 'Enabled' },
        {
          role: 'agents',
          name: props.naming.subnet('agents'),
          prefix: s.agents,
          delegation: props.hub.agentPool === 'managed-devops-pool' ? MANAGED_DEVOPS_POOL_DELEGATION : undefined,
        },
      ],
    });
  }
}
