import { Construct } from 'constructs';
import type { SpokeConfig } from '../../config/schema/network';
import { Naming } from '../../config/naming';
import { SegmentedVirtualNetwork } from './virtual-network';

export interface SpokeNetworkProps {
  readonly naming: Naming;
  /** Spoke name from configuration (e.g. `cluster`): used in resource names. */
  readonly spokeName: string;
  readonly resourceGroupName: string;
  readonly location: string;
  readonly spoke: SpokeConfig;
  /** DNS servers for the spoke. @default Azure-provided DNS (privatelink zones are linked to the spoke too) */
  readonly dnsServers?: ReadonlyArray<string>;
  readonly tags?: Record<string, string>;
}

/** A workload spoke VNet; every subnet behind a deny-by-default NSG. */
export class SpokeNetwork extends SegmentedVirtualNetwork {
  constructor(scope: Construct, id: string, props: SpokeNetworkProps) {
    super(scope, id, {
      name: props.naming.vnet(props.spokeName),
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      addressSpace: props.spoke.addressSpace,
      dnsServers: props.dnsServers,
      nsgName: (role) => props.naming.nsg(props.spokeName, role),
      tags: props.tags,
      subnets: Object.entries(props.spoke.subnets).map(([role, prefix]) => ({ role, name: props.naming.subnet(role), prefix })),
    });
  }
}
