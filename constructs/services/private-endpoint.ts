import { Construct } from 'constructs';
import { PrivateEndpoint } from '@cdktf/provider-azurerm/lib/private-endpoint';

/** Subresource (group id) names Azure accepts for the services of this stack. */
export const SUBRESOURCES = ['vault', 'blob', 'AzureSiteRecovery', 'AzureBackup', 'postgresqlServer', 'registry', 'Default'] as const;
export type Subresource = (typeof SUBRESOURCES)[number];

export interface ServicePrivateEndpointProps {
  readonly name: string;
  readonly resourceGroupName: string;
  readonly location: string;
  /** The endpoint subnet (hub `privateEndpoints`). */
  readonly subnetId: string;
  /** The resource the endpoint connects to. */
  readonly resourceId: string;
  readonly subresource: Subresource;
  /** Private DNS zone ids of its single zone group (1-5): the records are written there, nowhere else. */
  readonly privateDnsZoneIds: ReadonlyArray<string>;
  /** Static addresses by member name. @default [] (Azure allocates them) */
  readonly staticIps?: ReadonlyArray<{ readonly memberName: string; readonly ip: string }>;
  readonly tags?: Record<string, string>;
}

/**
 * A private endpoint with exactly one DNS zone group: without it no A record is written and clients keep
 * resolving the public name. Static member addresses, when given, make the expected answers known at synth
 * (the on-premises runbook lists them).
 */
export class ServicePrivateEndpoint extends Construct {
  readonly endpoint: PrivateEndpoint;

  constructor(scope: Construct, id: string, props: ServicePrivateEndpointProps) {
    super(scope, id);
    const zones = props.privateDnsZoneIds.length;
    if (zones < 1 || zones > 5) throw new Error(`${this.node.path}: ${zones} private DNS zones; allowed: 1-5 in the endpoint's one zone group`);
    if (!(SUBRESOURCES as readonly string[]).includes(props.subresource)) {
      throw new Error(`${this.node.path}: subresource "${props.subresource}"; allowed: ${SUBRESOURCES.join(', ')}`);
    }
    const staticIps = props.staticIps ?? [];
    this.endpoint = new PrivateEndpoint(this, 'endpoint', {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      subnetId: props.subnetId,
      customNetworkInterfaceName: `nic-${props.name}`,
      privateServiceConnection: {
        name: `psc-${props.name}`,
        isManualConnection: false,
        privateConnectionResourceId: props.resourceId,
        subresourceNames: [props.subresource],
      },
      privateDnsZoneGroup: { name: 'default', privateDnsZoneIds: [...props.privateDnsZoneIds] },
      ipConfiguration: staticIps.length
        ? staticIps.map((s) => ({ name: `ip-${s.memberName}`.replace(/_/g, '-'), privateIpAddress: s.ip, subresourceName: props.subresource, memberName: s.memberName }))
        : undefined,
      tags: props.tags,
    });
  }
}
