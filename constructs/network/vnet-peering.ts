import { IResolvable } from 'cdktf';
import { Construct } from 'constructs';
import { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network';
import { VirtualNetworkPeering } from '@cdktf/provider-azurerm/lib/virtual-network-peering';

export interface HubSpokePeeringProps {
  readonly hub: VirtualNetwork;
  readonly spoke: VirtualNetwork;
  readonly hubName: string;
  readonly spokeName: string;
  readonly hubResourceGroupName: string;
  readonly spokeResourceGroupName: string;
  /**
   * Gateway transit is switched on later by GatewayTransit (in the VPN stack) once the gateway exists, so
   * these peerings ignore changes to the transit flags instead of fighting over them.
   * @default true
   */
  readonly transitManagedElsewhere?: boolean;
  /**
   * Whether the hub's VPN gateway exists, read at plan time (DataAzapiResourceExistence.exists). When given, these
   * peerings carry the transit flags themselves (hub side allowGatewayTransit, spoke side useRemoteGateways, the spoke
   * side after the hub side): a peering replaced while the gateway exists gets its transit back in the same apply,
   * instead of silently losing it until `<env>-vpn` is applied again. Before the first gateway the flags stay false.
   * @default undefined (flags false, changes ignored when transitManagedElsewhere)
   */
  readonly gatewayExists?: IResolvable;
}

/**
 * Both directions of a hub-spoke peering, forwarding allowed, connected without waiting for the VPN gateway:
 * the spoke reaches the hub's private endpoints and agents within minutes of deployment.
 */
export class HubSpokePeering extends Construct {
  readonly hubToSpoke: VirtualNetworkPeering;
  readonly spokeToHub: VirtualNetworkPeering;

  constructor(scope: Construct, id: string, props: HubSpokePeeringProps) {
    super(scope, id);
    const gated = props.gatewayExists;
    const transitLifecycle = !gated && (props.transitManagedElsewhere ?? true) ? { ignoreChanges: ['allow_gateway_transit', 'use_remote_gateways'] } : undefined;
    this.hubToSpoke = new VirtualNetworkPeering(this, 'hub-to-spoke', {
      name: `peer-${props.hubName}-to-${props.spokeName}`,
      resourceGroupName: props.hubResourceGroupName,
      virtualNetworkName: props.hub.name,
      remoteVirtualNetworkId: props.spoke.id,
      allowVirtualNetworkAccess: true,
      allowForwardedTraffic: true,
      allowGatewayTransit: gated ?? false,
      useRemoteGateways: false,
      lifecycle: transitLifecycle,
    });
    this.spokeToHub = new VirtualNetworkPeering(this, 'spoke-to-hub', {
      name: `peer-${props.spokeName}-to-${props.hubName}`,
      resourceGroupName: props.spokeResourceGroupName,
      virtualNetworkName: props.spoke.name,
      remoteVirtualNetworkId: props.hub.id,
      allowVirtualNetworkAccess: true,
      allowForwardedTraffic: true,
      allowGatewayTransit: false,
      useRemoteGateways: gated ?? false,
      lifecycle: transitLifecycle,
      // Azure demands the hub side's transit first (RemoteVnetHasNoGateways / transit not allowed otherwise).
      dependsOn: gated ? [this.hubToSpoke] : undefined,
    });
  }
}
