import { Construct } from 'constructs';
import { VirtualNetworkGateway } from '@cdktf/provider-azurerm/lib/virtual-network-gateway';
import { AzapiProvider, AzapiUpdateResource } from './azapi';

export interface GatewayTransitProps {
  readonly provider: AzapiProvider;
  /** Resource ID of the hub-to-spoke peering (owned by `<env>-network`). */
  readonly hubToSpokePeeringId: string;
  /** Resource ID of the spoke-to-hub peering (owned by `<env>-network`). */
  readonly spokeToHubPeeringId: string;
  /** The hub's VPN gateway: the spoke side fails with `RemoteVnetHasNoGateways` until it exists. */
  readonly gateway: VirtualNetworkGateway;
}

const PEERING_TYPE = 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings@2024-05-01';

/**
 * Switches an existing hub-spoke peering to gateway transit once the gateway exists, in the order Azure
 * demands: hub side `allowGatewayTransit` after the gateway, then spoke side `useRemoteGateways`. The peerings
 * themselves live in `<env>-network` (connected within minutes, ignoring these two flags), so nothing but
 * on-premises routing waits 30-45 minutes for the gateway.
 */
export class GatewayTransit extends Construct {
  readonly hubSide: AzapiUpdateResource;
  readonly spokeSide: AzapiUpdateResource;

  constructor(scope: Construct, id: string, props: GatewayTransitProps) {
    super(scope, id);
    this.hubSide = new AzapiUpdateResource(this, 'hub-allow-gateway-transit', {
      provider: props.provider,
      type: PEERING_TYPE,
      resourceId: props.hubToSpokePeeringId,
      body: { properties: { allowGatewayTransit: true, allowForwardedTraffic: true } },
      dependsOn: [props.gateway],
    });
    this.spokeSide = new AzapiUpdateResource(this, 'spoke-use-remote-gateways', {
      provider: props.provider,
      type: PEERING_TYPE,
      resourceId: props.spokeToHubPeeringId,
      body: { properties: { useRemoteGateways: true, allowForwardedTraffic: true } },
      dependsOn: [props.gateway, this.hubSide],
    });
  }
}
