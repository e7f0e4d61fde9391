import { Construct } from 'constructs';
import { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network';
import { cidrContains, parseCidr } from '../../config/ipv4';
import { SubnetNsg } from './subnet-nsg';

/** A subnet of a VNet, by role. */
export interface SubnetSpec {
  /** Role key (construct id and lookup key), e.g. `dnsInbound`. */
  readonly role: string;
  /** Azure subnet name. */
  readonly name: string;
  readonly prefix: string;
  /**
   * Protect the subnet with its own deny-by-default NSG. Must be false for GatewaySubnet (Azure rejects NSGs there).
   * @default true
   */
  readonly nsg?: boolean;
  /** Service delegation, e.g. `Microsoft.Network/dnsResolvers`. @default none */
  readonly delegation?: { readonly service: string; readonly actions: ReadonlyArray<string> };
  /**
   * Network policies for private endpoints in this subnet; `Enabled` makes NSG rules apply to them.
   * @default 'Disabled' (Azure's default)
   */
  readonly privateEndpointNetworkPolicies?: 'Enabled' | 'Disabled' | 'NetworkSecurityGroupEnabled' | 'RouteTableEnabled';
}

export interface SegmentedVirtualNetworkProps {
  readonly name: string;
  readonly resourceGroupName: string;
  readonly location: string;
  readonly addressSpace: ReadonlyArray<string>;
  readonly subnets: ReadonlyArray<SubnetSpec>;
  /** NSG name for a subnet role. */
  readonly nsgName: (role: string) => string;
  /** Custom DNS servers for the VNet. @default Azure-provided DNS (168.63.129.16) */
  readonly dnsServers?: ReadonlyArray<string>;
  readonly tags?: Record<string, string>;
}

/**
 * A VNet with its subnets as separate resources (so delegations and associations are explicit), each subnet
 * behind its own deny-by-default NSG unless Azure forbids one. Default outbound access is off on every subnet:
 * Azure retires it, and egress must be deliberate (see NatEgress).
 */
export class SegmentedVirtualNetwork extends Construct {
  readonly vnet: VirtualNetwork;
  readonly subnets: Record<string, Subnet> = {};
  readonly nsgs: Record<string, SubnetNsg> = {};
  readonly prefixes: Record<string, string> = {};

  constructor(scope: Construct, id: string, props: SegmentedVirtualNetworkProps) {
    super(scope, id);
    const spaces = props.addressSpace.map(parseCidr);
    for (const spec of props.subnets) {
      if (!spaces.some((space) => cidrContains(space, parseCidr(spec.prefix)))) {
        throw new Error(`${this.node.path}: subnet ${spec.role} (${spec.prefix}) is outside the VNet space; allowed: inside ${props.addressSpace.join(', ')}`);
      }
      if (spec.name === 'GatewaySubnet' && spec.nsg !== false) {
        throw new Error(`${this.node.path}: GatewaySubnet cannot carry an NSG (Azure rejects it); set nsg: false`);
      }
    }

    this.vnet = new VirtualNetwork(this, 'vnet', {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      addressSpace: [...props.addressSpace],
      dnsServers: props.dnsServers ? [...props.dnsServers] : undefined,
      tags: props.tags,
    });

    for (const spec of props.subnets) {
      const subnet = new Subnet(this, `subnet-${spec.role}`, {
        name: spec.name,
        resourceGroupName: props.resourceGroupName,
        virtualNetworkName: this.vnet.name,
        addressPrefixes: [spec.prefix],
        defaultOutboundAccessEnabled: false,
        privateEndpointNetworkPolicies: spec.privateEndpointNetworkPolicies ?? 'Disabled',
        delegation: spec.delegation
          ? [{ name: spec.delegation.service.replace('/', '.'), serviceDelegation: { name: spec.delegation.service, actions: [...spec.delegation.actions] } }]
          : undefined,
      });
      this.subnets[spec.role] = subnet;
      this.prefixes[spec.role] = spec.prefix;
      if (spec.nsg ?? true) {
        this.nsgs[spec.role] = new SubnetNsg(this, `nsg-${spec.role}`, {
          name: props.nsgName(spec.role),
          resourceGroupName: props.resourceGroupName,
          location: props.location,
          subnetId: subnet.id,
          subnetPrefix: spec.prefix,
          tags: props.tags,
        });
      }
    }
  }

  /** The subnet for a role; throws with the known roles when it does not exist. */
  subnet(role: string): Subnet {
    const subnet = this.subnets[role];
    if (!subnet) throw new Error(`${this.node.path}: no subnet "${role}"; allowed: ${Object.keys(this.subnets).join(', ')}`);
    return subnet;
  }

  /** The NSG of a subnet role; throws when the subnet has none. */
  nsg(role: string): SubnetNsg {
    const nsg = this.nsgs[role];
    if (!nsg) throw new Error(`${this.node.path}: subnet "${role}" has no NSG; allowed: ${Object.keys(this.nsgs).join(', ')}`);
    return nsg;
  }
}
