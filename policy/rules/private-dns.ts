/**
 * Hybrid-network invariants of private name resolution (HN-004..007): the field failures in the mission (zone
 * linked to the wrong VNet, on-premises DNS never reaching the resolver, a resolver IP that drifts), on the
 * synthesized JSON of all stacks of one environment.
 */
import type { StackContext } from '../resolve';
import { blocks, environmentName } from '../resolve';
import type { Problem, Rule, SynthResource } from '../types';
import { ctxOf, isLinked, key, target, vnetKey, zoneName } from './graph';
import { settersOf } from './vpn-path';
import { fail, unknown } from './helpers';

export const privateEndpointZoneGroup: Rule = {
  id: 'HN-004',
  severity: 'error',
  title: 'Every private endpoint has exactly one private DNS zone group with its zone(s)',
  explanation:
    'Without a zone group no A record is registered and clients resolve the public name; a private endpoint takes at most one group of up to 5 zones.',
  remediation: 'Set private_dns_zone_group { name, private_dns_zone_ids = [<the service privatelink zone id>] } on the endpoint.',
  appliesTo: ['azurerm_private_endpoint'],
  check: (r, ctx) => {
    const groups = blocks(r.config['private_dns_zone_group']);
    if (groups.length !== 1) return [fail(`has ${groups.length} private_dns_zone_group blocks; exactly one is required.`)];
    const ids = ctx.resolve(groups[0]!['private_dns_zone_ids']);
    if (!ids.known) return [unknown(`private_dns_zone_ids is ${ids.expression}, unknown at synth.`)];
    const n = Array.isArray(ids.value) ? ids.value.length : 0;
    if (n < 1 || n > 5) return [fail(`private_dns_zone_group has ${n} zone ids; 1 to 5 are allowed.`)];
    return [];
  },
};

/** The VNets hosting a DNS resolver inbound endpoint in the environment (resource keys), or why not known. */
function resolverVnets(ctx: StackContext): { vnets: SynthResource[]; unknowns: string[] } {
  const vnets: SynthResource[] = [];
  const unknowns: string[] = [];
  for (const inbound of ctx.environmentResources('azurerm_private_dns_resolver_inbound_endpoint')) {
    const ictx = ctxOf(ctx, inbound);
    const resolver = target(ictx, inbound.config['private_dns_resolver_id'], 'azurerm_private_dns_resolver');
    const vnet = resolver && target(ctxOf(ictx, resolver), resolver.config['virtual_network_id'], 'azurerm_virtual_network');
    if (vnet) vnets.push(vnet);
    else unknowns.push(inbound.address);
  }
  return { vnets, unknowns };
}


export const zonesLinkedToResolverVnet: Rule = {
  id: 'HN-005',
  severity: 'error',
  title: 'Every private DNS zone used by a private endpoint is linked to the VNet of the resolver inbound endpoint',
  explanation:
    "The inbound endpoint answers from the zones linked to its own VNet. A zone linked elsewhere gives on-premises clients public answers: the outage in MISSION.md (replication failed for days).",
  remediation: 'Add azurerm_private_dns_zone_virtual_network_link from the zone to the VNet hosting the resolver inbound endpoint (the hub).',
  appliesTo: ['azurerm_private_endpoint'],
  check: (r, ctx) => {
    const groups = blocks(r.config['private_dns_zone_group']);
    const ids = groups.flatMap((g) => {
      const v = ctx.resolve(g['private_dns_zone_ids']);
      return v.known && Array.isArray(v.value) ? v.value : v.known ? [] : [v.expression];
    });
    if (ids.length === 0) return []; // HN-004 reports the missing group.
    const { vnets, unknowns } = resolverVnets(ctx);
    const problems: Problem[] = unknowns.map((a) => unknown(`the VNet of resolver inbound endpoint ${a} cannot be followed at synth.`));
    if (vnets.length === 0 && unknowns.length === 0) {
      return [fail(`no DNS resolver inbound endpoint in environment '${environmentName(r.stack)}': on-premises clients cannot resolve this endpoint.`)];
    }
    for (const id of ids) {
      const zone = target(ctx, id, 'azurerm_private_dns_zone');
      if (!zone) {
        problems.push(unknown(`zone id ${String(id)} does not lead to an azurerm_private_dns_zone in this environment; its VNet links cannot be checked.`));
        continue;
      }
      const name = zoneName(ctx, zone);
      for (const vnet of vnets) {
        if (!isLinked(ctx, zone, vnet)) {
          problems.push(fail(`zone ${name ?? zone.address} is not linked to VNet ${vnet.address} (${vnet.stack}), which hosts the DNS resolver inbound endpoint.`));
        }
      }
    }
    return problems;
  },
};

export const resolverInGatewayVnet: Rule = {
  id: 'HN-006',
  severity: 'error',
  title: "The resolver inbound endpoint's VNet is the VPN gateway's VNet or uses its gateway",
  explanation:
    'On-premises DNS forwards over the VPN to the inbound endpoint; if its VNet is neither the gateway VNet nor peered to it with gateway transit, the queries never arrive (nslookup times out).',
  remediation: 'Put the resolver in the hub VNet (the one with GatewaySubnet), or peer its VNet to the hub with use_remote_gateways.',
  appliesTo: ['azurerm_private_dns_resolver_inbound_endpoint'],
  check: (r, ctx) => {
    const resolver = target(ctx, r.config['private_dns_resolver_id'], 'azurerm_private_dns_resolver');
    const vnet = resolver && target(ctxOf(ctx, resolver), resolver.config['virtual_network_id'], 'azurerm_virtual_network');
    if (!vnet) return [unknown('private_dns_resolver_id cannot be followed to the resolver VNet at synth.')];
    const gatewayVnets: string[] = [];
    for (const gw of ctx.environmentResources('azurerm_virtual_network_gateway')) {
      const gctx = ctxOf(ctx, gw);
      for (const ipc of blocks(gw.config['ip_configuration'])) {
        const subnet = target(gctx, ipc['subnet_id'], 'azurerm_subnet');
        const v = subnet && vnetKey(ctxOf(gctx, subnet), subnet.config['virtual_network_name']);
        if (!v) return [unknown(`the VNet of gateway ${gw.address} cannot be followed at synth.`)];
        gatewayVnets.push(v);
      }
    }
    if (gatewayVnets.length === 0) return [fail(`no VPN gateway in environment '${environmentName(r.stack)}': on-premises DNS cannot reach the inbound endpoint.`)];
    if (gatewayVnets.includes(key(vnet))) return [];
    const peered = ctx.environmentResources('azurerm_virtual_network_peering').some((p) => {
      const pctx = ctxOf(ctx, p);
      return (
        vnetKey(pctx, p.config['virtual_network_name']) === key(vnet) &&
        gatewayVnets.includes(vnetKey(pctx, p.config['remote_virtual_network_id']) ?? '') &&
        settersOf(ctx, p, 'useRemoteGateways').length > 0
      );
    });
    return peered ? [] : [fail(`VNet ${vnet.address} is neither the gateway VNet nor peered to it with use_remote_gateways.`)];
  },
};

export const inboundEndpointStaticIp: Rule = {
  id: 'HN-007',
  severity: 'error',
  title: 'The resolver inbound endpoint has a static private IP',
  explanation: 'On-premises conditional forwarders point at this IP; a dynamic IP can change when the endpoint is reprovisioned and DNS silently breaks.',
  remediation: "Set ip_configurations { private_ip_allocation_method = 'Static', private_ip_address = <host in the inbound subnet> }.",
  appliesTo: ['azurerm_private_dns_resolver_inbound_endpoint'],
  check: (r, ctx) => {
    const ipcs = blocks(r.config['ip_configurations']);
    if (ipcs.length === 0) return [fail('no ip_configurations block.')];
    const problems: Problem[] = [];
    ipcs.forEach((ipc, i) => {
      const method = ctx.resolve(ipc['private_ip_allocation_method']);
      if (!method.known) problems.push(unknown(`ip_configurations[${i}].private_ip_allocation_method is ${method.expression}, unknown at synth.`));
      else if (method.value !== 'Static') problems.push(fail(`ip_configurations[${i}].private_ip_allocation_method is ${JSON.stringify(method.value ?? 'Dynamic (default)')}; expected 'Static'.`));
      else if (ipc['private_ip_address'] === undefined) problems.push(fail(`ip_configurations[${i}] is Static without private_ip_address.`));
    });
    return problems;
  },
};

export const noForwardingLoop: Rule = {
  id: 'HN-011',
  severity: 'error',
  title: "A forwarding ruleset is not linked to a VNet whose resolver inbound endpoint one of its rules targets",
  explanation:
    'The resolver of a VNet linked to the ruleset applies its rules; a rule that forwards to that same resolver\'s inbound endpoint loops and the query fails (the AVM resolver module links its own VNet by default).',
  remediation: 'Remove the ruleset link to that VNet, or the forwarding rule that targets its inbound endpoint.',
  appliesTo: ['azurerm_private_dns_resolver_virtual_network_link'],
  check: (r, ctx) => {
    const ruleset = target(ctx, r.config['dns_forwarding_ruleset_id'], 'azurerm_private_dns_resolver_dns_forwarding_ruleset');
    const linked = vnetKey(ctx, r.config['virtual_network_id']);
    if (!ruleset || !linked) return [unknown('the ruleset or the linked VNet cannot be followed at synth.')];
    // Inbound endpoint IPs of resolvers in the linked VNet.
    const loopIps = new Map<string, string>();
    for (const inbound of ctx.environmentResources('azurerm_private_dns_resolver_inbound_endpoint')) {
      const ictx = ctxOf(ctx, inbound);
      const resolver = target(ictx, inbound.config['private_dns_resolver_id'], 'azurerm_private_dns_resolver');
      if (!resolver || vnetKey(ctxOf(ictx, resolver), resolver.config['virtual_network_id']) !== linked) continue;
      for (const ipc of blocks(inbound.config['ip_configurations'])) {
        const ip = ictx.resolve(ipc['private_ip_address']);
        if (ip.known && typeof ip.value === 'string') loopIps.set(ip.value, inbound.address);
      }
    }
    const problems: Problem[] = [];
    for (const rule of ctx.environmentResources('azurerm_private_dns_resolver_forwarding_rule')) {
      const rctx = ctxOf(ctx, rule);
      const rs = target(rctx, rule.config['dns_forwarding_ruleset_id'], 'azurerm_private_dns_resolver_dns_forwarding_ruleset');
      if (!rs || key(rs) !== key(ruleset)) continue;
      for (const t of blocks(rule.config['target_dns_servers'])) {
        const ip = rctx.resolve(t['ip_address']);
        if (!ip.known) problems.push(unknown(`${rule.address} targets ${ip.expression}, unknown at synth; cannot exclude a forwarding loop.`));
        else if (typeof ip.value === 'string' && loopIps.has(ip.value)) {
          problems.push(fail(`${rule.address} forwards to ${ip.value}, the inbound endpoint ${loopIps.get(ip.value)} of the linked VNet: a resolution loop.`));
        }
      }
    }
    return problems;
  },
};

export const privateDnsRules: Rule[] = [privateEndpointZoneGroup, zonesLinkedToResolverVnet, resolverInGatewayVnet, inboundEndpointStaticIp, noForwardingLoop];
