import { Construct } from 'constructs';
import { LocalNetworkGateway } from '@cdktf/provider-azurerm/lib/local-network-gateway';
import { PublicIp } from '@cdktf/provider-azurerm/lib/public-ip';
import { VirtualNetworkGateway } from '@cdktf/provider-azurerm/lib/virtual-network-gateway';
import { VirtualNetworkGatewayConnection } from '@cdktf/provider-azurerm/lib/virtual-network-gateway-connection';
import { Password } from '@cdktf/provider-random/lib/password';
import type { OnPremisesConfig, VpnConfig } from '../../config/schema/network';
import { Naming } from '../../config/naming';
import { gatewayGeneration, gatewayPublicIpCount } from '../../config/validate/vpn';

export interface SiteToSiteVpnProps {
  readonly naming: Naming;
  readonly resourceGroupName: string;
  readonly location: string;
  /** ID of the hub's `GatewaySubnet`. */
  readonly gatewaySubnetId: string;
  /** SKU, active-active, BGP, IPsec/IKE policy, DPD (validated by config/validate/vpn.ts). */
  readonly vpn: VpnConfig;
  /** The on-premises device and prefixes. */
  readonly site: OnPremisesConfig;
  /**
   * The IPsec pre-shared key (a token, never a literal). Pass one generated elsewhere when other stacks need
   * it without waiting for the gateway (see NetworkStack.vpnSharedKey).
   * @default a 64-character key generated here
   */
  readonly sharedKey?: string;
  readonly tags?: Record<string, string>;
}

/** A 64-character alphanumeric pre-shared key: every IKE implementation accepts it, brute force does not. */
export function generateVpnSharedKey(scope: Construct, id: string): Password {
  return new Password(scope, id, { length: 64, special: false, minLower: 8, minUpper: 8, minNumeric: 8 });
}

/**
 * Route-based, zone-redundant VPN gateway with a local network gateway for the on-premises site and an IPsec
 * connection under an explicit custom policy. The pre-shared key is generated (random provider) and only
 * ever lives in Terraform state and Key Vault: never in configuration, the repository or plain outputs.
 */
export class SiteToSiteVpn extends Construct {
  readonly gateway: VirtualNetworkGateway;
  readonly publicIps: PublicIp[] = [];
  readonly localNetworkGateway: LocalNetworkGateway;
  readonly connection: VirtualNetworkGatewayConnection;
  /** The pre-shared key (a sensitive token). */
  readonly sharedKey: string;

  constructor(scope: Construct, id: string, props: SiteToSiteVpnProps) {
    super(scope, id);
    const { naming, vpn, site } = props;
    const ipCount = gatewayPublicIpCount(vpn);
    if (vpn.publicIpCount !== undefined && vpn.publicIpCount !== ipCount) {
      throw new Error(`${this.node.path}: publicIpCount ${vpn.publicIpCount} does not match activeActive=${vpn.activeActive}; allowed: ${ipCount}`);
    }
    if (!!site.gatewayIpAddress === !!site.gatewayFqdn) {
      throw new Error(`${this.node.path}: the site needs exactly one of gatewayIpAddress and gatewayFqdn`);
    }
    const common = { resourceGroupName: props.resourceGroupName, location: props.location, tags: props.tags };

    // Standard, static, same zones on every IP: AZ SKUs need Standard IPs and active-active needs them identical.
    const ipConfigNames: string[] = [];
    for (let i = 1; i <= ipCount; i++) {
      this.publicIps.push(
        new PublicIp(this, `public-ip-${i}`, {
          ...common,
          name: naming.publicIp(`vpngw-${i}`),
          sku: 'Standard',
          allocationMethod: 'Static',
          zones: vpn.zones.length > 0 ? [...vpn.zones] : undefined,
        }),
      );
      ipConfigNames.push(`vpngw-ipconfig-${i}`);
    }

    this.gateway = new VirtualNetworkGateway(this, 'gateway', {
      ...common,
      name: naming.vpnGateway(),
      type: 'Vpn',
      vpnType: 'RouteBased',
      sku: vpn.sku,
      generation: gatewayGeneration(vpn),
      activeActive: vpn.activeActive,
      enableBgp: !!vpn.bgp,
      bgpSettings: vpn.bgp
        ? {
            asn: vpn.bgp.asn,
            peeringAddresses:
              vpn.bgp.apipaAddresses.length > 0
                ? ipConfigNames.map((name, i) => ({ ipConfigurationName: name, apipaAddresses: vpn.bgp!.apipaAddresses[i] ? [vpn.bgp!.apipaAddresses[i]] : [] }))
                : undefined,
          }
        : undefined,
      ipConfiguration: this.publicIps.map((ip, i) => ({
        name: ipConfigNames[i],
        publicIpAddressId: ip.id,
        privateIpAddressAllocation: 'Dynamic',
        subnetId: props.gatewaySubnetId,
      })),
      timeouts: { create: '90m', update: '90m', delete: '90m' },
    });

    this.localNetworkGateway = new LocalNetworkGateway(this, 'local-network-gateway', {
      ...common,
      name: naming.localNetworkGateway(site.name),
      gatewayAddress: site.gatewayIpAddress,
      gatewayFqdn: site.gatewayFqdn,
      addressSpace: [...site.addressPrefixes],
      bgpSettings: site.bgp ? { asn: site.bgp.asn, bgpPeeringAddress: site.bgp.peerAddress } : undefined,
    });

    if (props.sharedKey !== undefined && !/\$\{/.test(props.sharedKey)) {
      throw new Error(`${this.node.path}: sharedKey is a literal; allowed: a token from a generated secret (random_password, Key Vault)`);
    }
    this.sharedKey = props.sharedKey ?? generateVpnSharedKey(this, 'shared-key').result;

    const apipa = vpn.bgp?.apipaAddresses ?? [];
    this.connection = new VirtualNetworkGatewayConnection(this, 'connection', {
      ...common,
      name: naming.connection(site.name),
      type: 'IPsec',
      virtualNetworkGatewayId: this.gateway.id,
      localNetworkGatewayId: this.localNetworkGateway.id,
      sharedKey: this.sharedKey,
      connectionProtocol: vpn.connectionProtocol,
      dpdTimeoutSeconds: vpn.dpdTimeoutSeconds,
      enableBgp: !!vpn.bgp,
      customBgpAddresses: apipa.length > 0 ? { primary: apipa[0], secondary: apipa[1] } : undefined,
      ipsecPolicy: {
        ikeEncryption: vpn.ipsecPolicy.ikeEncryption,
        ikeIntegrity: vpn.ipsecPolicy.ikeIntegrity,
        dhGroup: vpn.ipsecPolicy.dhGroup,
        ipsecEncryption: vpn.ipsecPolicy.ipsecEncryption,
        ipsecIntegrity: vpn.ipsecPolicy.ipsecIntegrity,
        pfsGroup: vpn.ipsecPolicy.pfsGroup,
        saLifetime: vpn.ipsecPolicy.saLifetimeSeconds,
        saDatasize: vpn.ipsecPolicy.saDataSizeKilobytes,
      },
    });
  }
}
