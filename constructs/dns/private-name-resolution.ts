import { Construct } from 'constructs';
import { DnsPlan, resolverSubnetRoles } from '../../config/dns-plan';
import type { NsgAllowPlan } from '../../config/traffic-plan';
import type { SegmentedVirtualNetwork } from '../network/virtual-network';
import { PrivateDnsZones } from './private-dns-zones';
import { PrivateResolver } from './private-resolver';

export interface PrivateNameResolutionProps {
  /** Base of resource names, e.g. `hyb-dev`. */
  readonly baseName: string;
  readonly resourceGroupName: string;
  readonly location: string;
  /** What to build (config/dns-plan.ts): resolver VNet, inbound IP, zones, links, rules. */
  readonly plan: DnsPlan;
  /** NSG allows on the path (config/traffic-plan.ts): DNS 53 to the inbound endpoint, 443/5432 to the endpoints. */
  readonly nsgAllows: ReadonlyArray<NsgAllowPlan>;
  /** The environment's VNets by reference (`hub`, spoke names). */
  readonly vnets: Readonly<Record<string, SegmentedVirtualNetwork>>;
  readonly tags?: Record<string, string>;
}

/**
 * Everything that lets a name resolve privately, from Azure and from on-premises: the resolver in the planned
 * VNet, the privatelink zones linked to the resolver VNet and the client VNets, the forwarding ruleset for
 * on-premises domains, and the NSG allows on the query and connection paths.
 */
export class PrivateNameResolution extends Construct {
  readonly resolver: PrivateResolver;
  readonly zones: PrivateDnsZones;

  constructor(scope: Construct, id: string, props: PrivateNameResolutionProps) {
    super(scope, id);
    const { plan } = props;
    const vnet = (ref: string): SegmentedVirtualNetwork => {
      const v = props.vnets[ref];
      if (!v) throw new Error(`${this.node.path}: no VNet "${ref}"; allowed: ${Object.keys(props.vnets).join(', ')}`);
      return v;
    };
    const dnsVnet = vnet(plan.resolverVnet);
    const roles = resolverSubnetRoles(plan.resolverVnet);
    // The hub delegates its resolver subnets; a dedicated DNS spoke's generic subnets get the delegation here.
    for (const role of [roles.inbound, roles.outbound]) {
      const subnet = dnsVnet.subnet(role);
      if (!subnet.delegationInput) {
        subnet.putDelegation([{ name: 'Microsoft.Network.dnsResolvers', serviceDelegation: { name: 'Microsoft.Network/dnsResolvers', actions: ['Microsoft.Network/virtualNetworks/join/action'] } }]);
      }
    }
    this.resolver = new PrivateResolver(this, 'resolver', {
      baseName: props.baseName,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      virtualNetworkId: dnsVnet.vnet.id,
      inboundSubnetId: dnsVnet.subnet(roles.inbound).id,
      inboundSubnetPrefix: plan.inboundSubnet,
      inboundIp: plan.inboundIp,
      outboundSubnetId: dnsVnet.subnet(roles.outbound).id,
      rules: plan.rules,
      rulesetLinks: plan.rulesetLinks.map((ref) => ({ name: ref, virtualNetworkId: vnet(ref).vnet.id })),
      tags: props.tags,
    });
    this.zones = new PrivateDnsZones(this, 'zones', {
      resourceGroupName: props.resourceGroupName,
      zones: plan.zones,
      links: plan.zoneLinks.map((ref) => ({ name: ref, virtualNetworkId: vnet(ref).vnet.id })),
      resolverVnet: plan.resolverVnet,
      resolutionPolicy: plan.zoneResolutionPolicy,
      tags: props.tags,
    });
    for (const allow of props.nsgAllows) {
      const { vnet: ref, subnet, ...rule } = allow;
      vnet(ref).nsg(subnet).allowInbound(rule);
    }
  }
}
