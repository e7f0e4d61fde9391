import { Construct } from 'constructs';
import { NetworkSecurityGroup } from '@cdktf/provider-azurerm/lib/network-security-group';
import { NetworkSecurityRule } from '@cdktf/provider-azurerm/lib/network-security-rule';
import { SubnetNetworkSecurityGroupAssociation } from '@cdktf/provider-azurerm/lib/subnet-network-security-group-association';

/** One explicit inbound allow. */
export interface InboundAllow {
  /** Rule name, unique in the NSG (becomes part of the Terraform address: keep it stable). */
  readonly name: string;
  /** 100-4000; lower wins. 4096 is taken by the deny-all rule. */
  readonly priority: number;
  readonly protocol: 'Tcp' | 'Udp' | 'Icmp' | '*';
  /** Source CIDRs or a service tag (`VirtualNetwork`, `AzureLoadBalancer`). Never `*`/`Internet`. */
  readonly sources: ReadonlyArray<string>;
  /** Destination CIDRs. @default the subnet's own prefix */
  readonly destinations?: ReadonlyArray<string>;
  /** Ports or ranges, e.g. `['53']`, `['30000-32767']`. */
  readonly ports: ReadonlyArray<string>;
  /** Why this traffic is allowed; required so every hole in the firewall says what it is for. */
  readonly description: string;
}

export interface SubnetNsgProps {
  readonly name: string;
  readonly resourceGroupName: string;
  readonly location: string;
  /** The subnet to protect. */
  readonly subnetId: string;
  /** The subnet's prefix: the default destination of allows. */
  readonly subnetPrefix: string;
  readonly tags?: Record<string, string>;
  /**
   * Add a lowest-priority rule that denies all inbound traffic, overriding Azure's default
   * AllowVnetInBound so that only the explicit allows pass.
   * @default true
   */
  readonly denyAllInbound?: boolean;
  /** Initial allows; more can be added with `allowInbound`. @default [] */
  readonly allows?: ReadonlyArray<InboundAllow>;
}

const FORBIDDEN_SOURCES = new Set(['*', 'internet', 'any', '0.0.0.0/0', '::/0']);
export const DENY_ALL_PRIORITY = 4096;

/**
 * A network security group on one subnet: deny inbound by default, explicit allows each with a description,
 * written as separate rule resources so that other constructs (and stacks) can add their own.
 */
export class SubnetNsg extends Construct {
  readonly nsg: NetworkSecurityGroup;
  private readonly props: SubnetNsgProps;
  private readonly priorities = new Map<number, string>();

  constructor(scope: Construct, id: string, props: SubnetNsgProps) {
    super(scope, id);
    this.props = props;
    this.nsg = new NetworkSecurityGroup(this, 'nsg', {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      tags: props.tags,
    });
    new SubnetNetworkSecurityGroupAssociation(this, 'association', {
      subnetId: props.subnetId,
      networkSecurityGroupId: this.nsg.id,
    });
    if (props.denyAllInbound ?? true) {
      new NetworkSecurityRule(this, 'deny-all-inbound', {
        name: 'DenyAllInbound',
        description: 'Deny everything not explicitly allowed above (overrides the default AllowVnetInBound).',
        priority: DENY_ALL_PRIORITY,
        direction: 'Inbound',
        access: 'Deny',
        protocol: '*',
        sourceAddressPrefix: '*',
        sourcePortRange: '*',
        destinationAddressPrefix: '*',
        destinationPortRange: '*',
        resourceGroupName: props.resourceGroupName,
        networkSecurityGroupName: this.nsg.name,
      });
    }
    for (const allow of props.allows ?? []) this.allowInbound(allow);
  }

  /** Adds an explicit inbound allow; rejects internet sources, duplicate priorities and missing descriptions. */
  allowInbound(allow: InboundAllow): NetworkSecurityRule {
    if (!Number.isInteger(allow.priority) || allow.priority < 100 || allow.priority > 4000) {
      throw new Error(`${this.node.path}: rule "${allow.name}" has priority ${allow.priority}; allowed: an integer 100-4000 (4096 is the deny-all)`);
    }
    const taken = this.priorities.get(allow.priority);
    if (taken) throw new Error(`${this.node.path}: rule "${allow.name}" reuses priority ${allow.priority} of rule "${taken}"; allowed: a priority not yet used in this NSG`);
    const bad = allow.sources.find((s) => FORBIDDEN_SOURCES.has(s.toLowerCase()));
    if (bad) throw new Error(`${this.node.path}: rule "${allow.name}" allows source "${bad}"; allowed: CIDRs or service tags such as VirtualNetwork, never the internet`);
    if (allow.sources.length === 0) throw new Error(`${this.node.path}: rule "${allow.name}" has no sources; allowed: one or more CIDRs or service tags`);
    if (allow.description.trim().length < 10) throw new Error(`${this.node.path}: rule "${allow.name}" needs a description of at least 10 characters saying why the traffic is allowed`);
    this.priorities.set(allow.priority, allow.name);
    const destinations = allow.destinations ?? [this.props.subnetPrefix];
    return new NetworkSecurityRule(this, `allow-${allow.name}`, {
      name: allow.name,
      description: allow.description,
      priority: allow.priority,
      direction: 'Inbound',
      access: 'Allow',
      protocol: allow.protocol,
      ...(allow.sources.length === 1 ? { sourceAddressPrefix: allow.sources[0] } : { sourceAddressPrefixes: [...allow.sources] }),
      sourcePortRange: '*',
      ...(destinations.length === 1 ? { destinationAddressPrefix: destinations[0] } : { destinationAddressPrefixes: [...destinations] }),
      ...(allow.ports.length === 1 ? { destinationPortRange: allow.ports[0] } : { destinationPortRanges: [...allow.ports] }),
      resourceGroupName: this.props.resourceGroupName,
      networkSecurityGroupName: this.nsg.name,
    });
  }
}
