import { Construct } from 'constructs';
import { VirtualNetworkGateway } from '@cdktf/provider-azurerm/lib/virtual-network-gateway';
import { AzapiProvider, AzapiResourceAction, AzapiUpdateResource } from './azapi';

export interface GatewayTransitProps {
  readonly provider: AzapiProvider;
  /** Resource ID of the hub-to-spoke peering (owned by `<env>-network`). */
  readonly hubToSpokePeeringId: string;
  /** Resource ID of the spoke-to-hub peering (owned by `<env>-network`). */
  readonly spokeToHubPeeringId: string;
  /** The hub's VPN gateway: the spoke side fails with `RemoteVnetHasNoGateways` until it exists. */
  readonly gateway: VirtualNetworkGateway;
  /** Hub VNet id (the spoke-to-hub peering's remote VNet), for the destroy-time revert's full PUT body. */
  readonly hubVnetId: string;
  /** Spoke VNet id (the hub-to-spoke peering's remote VNet). */
  readonly spokeVnetId: string;
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
  /** Destroy-time PUTs that switch transit off again, spoke side first, before the gateway is deleted. */
  readonly hubRevert: AzapiResourceAction;
  readonly spokeRevert: AzapiResourceAction;

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

    // The update's own destroy changes nothing (azapi docs), so destroying <env>-vpn would leave the peerings with
    // transit on and no gateway. These actions run only on destroy. Terraform destroys dependants first: the spoke
    // revert (depends on the hub revert) runs first, then the hub revert, then the gateway (both depend on it).
    // A PUT replaces the peering's properties, so the body is the whole peering as <env>-network declares it.
    const peering = (remoteVnetId: string) => ({
      properties: { remoteVirtualNetwork: { id: remoteVnetId }, allowVirtualNetworkAccess: true, allowForwardedTraffic: true, allowGatewayTransit: false, useRemoteGateways: false },
    });
    this.hubRevert = new AzapiResourceAction(this, 'hub-revert-on-destroy', {
      provider: props.provider,
      type: PEERING_TYPE,
      resourceId: props.hubToSpokePeeringId,
      method: 'PUT',
      body: peering(props.spokeVnetId),
      when: 'destroy',
      // A peering already deleted (its VNet destroyed out of order) has no transit to switch off.
      ignoreNotFound: true,
      dependsOn: [props.gateway, this.hubSide, this.spokeSide],
    });
    this.spokeRevert = new AzapiResourceAction(this, 'spoke-revert-on-destroy', {
      provider: props.provider,
      type: PEERING_TYPE,
      resourceId: props.spokeToHubPeeringId,
      method: 'PUT',
      body: peering(props.hubVnetId),
      when: 'destroy',
      ignoreNotFound: true,
      dependsOn: [props.gateway, this.spokeSide, this.hubRevert],
    });
  }
}
