import { cidrContainsIp, parseCidr } from './ipv4';
import { allVnets, inboundIp, resolverSubnetRoles, resolverVnet, vnetAddressSpace, vnetSubnets } from './dns-plan';
import type { EnvironmentConfig } from './schema';

/**
 * The traffic private name resolution and replication need, in both directions of the tunnel: NSG allows this
 * stack creates (where it controls the path) and the rules the on-premises firewall must allow (where it does
 * not). Field failures 2 and 3 were a DNS path and TCP 9443 left closed: every hole here has a purpose.
 */

/** An inbound allow on a subnet NSG (the shape of SubnetNsg.allowInbound). */
export interface NsgAllowPlan {
  /** VNet and subnet role whose NSG carries the rule. */
  readonly vnet: string;
  readonly subnet: string;
  readonly name: string;
  readonly priority: number;
  readonly protocol: 'Tcp' | 'Udp';
  readonly sources: ReadonlyArray<string>;
  readonly destinations?: ReadonlyArray<string>;
  readonly ports: ReadonlyArray<string>;
  readonly description: string;
}

/** A rule the on-premises side must allow. */
export interface FirewallRulePlan {
  readonly source: string;
  readonly destination: string;
  readonly protocol: 'TCP' | 'UDP' | 'UDP/TCP' | 'ESP';
  readonly ports: string;
  readonly purpose: string;
}

const host = (ip: string) => `${ip}/32`;

/** Where the process server sits: on-premises, or the hub subnet (role) that contains it. */
export function processServerLocation(config: EnvironmentConfig): 'onPremises' | { vnet: 'hub'; subnet: string } | undefined {
  const asr = config.services.siteRecovery;
  if (!asr) return undefined;
  if (config.onPremises.addressPrefixes.some((p) => cidrContainsIp(parseCidr(p), asr.processServer))) return 'onPremises';
  const role = Object.entries(config.network.hub.subnets).find(([, prefix]) => cidrContainsIp(parseCidr(prefix), asr.processServer))?.[0];
  return role ? { vnet: 'hub', subnet: role } : undefined;
}

/**
 * On-premises sources allowed to TCP 443 on the private endpoints: `services.onPremisesHttpsClients` when set, else
 * every on-premises prefix. The documented path (resolve through the resolver, then HTTPS over the tunnel) must work
 * out of the box; policy rule HN-015 fails an endpoint subnet NSG that blocks it.
 */
export function onPremisesHttpsClients(config: EnvironmentConfig): string[] {
  const declared = config.services.onPremisesHttpsClients;
  return declared.length > 0 ? [...declared] : [...config.onPremises.addressPrefixes];
}

/** Priorities 100-1999 of the hub NSGs (and of a dedicated DNS VNet's resolver subnet) belong to this plan. */
export function nsgAllows(config: EnvironmentConfig): NsgAllowPlan[] {
  const allows: NsgAllowPlan[] = [];
  const ip = inboundIp(config);
  const dnsVnet = resolverVnet(config);
  if (ip) {
    for (const [protocol, priority] of [['Udp', 100], ['Tcp', 110]] as const) {
      allows.push({
        vnet: dnsVnet, subnet: resolverSubnetRoles(dnsVnet).inbound, name: `AllowDns${protocol}FromOnPremisesDns`, priority, protocol,
        sources: config.onPremises.dnsServers.map(host), destinations: [host(ip)], ports: ['53'],
        description: `On-premises DNS servers forward the privatelink public zones to the resolver inbound endpoint (${protocol.toUpperCase()} 53; TCP for large answers).`,
      });
    }
    const clients = config.dns.resolverClients.flatMap((v) => vnetAddressSpace(config, v));
    if (clients.length > 0) {
      for (const [protocol, priority] of [['Udp', 120], ['Tcp', 130]] as const) {
        allows.push({
          vnet: dnsVnet, subnet: resolverSubnetRoles(dnsVnet).inbound, name: `AllowDns${protocol}FromResolverClients`, priority, protocol,
          sources: clients, destinations: [host(ip)], ports: ['53'],
          description: `Spokes using the resolver as their DNS server (${config.dns.resolverClients.join(', ')}) query the inbound endpoint.`,
        });
      }
    }
  }
  const azureSpaces = allVnets(config).flatMap((v) => vnetAddressSpace(config, v));
  allows.push({
    vnet: 'hub', subnet: 'privateEndpoints', name: 'AllowHttpsFromAzureVnets', priority: 200, protocol: 'Tcp', sources: azureSpaces, ports: ['443'],
    description: 'Azure workloads and pipeline agents reach Key Vault, storage and the registry through their private endpoints.',
  });
  const asr = config.services.siteRecovery;
  if (asr) {
    allows.push({
      vnet: 'hub', subnet: 'privateEndpoints', name: 'AllowHttpsFromReplication', priority: 210, protocol: 'Tcp',
      sources: [host(asr.processServer), ...asr.sourceRanges], ports: ['443'],
      description: 'Site Recovery: the appliance / process server and the replicated machines reach the vault and cache storage private endpoints on TCP 443.',
    });
    const where = processServerLocation(config);
    if (where && where !== 'onPremises') {
      allows.push({
        vnet: where.vnet, subnet: where.subnet, name: 'AllowReplicationToProcessServer', priority: 300, protocol: 'Tcp',
        sources: asr.sourceRanges, destinations: [host(asr.processServer)], ports: ['443', String(asr.dataPort)],
        description: `Site Recovery: replicated machines reach the process server on TCP 443 (control) and ${asr.dataPort} (replication data).`,
      });
    }
  }
  allows.push({
    vnet: 'hub', subnet: 'privateEndpoints', name: 'AllowHttpsFromOnPremisesClients', priority: 220, protocol: 'Tcp',
    sources: onPremisesHttpsClients(config), ports: ['443'],
    description: 'On-premises clients reach the private endpoints over the tunnel on TCP 443 (the README walkthrough; narrow with services.onPremisesHttpsClients).',
  });
  const pg = config.services.postgres;
  if (pg) {
    allows.push({
      vnet: 'hub', subnet: 'privateEndpoints', name: 'AllowPostgresFromClients', priority: 230, protocol: 'Tcp',
      sources: pg.clients.flatMap((v) => vnetAddressSpace(config, v)), ports: ['5432'],
      description: `The case-assignment tool (${pg.clients.join(', ')}) reaches PostgreSQL through its private endpoint.`,
    });
  }
  return allows;
}

/** What the on-premises firewalls must allow, for the handoff. */
export function onPremisesFirewallRules(config: EnvironmentConfig): FirewallRulePlan[] {
  const ip = inboundIp(config) ?? '<inbound endpoint>';
  const device = config.onPremises.gatewayIpAddress ?? config.onPremises.gatewayFqdn ?? '<VPN device>';
  const peSubnet = config.network.hub.subnets.privateEndpoints;
  const outbound = vnetSubnets(config, resolverVnet(config))?.[resolverSubnetRoles(resolverVnet(config)).outbound] ?? '<resolver outbound subnet>';
  const rules: FirewallRulePlan[] = [
    { source: device, destination: 'Azure VPN gateway public IP(s) (output vpn_gateway_public_ips of the vpn stack)', protocol: 'UDP', ports: '500, 4500', purpose: 'IKE and IPsec NAT traversal for the site-to-site tunnel' },
    { source: device, destination: 'Azure VPN gateway public IP(s)', protocol: 'ESP', ports: 'IP protocol 50', purpose: 'IPsec ESP when no NAT is in the path (NAT-T uses UDP 4500 instead)' },
    ...config.onPremises.dnsServers.map((dns) => ({ source: dns, destination: ip, protocol: 'UDP/TCP' as const, ports: '53', purpose: 'conditional forwarders: on-premises DNS to the resolver inbound endpoint' })),
  ];
  if (config.onPremises.dnsDomains.length > 0) {
    rules.push({ source: outbound, destination: config.onPremises.dnsServers.join(', '), protocol: 'UDP/TCP', ports: '53', purpose: `resolver outbound endpoint forwards ${config.onPremises.dnsDomains.join(', ')} to on-premises DNS` });
  }
  const asr = config.services.siteRecovery;
  if (asr) {
    const sources = asr.sourceRanges.join(', ');
    rules.push(
      { source: sources, destination: asr.processServer, protocol: 'TCP', ports: '443', purpose: 'Site Recovery: Mobility service to the appliance (replication management)' },
      { source: sources, destination: asr.processServer, protocol: 'TCP', ports: String(asr.dataPort), purpose: 'Site Recovery: Mobility service to the process server (replication data; blocked in field failure 3)' },
    );
    if (asr.multiVmConsistency) {
      rules.push({ source: sources, destination: sources, protocol: 'TCP', ports: '20004', purpose: 'Site Recovery: multi-VM consistency between replicating machines' });
    }
    rules.push(
      { source: asr.processServer, destination: peSubnet, protocol: 'TCP', ports: '443', purpose: 'Site Recovery: appliance to the vault and cache storage private endpoints (over the VPN)' },
      { source: asr.processServer, destination: 'login.microsoftonline.com (internet)', protocol: 'TCP', ports: '443', purpose: 'Microsoft Entra ID has no private endpoint: the appliance still authenticates over the internet' },
    );
  }
  for (const c of onPremisesHttpsClients(config)) {
    rules.push({ source: c, destination: peSubnet, protocol: 'TCP', ports: '443', purpose: 'on-premises clients to the private endpoints (Key Vault, registry, storage) over the tunnel' });
  }
  return rules;
}
