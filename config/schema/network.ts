import { z } from 'zod';
import { cidr, dnsName, ipv4 } from './common';

/**
 * The address plan and the site-to-site VPN. Semantic rules that need more than one field (overlaps,
 * containment, SKU/generation pairs, IPsec pairings, BGP ranges) live in config/validate/ so that every
 * problem can be reported at once, with its path.
 */

export const HUB_SUBNET_ROLES = ['GatewaySubnet', 'dnsInbound', 'dnsOutbound', 'privateEndpoints', 'agents'] as const;

export const hubSchema = z.strictObject({
  /** Address space of the hub VNet (the VNet that hosts the VPN gateway and the DNS resolver). */
  addressSpace: z.array(cidr).min(1),
  /**
   * Subnets by role. `GatewaySubnet` is the Azure-mandated name; the other keys are roles whose Azure names
   * the stack derives (`snet-dns-inbound`, ...).
   */
  subnets: z.strictObject({
    GatewaySubnet: cidr,
    dnsInbound: cidr,
    dnsOutbound: cidr,
    privateEndpoints: cidr,
    agents: cidr,
  }),
  /**
   * What runs the self-hosted pipeline agents in the `agents` subnet. `managed-devops-pool` delegates the subnet to
   * `Microsoft.DevOpsInfrastructure/pools` (a Managed DevOps Pool injects only into a delegated subnet, and a
   * delegation added by hand would be removed by the next network apply); `scale-set` leaves it undelegated for a
   * VM scale set agent pool (a delegated subnet cannot hold VMs). @default scale-set
   */
  agentPool: z.enum(['scale-set', 'managed-devops-pool']).default('scale-set'),
});

export const spokeSchema = z.strictObject({
  addressSpace: z.array(cidr).min(1),
  /** Subnet name (lower-case role, e.g. `nodes`) to prefix. */
  subnets: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, { error: 'subnet roles are lower-case, 1-41 characters: [a-z][a-z0-9-]*' }), cidr),
  /** Subnets whose machines need outbound internet access through the NAT gateway. */
  natSubnets: z.array(z.string()).default([]),
});

export const networkSchema = z.strictObject({
  hub: hubSchema,
  /** Spoke VNets by name; `cluster` hosts the Kubernetes nodes. */
  spokes: z.record(z.string().regex(/^[a-z][a-z0-9]{1,15}$/, { error: 'spoke names are 2-16 lower-case letters/digits' }), spokeSchema),
  natGateway: z
    .strictObject({
      /** Idle timeout for outbound flows, 4-120 minutes (Azure's range). */
      idleTimeoutMinutes: z.number().int().min(4).max(120).default(4),
      /** Hub subnets behind the NAT gateway (spokes declare theirs in `natSubnets`). */
      hubSubnets: z.array(z.enum(['agents'])).default(['agents']),
    })
    .prefault({}),
});

export const onPremisesSchema = z.strictObject({
  /** Short name of the site, used in resource names (e.g. `hq`). */
  name: z.string().regex(/^[a-z][a-z0-9]{1,11}$/, { error: 'site names are 2-12 lower-case letters/digits starting with a letter' }),
  /** Public address of the on-premises VPN device: exactly one of `gatewayIpAddress` and `gatewayFqdn`. */
  gatewayIpAddress: ipv4.optional(),
  gatewayFqdn: dnsName.optional(),
  /** On-premises prefixes routed over the tunnel. */
  addressPrefixes: z.array(cidr).min(1),
  /** On-premises DNS servers: the targets of the resolver's forwarding rules. */
  dnsServers: z.array(ipv4).min(1),
  /** On-premises DNS domains forwarded from Azure to `dnsServers`. */
  dnsDomains: z.array(dnsName).default([]),
  bgp: z
    .strictObject({
      /** 1-4294967295 (32-bit ASNs); reserved values (0 here, 4294967295 and the Azure/IANA lists) are refused in config/validate/vpn.ts. */
      asn: z.number().int().min(1).max(4294967295),
      /** BGP peer address of the on-premises device (an APIPA address 169.254.21.0-169.254.22.255, or a private IP). */
      peerAddress: ipv4,
    })
    .optional(),
});

export const VPN_SKUS = ['VpnGw1AZ', 'VpnGw2AZ', 'VpnGw3AZ', 'VpnGw4AZ', 'VpnGw5AZ'] as const;
export const IKE_ENCRYPTION = ['GCMAES256', 'GCMAES128', 'AES256', 'AES192', 'AES128'] as const;
export const IKE_INTEGRITY = ['SHA384', 'SHA256', 'SHA1', 'MD5'] as const;
export const DH_GROUPS = ['DHGroup24', 'ECP384', 'ECP256', 'DHGroup14', 'DHGroup2048', 'DHGroup2', 'DHGroup1', 'None'] as const;
export const IPSEC_ENCRYPTION = ['GCMAES256', 'GCMAES192', 'GCMAES128', 'AES256', 'AES192', 'AES128', 'DES3', 'DES', 'None'] as const;
export const IPSEC_INTEGRITY = ['GCMAES256', 'GCMAES192', 'GCMAES128', 'SHA256', 'SHA1', 'MD5'] as const;
export const PFS_GROUPS = ['PFS24', 'ECP384', 'ECP256', 'PFS2048', 'PFS2', 'PFS1', 'None'] as const;

export const ipsecPolicySchema = z.strictObject({
  ikeEncryption: z.enum(IKE_ENCRYPTION),
  ikeIntegrity: z.enum(IKE_INTEGRITY),
  dhGroup: z.enum(DH_GROUPS),
  ipsecEncryption: z.enum(IPSEC_ENCRYPTION),
  ipsecIntegrity: z.enum(IPSEC_INTEGRITY),
  pfsGroup: z.enum(PFS_GROUPS),
  /**
   * Quick-mode SA lifetime in seconds: 300-172799 (Azure's default 27000; the upper bound is the one azurerm applies
   * to the same IPsec policy on VPN sites and server configurations, `validation.IntBetween(300, 172799)`).
   */
  saLifetimeSeconds: z.number().int().min(300).max(172799).default(27000),
  /** Quick-mode SA lifetime in kilobytes: 1024-2147483647 (an Int32 in the API; Azure's default 102400000). */
  saDataSizeKilobytes: z.number().int().min(1024).max(2147483647).default(102400000),
});

export const vpnSchema = z.strictObject({
  /** Only zone-redundant SKUs: creating non-AZ VpnGw1-5 is blocked since 2025-01-01. */
  sku: z.enum(VPN_SKUS, { error: (issue) => `"${String(issue.input)}" is not a VPN gateway SKU that can be created: non-AZ VpnGw1-5, Basic, Standard and HighPerformance are blocked or retired; use one of ${VPN_SKUS.join(', ')}` }),
  /** Gateway generation. @default the newest the SKU supports (VpnGw1AZ: Generation1; others: Generation2) */
  generation: z.enum(['Generation1', 'Generation2']).optional(),
  activeActive: z.boolean().default(false),
  /**
   * Number of gateway public IPs. Derived from `activeActive` when omitted (1 or 2); stating it lets the
   * validator catch a mismatch.
   */
  publicIpCount: z.number().int().min(1).max(3).optional(),
  /** Availability zones of the gateway public IPs; [1, 2, 3] makes the gateway zone-redundant. */
  zones: z.array(z.enum(['1', '2', '3'])).default(['1', '2', '3']),
  /** BGP on the Azure side; requires `onPremises.bgp`. */
  bgp: z
    .strictObject({
      /**
       * Azure's ASN (default 65515, Azure's own). VPN gateways take 16- and 32-bit ASNs (VPN Gateway FAQ, "BGP and
       * routing"): 1-4294967295 here, the reserved values (4294967295 among them) refused by config/validate/vpn.ts.
       */
      asn: z.number().int().min(1).max(4294967295).default(65515),
      /** APIPA addresses Azure uses towards the device, one per gateway instance (169.254.21.0-169.254.22.255). */
      apipaAddresses: z.array(ipv4).default([]),
    })
    .optional(),
  connectionProtocol: z.enum(['IKEv2', 'IKEv1']).default('IKEv2'),
  /** Dead peer detection timeout, 9-3600 s (Azure's range; 45 by default). */
  dpdTimeoutSeconds: z.number().int().default(45),
  ipsecPolicy: ipsecPolicySchema,
});

export type HubConfig = z.infer<typeof hubSchema>;
export type SpokeConfig = z.infer<typeof spokeSchema>;
export type NetworkConfig = z.infer<typeof networkSchema>;
export type OnPremisesConfig = z.infer<typeof onPremisesSchema>;
export type VpnConfig = z.infer<typeof vpnSchema>;
export type IpsecPolicyConfig = z.infer<typeof ipsecPolicySchema>;
