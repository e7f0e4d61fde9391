import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { Password } from '@cdktf/provider-random/lib/password';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { AzapiProvider, DataAzapiResourceExistence } from '../constructs/network/azapi';
import { HubNetwork } from '../constructs/network/hub-network';
import { NatEgress } from '../constructs/network/nat-egress';
import { SpokeNetwork } from '../constructs/network/spoke-network';
import { HubSpokePeering } from '../constructs/network/vnet-peering';
import { generateVpnSharedKey } from '../constructs/network/site-to-site-vpn';
import { dnsPlan, vnetDnsServers } from '../config/dns-plan';
import { nsgAllows } from '../config/traffic-plan';
import { PrivateNameResolution } from '../constructs/dns/private-name-resolution';
import { EnvironmentStack, EnvironmentStackProps } from './environment-stack';

/**
 * `<env>-network`: everything that takes minutes, nothing that waits for the VPN gateway. Hub and spokes,
 * NSGs, NAT egress, hub-spoke peering (transit is switched on by `<env>-vpn`).
 */
export class NetworkStack extends EnvironmentStack {
  readonly resourceGroup: ResourceGroup;
  readonly hub: HubNetwork;
  readonly spokes: Record<string, SpokeNetwork> = {};
  readonly peerings: Record<string, HubSpokePeering> = {};
  /**
   * The IPsec pre-shared key, generated here rather than in `<env>-vpn` so that `<env>-services` can store it
   * in Key Vault without waiting 30-45 minutes for the gateway.
   */
  readonly vpnSharedKey: Password;
  /** Resolver, privatelink zones and their links, DNS/endpoint NSG allows (docs/dns.md). */
  readonly dns: PrivateNameResolution;

  constructor(scope: Construct, props: EnvironmentStackProps) {
    super(scope, 'network', props);
    const { config, naming, tags } = this;

    this.resourceGroup = new ResourceGroup(this, 'resource-group', { name: naming.resourceGroup('network'), location: config.location, tags });
    new RandomProvider(this, 'random');
    this.vpnSharedKey = generateVpnSharedKey(this, 'vpn-shared-key');
    const rg = this.resourceGroup.name;
    // Does the VPN gateway of <env>-vpn exist yet? Read at plan time from literal names (not from the resource group
    // resource, which would defer the read), 404 tolerated: the peerings then own their transit flags (see below).
    const client = new DataAzurermClientConfig(this, 'client');
    const vpnGateway = new DataAzapiResourceExistence(this, 'vpn-gateway', {
      provider: new AzapiProvider(this, 'azapi'),
      type: 'Microsoft.Network/virtualNetworkGateways@2024-05-01',
      resourceId: `/subscriptions/${client.subscriptionId}/resourceGroups/${naming.resourceGroup('network')}/providers/Microsoft.Network/virtualNetworkGateways/${naming.vpnGateway()}`,
    });

    this.hub = new HubNetwork(this, 'hub', { naming, resourceGroupName: rg, location: config.location, hub: config.network.hub, tags });
    new NatEgress(this, 'hub-egress', {
      name: naming.natGateway('hub'),
      publicIpName: naming.publicIp('nat-hub'),
      resourceGroupName: rg,
      location: config.location,
      idleTimeoutMinutes: config.network.natGateway.idleTimeoutMinutes,
      subnets: Object.fromEntries(config.network.natGateway.hubSubnets.map((role) => [role, this.hub.subnet(role)])),
      tags,
    });

    for (const [name, spokeConfig] of Object.entries(config.network.spokes)) {
      const spoke = new SpokeNetwork(this, `spoke-${name}`, { naming, spokeName: name, resourceGroupName: rg, location: config.location, spoke: spokeConfig, dnsServers: vnetDnsServers(config, name), tags });
      this.spokes[name] = spoke;
      if (spokeConfig.natSubnets.length > 0) {
        new NatEgress(this, `spoke-${name}-egress`, {
          name: naming.natGateway(name),
          publicIpName: naming.publicIp(`nat-${name}`),
          resourceGroupName: rg,
          location: config.location,
          idleTimeoutMinutes: config.network.natGateway.idleTimeoutMinutes,
          subnets: Object.fromEntries(spokeConfig.natSubnets.map((role) => [role, spoke.subnet(role)])),
          tags,
        });
      }
      this.peerings[name] = new HubSpokePeering(this, `peering-${name}`, {
        hub: this.hub.vnet,
        spoke: spoke.vnet,
        hubName: 'hub',
        spokeName: name,
        hubResourceGroupName: rg,
        spokeResourceGroupName: rg,
        gatewayExists: vpnGateway.exists,
      });
    }

    this.dns = new PrivateNameResolution(this, 'dns', {
      baseName: naming.base, resourceGroupName: rg, location: config.location, plan: dnsPlan(config), nsgAllows: nsgAllows(config), vnets: { hub: this.hub, ...this.spokes }, tags,
    });
    new TerraformOutput(this, 'dns_resolver_inbound_ip', { value: this.dns.resolver.inboundIp, description: 'On-premises DNS forwards the privatelink public zones here (cdktf.out/handoff/<env>/).' });

    new TerraformOutput(this, 'hub_vnet_id', { value: this.hub.vnet.id, description: 'Hub VNet (VPN gateway, DNS resolver, private endpoints).' });
  }

  /** The spoke with this name; throws listing the configured spokes. */
  spoke(name: string): SpokeNetwork {
    const spoke = this.spokes[name];
    if (!spoke) throw new Error(`no spoke "${name}" in ${this.node.id}; allowed: ${Object.keys(this.spokes).join(', ')}`);
    return spoke;
  }
}
