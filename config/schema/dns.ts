import { z } from 'zod';
import { dnsName, ipv4 } from './common';

/**
 * Private name resolution: where the DNS Private Resolver lives, which VNets the privatelink zones and the
 * forwarding ruleset are linked to, and extra forwarding rules. Everything defaults to the layout that works
 * for on-premises clients (resolver in the hub, zones linked to the hub and every spoke); the options exist so
 * that a deliberate deviation is explicit and checked (config/validate/dns.ts), not a surprise in production.
 * VNet references are `hub` or a spoke name from `network.spokes`.
 */

/** `hub` or a spoke name. */
const vnetRef = z.string().regex(/^[a-z][a-z0-9]{1,15}$/, { error: 'VNet references are "hub" or a spoke name (2-16 lower-case letters/digits)' });

export const forwardingRuleSchema = z.strictObject({
  /** Domain forwarded by the resolver (no trailing dot: the stack adds the one Azure requires). */
  domain: dnsName,
  /** DNS servers that answer for the domain (1-6, Azure's limit per rule). */
  targets: z.array(ipv4).min(1).max(6, { error: 'a forwarding rule takes at most 6 target DNS servers (Azure limit)' }),
});

export const dnsSchema = z
  .strictObject({
    resolver: z
      .strictObject({
        /**
         * VNet hosting the resolver: `hub` (the VPN gateway's VNet), or a spoke acting as a dedicated DNS VNet
         * (it then needs `dns-inbound`/`dns-outbound` subnets and is peered to the hub with gateway transit).
         * @default 'hub'
         */
        vnet: vnetRef.default('hub'),
        /** Static IP of the inbound endpoint (on-premises forwarders point here). @default the inbound subnet's host 4 (x.x.x.4), the first usable address */
        inboundIp: ipv4.optional(),
        /**
         * VNets the forwarding ruleset (on-premises domains) is linked to: machines there resolve on-premises
         * names. Never the resolver VNet when a rule targets the inbound endpoint (resolution loop).
         * @default every spoke
         */
        rulesetLinks: z.array(vnetRef).optional(),
      })
      .prefault({}),
    /**
     * VNets every privatelink zone is linked to, one link per zone-VNet pair. Must include the resolver VNet
     * (the inbound endpoint answers from the zones linked to its own VNet).
     * @default the hub and every spoke
     */
    zoneLinks: z.array(vnetRef).optional(),
    /**
     * What a linked VNet (and so the resolver, for on-premises) answers for a name under a privatelink zone that has
     * no record here, e.g. another organization's storage account behind its own private endpoint: on-premises
     * forwards all of `blob.core.windows.net` here. `NxDomainRedirect` falls back to public resolution (that
     * account keeps working); `Default` answers NXDOMAIN.
     * @default 'NxDomainRedirect'
     */
    zoneResolutionPolicy: z.enum(['NxDomainRedirect', 'Default']).default('NxDomainRedirect'),
    /** Spokes that use the resolver inbound endpoint as their DNS server (custom DNS) instead of zone links. @default [] */
    resolverClients: z.array(vnetRef).default([]),
    /** Forwarding rules in addition to `onPremises.dnsDomains` -> `onPremises.dnsServers`. @default [] */
    forwardingRules: z.array(forwardingRuleSchema).default([]),
  })
  .prefault({});

export type DnsConfig = z.infer<typeof dnsSchema>;
export type ForwardingRuleConfig = z.infer<typeof forwardingRuleSchema>;
