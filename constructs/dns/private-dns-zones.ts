import { Construct } from 'constructs';
import { PrivateDnsZone } from '@cdktf/provider-azurerm/lib/private-dns-zone';
import { PrivateDnsZoneVirtualNetworkLink } from '@cdktf/provider-azurerm/lib/private-dns-zone-virtual-network-link';
import type { PrivateZoneSpec } from '../../config/private-link';

export interface ZoneLinkTarget {
  /** Short VNet name (`hub`, a spoke): link name and construct id. */
  readonly name: string;
  readonly virtualNetworkId: string;
}

export interface PrivateDnsZonesProps {
  readonly resourceGroupName: string;
  /** Zones to create (config/private-link.ts: exact names Azure requires). */
  readonly zones: ReadonlyArray<PrivateZoneSpec>;
  /** VNets every zone is linked to; must include the VNet hosting the resolver inbound endpoint. */
  readonly links: ReadonlyArray<ZoneLinkTarget>;
  /** Name of the VNet that hosts the resolver inbound endpoint: rejected when missing from `links`. */
  readonly resolverVnet: string;
  /**
   * Answer for names without a record in a zone: `NxDomainRedirect` falls back to public resolution, so that
   * other organizations' private-link resources (whose public CNAMEs also lead into these zone names) still
   * resolve for clients that forward whole public zones here.
   * @default 'NxDomainRedirect'
   */
  readonly resolutionPolicy?: 'NxDomainRedirect' | 'Default';
  readonly tags?: Record<string, string>;
}

/** Context key that disables the resolver-VNet link check. Test-only: never set it for a real deployment. */
export const TEST_ONLY_ALLOW_ZONES_UNLINKED_FROM_RESOLVER = 'testOnly:allowZonesUnlinkedFromResolverVnet';

/**
 * The privatelink zones and their VNet links: every zone linked to every listed VNet, exactly once (Azure
 * rejects a second link of the same pair, and a VNet cannot be linked to two zones of the same name). No
 * auto-registration: the private endpoints write their own records through their DNS zone groups.
 */
export class PrivateDnsZones extends Construct {
  readonly zones: Record<string, PrivateDnsZone> = {};
  /** Links by `<zone key>/<vnet name>`. */
  readonly links: Record<string, PrivateDnsZoneVirtualNetworkLink> = {};

  constructor(scope: Construct, id: string, props: PrivateDnsZonesProps) {
    super(scope, id);
    const vnetNames = props.links.map((l) => l.name);
    const dup = vnetNames.find((n, i) => vnetNames.indexOf(n) !== i);
    if (dup) throw new Error(`${this.node.path}: VNet "${dup}" is linked twice; allowed: one link per zone-VNet pair`);
    const zoneNames = props.zones.map((z) => z.name);
    const dupZone = zoneNames.find((n, i) => zoneNames.indexOf(n) !== i);
    if (dupZone) throw new Error(`${this.node.path}: zone ${dupZone} is declared twice; allowed: each zone once (a VNet cannot be linked to two zones of the same name)`);
    // The hybrid lab reproduces field failure 1 from configuration; only it sets this context key (lab/synth.ts).
    if (!vnetNames.includes(props.resolverVnet) && this.node.tryGetContext(TEST_ONLY_ALLOW_ZONES_UNLINKED_FROM_RESOLVER) !== true) {
      throw new Error(`${this.node.path}: zones are not linked to "${props.resolverVnet}", the VNet of the resolver inbound endpoint: on-premises clients would get public answers; allowed: links that include "${props.resolverVnet}"`);
    }
    for (const spec of props.zones) {
      const zone = new PrivateDnsZone(this, `zone-${spec.key}`, { name: spec.name, resourceGroupName: props.resourceGroupName, tags: props.tags });
      this.zones[spec.key] = zone;
      for (const link of props.links) {
        this.links[`${spec.key}/${link.name}`] = new PrivateDnsZoneVirtualNetworkLink(this, `link-${spec.key}-${link.name}`, {
          name: `link-${link.name}`,
          resourceGroupName: props.resourceGroupName,
          privateDnsZoneName: zone.name,
          virtualNetworkId: link.virtualNetworkId,
          registrationEnabled: false,
          resolutionPolicy: props.resolutionPolicy ?? 'NxDomainRedirect',
          tags: props.tags,
        });
      }
    }
  }

  /** The zone for a key; throws listing the zones this environment has. */
  zone(key: string): PrivateDnsZone {
    const zone = this.zones[key];
    if (!zone) throw new Error(`${this.node.path}: no private DNS zone "${key}" (is the service enabled?); allowed: ${Object.keys(this.zones).join(', ')}`);
    return zone;
  }
}
