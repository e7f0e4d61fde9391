import { allVnets, forwardingRules, inboundIp, inboundSubnet, resolverSubnetRoles, resolverVnet, rulesetLinkVnets, vnetAddressSpace, vnetSubnets, zoneLinkVnets } from '../dns-plan';
import { cidrContainsIp, isAzureUsableHost, parseCidr } from '../ipv4';
import { ConfigProblem, problem, warning } from '../problems';
import type { EnvironmentConfig } from '../schema';

/**
 * Private name resolution invariants (issue 2, section 4). Each message says what is wrong, why resolution
 * breaks, and what to change. These are the field failures of MISSION.md expressed as configuration checks.
 */

function unknownVnet(config: EnvironmentConfig, path: string, vnet: string): ConfigProblem[] {
  const known = allVnets(config);
  return known.includes(vnet) ? [] : [problem(path, `no VNet "${vnet}" in this environment`, { value: vnet, allowed: known.join(', ') })];
}

function duplicates(list: ReadonlyArray<string>, path: string, why: string): ConfigProblem[] {
  return list.flatMap((v, i) => (list.indexOf(v) !== i ? [problem(`${path}.${i}`, `"${v}" is listed twice: ${why}`, { value: v, allowed: 'each VNet once' })] : []));
}

/** Where the resolver lives and its inbound address. */
export function validateResolverPlacement(config: EnvironmentConfig): ConfigProblem[] {
  const vnet = resolverVnet(config);
  const path = 'dns.resolver.vnet';
  if (!allVnets(config).includes(vnet)) {
    return [
      problem(path, `the resolver VNet "${vnet}" is neither the hub (the VPN gateway's VNet) nor a spoke peered to it with gateway transit: queries from on-premises could never reach its inbound endpoint`, {
        value: vnet,
        allowed: allVnets(config).join(', '),
      }),
    ];
  }
  const problems: ConfigProblem[] = [];
  if (vnet !== 'hub') {
    const subnets = vnetSubnets(config, vnet) ?? {};
    const roles = resolverSubnetRoles(vnet);
    for (const role of [roles.inbound, roles.outbound]) {
      const prefix = subnets[role];
      if (!prefix) {
        problems.push(problem(`network.spokes.${vnet}.subnets`, `the resolver is placed in spoke "${vnet}", which has no "${role}" subnet for its ${role === roles.inbound ? 'inbound' : 'outbound'} endpoint`, { value: Object.keys(subnets), allowed: `add ${role}: a /28-/24 prefix dedicated to the resolver` }));
      } else if (parseCidr(prefix).prefixLength > 28 || parseCidr(prefix).prefixLength < 24) {
        problems.push(problem(`network.spokes.${vnet}.subnets.${role}`, 'DNS Private Resolver endpoint subnets must be /28 to /24', { value: prefix, allowed: '/28 to /24' }));
      }
    }
  }
  // The service once refused VNets overlapping 10.0.1.0-10.0.16.255 (azure-rest-api-specs#21744); current docs drop it.
  const legacy = { network: parseCidr('10.0.1.0/24').network, size: 16 * 256 };
  const overlapping = vnetAddressSpace(config, vnet).filter((c) => { const b = parseCidr(c); return b.network < legacy.network + legacy.size && legacy.network < b.network + b.size; });
  if (overlapping.length > 0) {
    problems.push(warning(path, `the resolver VNet's space ${overlapping.join(', ')} overlaps 10.0.1.0-10.0.16.255, which DNS Private Resolver once reserved; current documentation no longer does, but older regions or API versions may refuse the deployment`, { value: overlapping, allowed: 'a VNet space outside 10.0.1.0-10.0.16.255 to be safe' }));
  }
  const subnet = inboundSubnet(config);
  const configured = config.dns.resolver.inboundIp;
  if (subnet && configured && !isAzureUsableHost(parseCidr(subnet), configured)) {
    problems.push(
      problem('dns.resolver.inboundIp', `${configured} is not an address a resource can take in the inbound subnet ${subnet} (Azure reserves the first four and the last address)`, {
        value: configured,
        allowed: `a host of ${subnet} from offset 4 to the second-to-last address`,
      }),
    );
  }
  return problems;
}

/** (a) and (b): zones linked to the resolver VNet, and every VNet with clients resolves the private endpoints. */
export function validateZoneLinks(config: EnvironmentConfig): ConfigProblem[] {
  const links = zoneLinkVnets(config);
  const problems: ConfigProblem[] = [
    ...links.flatMap((v, i) => unknownVnet(config, `dns.zoneLinks.${i}`, v)),
    ...duplicates(links, 'dns.zoneLinks', 'Azure allows exactly one link per zone-VNet pair'),
  ];
  const dnsVnet = resolverVnet(config);
  if (!links.includes(dnsVnet)) {
    problems.push(
      problem(
        'dns.zoneLinks',
        `the privatelink zones are not linked to "${dnsVnet}", the VNet of the resolver inbound endpoint. The inbound endpoint answers only from zones linked to its own VNet, so on-premises clients (coming in over the VPN) would get public answers or NXDOMAIN for every private endpoint: the outage in MISSION.md, where replication failed for days. Link the zones to the resolver VNet`,
        { value: links, allowed: `a list that includes "${dnsVnet}" (default: the hub and every spoke)` },
      ),
    );
  }
  const clients = config.dns.resolverClients;
  problems.push(...duplicates(clients, 'dns.resolverClients', 'a VNet uses the resolver once'));
  clients.forEach((vnet, i) => {
    const path = `dns.resolverClients.${i}`;
    if (vnet === 'hub' || !(vnet in config.network.spokes)) {
      problems.push(problem(path, vnet === 'hub' ? 'the hub keeps Azure-provided DNS (it hosts the resolver and is linked to the zones)' : `no spoke "${vnet}"`, { value: vnet, allowed: Object.keys(config.network.spokes).join(', ') }));
    } else if (links.includes(vnet)) {
      problems.push(warning(path, `"${vnet}" uses the resolver as its DNS server, so its own zone links are never consulted (VNets with custom DNS ignore linked private zones); the link is harmless but redundant`, { value: vnet, allowed: 'remove it from dns.zoneLinks or from dns.resolverClients' }));
    }
  });
  for (const vnet of allVnets(config)) {
    if (!links.includes(vnet) && !clients.includes(vnet)) {
      problems.push(
        problem(
          'dns.zoneLinks',
          `VNet "${vnet}" hosts machines that use the private endpoints, but it is neither linked to the privatelink zones nor using the resolver as its DNS server: its machines would resolve every private endpoint name to the public address (which is closed), so connections fail. Add "${vnet}" to dns.zoneLinks, or to dns.resolverClients`,
          { value: links, allowed: `a list that includes "${vnet}"` },
        ),
      );
    }
  }
  return problems;
}

/** The forwarding ruleset: known VNets, no loop through the resolver's own inbound endpoint, unique domains. */
export function validateForwardingRuleset(config: EnvironmentConfig): ConfigProblem[] {
  const links = rulesetLinkVnets(config);
  const problems: ConfigProblem[] = [
    ...links.flatMap((v, i) => unknownVnet(config, `dns.resolver.rulesetLinks.${i}`, v)),
    ...duplicates(links, 'dns.resolver.rulesetLinks', 'a ruleset links a VNet once'),
  ];
  const rules = forwardingRules(config);
  const seen = new Map<string, number>();
  rules.forEach((r, i) => {
    if (seen.has(r.domain)) {
      const j = i - config.onPremises.dnsDomains.length;
      problems.push(problem(j >= 0 ? `dns.forwardingRules.${j}.domain` : `onPremises.dnsDomains.${i}`, `domain ${r.domain} already has a forwarding rule (a ruleset holds one rule per domain)`, { value: r.domain.slice(0, -1), allowed: 'each domain once across onPremises.dnsDomains and dns.forwardingRules' }));
    }
    seen.set(r.domain, i);
  });
  const names = rules.map((r) => r.name);
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i && rules[names.indexOf(name)]!.domain !== rules[i]!.domain) {
      problems.push(problem('dns.forwardingRules', `domains ${rules[names.indexOf(name)]!.domain} and ${rules[i]!.domain} derive the same rule name "${name}"`, { value: rules[i]!.domain, allowed: 'domains whose dots-to-hyphens names differ' }));
    }
  });
  if (rules.length > 1000) problems.push(problem('dns.forwardingRules', 'a forwarding ruleset holds at most 1,000 rules', { value: rules.length, allowed: '1-1000' }));

  const dnsVnet = resolverVnet(config);
  const clients = config.dns.resolverClients;
  links.forEach((vnet, i) => {
    if (clients.includes(vnet)) {
      problems.push(warning(`dns.resolver.rulesetLinks.${i}`, `"${vnet}" uses the resolver as its DNS server, so this link has no effect: its queries are answered by the inbound endpoint, which applies the rules linked to the resolver VNet "${dnsVnet}"`, { value: vnet, allowed: `remove it; link "${dnsVnet}" instead` }));
    }
  });
  if (clients.length > 0 && rules.length > 0 && !links.includes(dnsVnet)) {
    problems.push(
      warning('dns.resolver.rulesetLinks', `the resolver clients (${clients.join(', ')}) cannot resolve ${rules.map((r) => r.domain).join(', ')}: their queries reach the inbound endpoint, which applies only the rules linked to the resolver VNet "${dnsVnet}"`, {
        value: links,
        allowed: `a list that includes "${dnsVnet}"`,
      }),
    );
  }
  const ip = inboundIp(config);
  const subnet = inboundSubnet(config);
  if (ip && subnet && links.includes(dnsVnet)) {
    const looping = rules.filter((r) => r.targets.some((t) => t === ip || cidrContainsIp(parseCidr(subnet), t)));
    for (const r of looping) {
      problems.push(
        problem(
          'dns.resolver.rulesetLinks',
          `the ruleset is linked to "${dnsVnet}", the resolver's own VNet, and its rule for ${r.domain} targets the resolver's inbound endpoint (${ip}): the inbound endpoint would forward the query to itself in a loop and every lookup of ${r.domain} fails (SERVFAIL). Remove "${dnsVnet}" from dns.resolver.rulesetLinks, or point the rule at the on-premises DNS servers`,
          { value: links, allowed: `VNets other than "${dnsVnet}"` },
        ),
      );
    }
  }
  return problems;
}

/** (c) The on-premises DNS servers sit inside the prefixes the tunnel routes. */
export function validateOnPremisesDns(config: EnvironmentConfig): ConfigProblem[] {
  const prefixes = config.onPremises.addressPrefixes.map(parseCidr);
  return config.onPremises.dnsServers.flatMap((server, i) =>
    prefixes.some((p) => cidrContainsIp(p, server))
      ? []
      : [
          problem(
            `onPremises.dnsServers.${i}`,
            `DNS server ${server} is outside onPremises.addressPrefixes (the local network gateway's prefixes): Azure has no route back to it over the VPN, so its conditional-forwarder queries to the inbound endpoint time out, and the resolver cannot forward on-premises domains to it. Add its range to onPremises.addressPrefixes or correct the address`,
            { value: server, allowed: `an address inside ${config.onPremises.addressPrefixes.join(', ')}` },
          ),
        ],
  );
}
