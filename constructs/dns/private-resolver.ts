import { Construct } from 'constructs';
import { PrivateDnsResolver } from '@cdktf/provider-azurerm/lib/private-dns-resolver';
import { PrivateDnsResolverDnsForwardingRuleset } from '@cdktf/provider-azurerm/lib/private-dns-resolver-dns-forwarding-ruleset';
import { PrivateDnsResolverForwardingRule } from '@cdktf/provider-azurerm/lib/private-dns-resolver-forwarding-rule';
import { PrivateDnsResolverInboundEndpoint } from '@cdktf/provider-azurerm/lib/private-dns-resolver-inbound-endpoint';
import { PrivateDnsResolverOutboundEndpoint } from '@cdktf/provider-azurerm/lib/private-dns-resolver-outbound-endpoint';
import { PrivateDnsResolverVirtualNetworkLink } from '@cdktf/provider-azurerm/lib/private-dns-resolver-virtual-network-link';
import { cidrContainsIp, cidrHost, isAzureUsableHost, parseCidr } from '../../config/ipv4';

export interface ForwardingRule {
  /** Rule name, unique in the ruleset (part of the Terraform address: keep it stable). */
  readonly name: string;
  /** Domain with its trailing dot, e.g. `corp.example.com.` (Azure rejects it without). */
  readonly domain: string;
  /** 1-6 DNS servers answering for the domain (port 53). */
  readonly targets: ReadonlyArray<string>;
}

export interface RulesetLink {
  /** Short VNet name (link name and construct id). */
  readonly name: string;
  readonly virtualNetworkId: string;
}

export interface PrivateResolverProps {
  /** Base of the resource names, e.g. `hyb-dev` -> `dnspr-hyb-dev`. */
  readonly baseName: string;
  readonly resourceGroupName: string;
  readonly location: string;
  /** The VNet hosting the resolver: the VPN gateway's VNet, or one peered to it with gateway transit. */
  readonly virtualNetworkId: string;
  /** Subnet delegated to Microsoft.Network/dnsResolvers for the inbound endpoint, and its prefix. */
  readonly inboundSubnetId: string;
  readonly inboundSubnetPrefix: string;
  /** Static inbound IP (on-premises forwarders point at it). @default host 4 of the inbound subnet */
  readonly inboundIp?: string;
  /** Subnet delegated to Microsoft.Network/dnsResolvers for the outbound endpoint. */
  readonly outboundSubnetId: string;
  /** Forwarding rules (on-premises domains). @default [] (no ruleset is created) */
  readonly rules?: ReadonlyArray<ForwardingRule>;
  /** VNets the ruleset applies to. Must not include the resolver VNet when a rule targets the inbound endpoint. @default [] */
  readonly rulesetLinks?: ReadonlyArray<RulesetLink>;
  readonly tags?: Record<string, string>;
}

const RULE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,78}[a-zA-Z0-9_]$/;

/**
 * Azure DNS Private Resolver: an inbound endpoint with a static IP (what on-premises DNS forwards the
 * privatelink public zones to; the answers come from the private zones linked to this VNet), an outbound
 * endpoint and a forwarding ruleset that sends on-premises domains back over the VPN.
 */
export class PrivateResolver extends Construct {
  readonly resolver: PrivateDnsResolver;
  readonly inbound: PrivateDnsResolverInboundEndpoint;
  readonly outbound: PrivateDnsResolverOutboundEndpoint;
  readonly ruleset?: PrivateDnsResolverDnsForwardingRuleset;
  /** The static inbound endpoint address. */
  readonly inboundIp: string;

  constructor(scope: Construct, id: string, props: PrivateResolverProps) {
    super(scope, id);
    const subnet = parseCidr(props.inboundSubnetPrefix);
    this.inboundIp = props.inboundIp ?? cidrHost(subnet, 4);
    if (!isAzureUsableHost(subnet, this.inboundIp)) {
      throw new Error(`${this.node.path}: inbound IP ${this.inboundIp} is not usable in ${subnet.text}; allowed: a host from offset 4 to the second-to-last address`);
    }
    const rules = props.rules ?? [];
    const links = props.rulesetLinks ?? [];
    for (const rule of rules) {
      if (!rule.domain.endsWith('.')) throw new Error(`${this.node.path}: rule "${rule.name}" domain "${rule.domain}" lacks the trailing dot; allowed: e.g. corp.example.com.`);
      if (!RULE_NAME.test(rule.name)) throw new Error(`${this.node.path}: rule name "${rule.name}"; allowed: letters, digits, _ and -, 2-80 characters`);
      if (rule.targets.length < 1 || rule.targets.length > 6) throw new Error(`${this.node.path}: rule "${rule.name}" has ${rule.targets.length} targets; allowed: 1-6`);
      const loops = rule.targets.some((t) => t === this.inboundIp || cidrContainsIp(subnet, t));
      if (loops && links.some((l) => l.virtualNetworkId === props.virtualNetworkId)) {
        throw new Error(`${this.node.path}: rule "${rule.name}" targets the resolver's own inbound endpoint while the ruleset is linked to the resolver VNet (a resolution loop); allowed: link the ruleset to other VNets only`);
      }
    }
    const names = new Set<string>();
    for (const l of links) {
      if (names.has(l.name)) throw new Error(`${this.node.path}: ruleset link "${l.name}" is listed twice; allowed: each VNet once`);
      names.add(l.name);
    }

    this.resolver = new PrivateDnsResolver(this, 'resolver', {
      name: `dnspr-${props.baseName}`,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      virtualNetworkId: props.virtualNetworkId,
      tags: props.tags,
    });
    this.inbound = new PrivateDnsResolverInboundEndpoint(this, 'inbound', {
      name: `in-${props.baseName}`,
      privateDnsResolverId: this.resolver.id,
      location: props.location,
      // Static: on-premises conditional forwarders are configured with this address and must never chase it.
      ipConfigurations: { subnetId: props.inboundSubnetId, privateIpAllocationMethod: 'Static', privateIpAddress: this.inboundIp },
      tags: props.tags,
    });
    this.outbound = new PrivateDnsResolverOutboundEndpoint(this, 'outbound', {
      name: `out-${props.baseName}`,
      privateDnsResolverId: this.resolver.id,
      location: props.location,
      subnetId: props.outboundSubnetId,
      tags: props.tags,
    });
    if (rules.length === 0) return;
    const ruleset = new PrivateDnsResolverDnsForwardingRuleset(this, 'ruleset', {
      name: `dnsfrs-${props.baseName}`,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      privateDnsResolverOutboundEndpointIds: [this.outbound.id],
      tags: props.tags,
    });
    this.ruleset = ruleset;
    for (const rule of rules) {
      new PrivateDnsResolverForwardingRule(this, `rule-${rule.name}`, {
        name: rule.name,
        dnsForwardingRulesetId: ruleset.id,
        domainName: rule.domain,
        enabled: true,
        targetDnsServers: rule.targets.map((ipAddress) => ({ ipAddress, port: 53 })),
      });
    }
    for (const link of links) {
      new PrivateDnsResolverVirtualNetworkLink(this, `ruleset-link-${link.name}`, {
        name: `link-${link.name}`,
        dnsForwardingRulesetId: ruleset.id,
        virtualNetworkId: link.virtualNetworkId,
      });
    }
  }
}
