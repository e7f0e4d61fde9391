import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { AzapiProvider } from '../constructs/network/azapi';
import { GatewayTransit } from '../constructs/network/gateway-transit';
import { SiteToSiteVpn } from '../constructs/network/site-to-site-vpn';
import { EnvironmentStackProps, EnvironmentStack } from './environment-stack';
import type { NetworkStack } from './network-stack';

export interface VpnStackProps extends EnvironmentStackProps {
  readonly network: NetworkStack;
}

/**
 * `<env>-vpn`: the 30-45 minute part, alone. Gateway, local network gateway, IPsec connection, and the
 * switch of every hub-spoke peering to gateway transit once the gateway exists.
 */
export class VpnStack extends EnvironmentStack {
  readonly vpn: SiteToSiteVpn;
  readonly transit: Record<string, GatewayTransit> = {};

  constructor(scope: Construct, props: VpnStackProps) {
    super(scope, 'vpn', props);
    const { config, naming, tags } = this;
    const network = props.network;
    const azapi = new AzapiProvider(this, 'azapi');

    this.vpn = new SiteToSiteVpn(this, 'site-to-site', {
      naming,
      resourceGroupName: network.resourceGroup.name,
      location: config.location,
      gatewaySubnetId: network.hub.subnet('GatewaySubnet').id,
      vpn: config.vpn,
      site: config.onPremises,
      sharedKey: network.vpnSharedKey.result,
      tags,
    });

    for (const [name, peering] of Object.entries(network.peerings)) {
      this.transit[name] = new GatewayTransit(this, `gateway-transit-${name}`, {
        provider: azapi,
        hubToSpokePeeringId: peering.hubToSpoke.id,
        spokeToHubPeeringId: peering.spokeToHub.id,
        gateway: this.vpn.gateway,
        hubVnetId: network.hub.vnet.id,
        spokeVnetId: network.spoke(name).vnet.id,
      });
    }

    new TerraformOutput(this, 'vpn_gateway_public_ips', {
      value: this.vpn.publicIps.map((ip) => ip.ipAddress),
      description: 'Addresses the on-premises VPN device connects to (UDP 500/4500).',
    });
    new TerraformOutput(this, 'vpn_shared_key', {
      value: this.vpn.sharedKey,
      sensitive: true,
      description: 'IPsec pre-shared key for the on-premises device: `cdktf output` / `terraform output -raw vpn_shared_key` (see docs/network.md).',
    });
  }
}
