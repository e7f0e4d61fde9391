import { Construct } from 'constructs';
import { PrivateDnsARecord } from '@cdktf/provider-azurerm/lib/private-dns-a-record';
import { PrivateDnsZone } from '@cdktf/provider-azurerm/lib/private-dns-zone';
import { PrivateDnsZoneVirtualNetworkLink } from '@cdktf/provider-azurerm/lib/private-dns-zone-virtual-network-link';

export interface ClusterDnsProps {
  readonly zoneName: string;
  readonly resourceGroupName: string;
  /**
   * VNets to link, by name. Must include the VNet of the DNS resolver (the hub): its inbound endpoint answers
   * on-premises clients only from zones linked to its own VNet (field failure 1 of the mission).
   */
  readonly links: Record<string, string>;
  /** A records: host label -> private IP. */
  readonly records: Record<string, string>;
  /** @default 300 */
  readonly ttl?: number;
  readonly tags?: Record<string, string>;
}

/**
 * The cluster's private zone (API name and application host names), linked to the hub and the cluster spoke.
 * Nodes resolve the API name through it (control planes override it with 127.0.0.1, see k8s-bootstrap.sh);
 * on-premises clients through the resolver, once their DNS forwards the zone (handoff files).
 */
export class ClusterDns extends Construct {
  readonly zone: PrivateDnsZone;
  readonly records: Record<string, PrivateDnsARecord> = {};

  constructor(scope: Construct, id: string, props: ClusterDnsProps) {
    super(scope, id);
    if (!props.links.hub) throw new Error(`${this.node.path}: the zone is not linked to the hub; allowed: links including "hub" (the resolver's VNet)`);
    this.zone = new PrivateDnsZone(this, 'zone', { name: props.zoneName, resourceGroupName: props.resourceGroupName, tags: props.tags });
    for (const [name, vnetId] of Object.entries(props.links)) {
      new PrivateDnsZoneVirtualNetworkLink(this, `link-${name}`, {
        name: `link-${name}`,
        resourceGroupName: props.resourceGroupName,
        privateDnsZoneName: this.zone.name,
        virtualNetworkId: vnetId,
        registrationEnabled: false,
        tags: props.tags,
      });
    }
    for (const [label, ip] of Object.entries(props.records)) {
      this.records[label] = new PrivateDnsARecord(this, `a-${label}`, {
        name: label,
        zoneName: this.zone.name,
        resourceGroupName: props.resourceGroupName,
        ttl: props.ttl ?? 300,
        records: [ip],
        tags: props.tags,
      });
    }
  }
}
