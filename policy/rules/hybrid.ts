/**
 * Hybrid-network invariants, checked on the synthesized JSON of all stacks of one environment (references are
 * followed across stacks through cdktf's remote-state outputs). They encode the field failures in MISSION.md: the
 * private DNS zone linked to the wrong VNet, the resolver IP drifting, peerings created before the gateway exists.
 */
import type { StackContext } from '../resolve';
import { blocks, environmentName, referencesIn } from '../resolve';
import type { Problem, Rule, SynthResource } from '../types';
import { ctxOf, isLinked, key, target, vnetKey, zoneName } from './graph';
import { fail, unknown, type Tri } from './helpers';


/** Every resource `r` depends on, directly or transitively: `depends_on` entries and `${...}` references. */
export function dependencyClosure(r: SynthResource, ctx: StackContext): SynthResource[] {
  const seen = new Map<string, SynthResource>();
  const queue: [SynthResource, StackContext][] = [[r, ctx]];
  while (queue.length > 0) {
    const [current, cctx] = queue.shift()!;
    const refs: string[] = [];
    for (const dep of (current.config['depends_on'] as unknown[] | undefined) ?? []) {
      if (typeof dep === 'string') refs.push(dep.startsWith('${') ? dep : `\${${dep}}`);
    }
    refs.push(...referencesIn({ ...current.config, depends_on: undefined, '//': undefined }));
    for (const ref of refs) {
      const t = cctx.refTarget(ref);
      if (t && !seen.has(key(t.resource))) {
        seen.set(key(t.resource), t.resource);
        queue.push([t.resource, ctxOf(cctx, t.resource)]);
      }
    }
  }
  return [...seen.values()];
}

export const gatewaySubnetNoNsg: Rule = {
  id: 'HN-001',
  severity: 'error',
  title: 'GatewaySubnet has no network security group',
  explanation:
    'NSGs on GatewaySubnet are unsupported (Azure Policy NetworkSecurityGroupOnGatewaySubnet_Deny); they break gateway control traffic and the VPN goes down.',
  remediation: 'Remove the NSG association (or the inline security_group) from GatewaySubnet.',
  appliesTo: ['azurerm_subnet_network_security_group_association', 'azurerm_virtual_network'],
  check: (r, ctx) => {
    if (r.type === 'azurerm_virtual_network') {
      return blocks(r.config['subnet'])
        .filter((s) => s['name'] === 'GatewaySubnet' && s['security_group'] !== undefined && s['security_group'] !== null)
        .map(() => fail('inline subnet GatewaySubnet has security_group set.'));
    }
    const subnetId = r.config['subnet_id'];
    const subnet = target(ctx, subnetId, 'azurerm_subnet');
    if (subnet) {
      const name = ctxOf(ctx, subnet).attr(subnet.config, 'name');
      if (!name.known) return [unknown(`the associated subnet ${subnet.address} has name ${name.expression}, unknown at synth.`)];
      return name.value === 'GatewaySubnet' ? [fail(`associates an NSG with GatewaySubnet (${subnet.address}).`)] : [];
    }
    const literal = ctx.resolve(subnetId);
    if (literal.known && typeof literal.value === 'string') {
      return /\/subnets\/GatewaySubnet$/i.test(literal.value) ? [fail('associates an NSG with GatewaySubnet.')] : [];
    }
    return [unknown(`subnet_id ${String(subnetId)} cannot be followed to a subnet at synth; cannot show it is not GatewaySubnet.`)];
  },
};

const PEERING = 'azurerm_virtual_network_peering';
const AZAPI_UPDATE = 'azapi_update_resource';
const PEERING_API = /^Microsoft\.Network\/virtualNetworks\/virtualNetworkPeerings@/i;

type Flag = 'useRemoteGateways' | 'allowGatewayTransit';
const TF_FLAG: Record<Flag, string> = { useRemoteGateways: 'use_remote_gateways', allowGatewayTransit: 'allow_gateway_transit' };

/**
 * Something that sets a peering's gateway flags: the azurerm peering itself, or an `azapi_update_resource` on a
 * peering (this repo switches transit on that way, after the gateway exists, without recreating the peering).
 */
interface PeeringSetter {
  readonly setter: SynthResource;
  readonly ctx: StackContext;
  /** The azurerm peering being configured, when it can be followed. */
  readonly peering: SynthResource | undefined;
}

function asSetter(r: SynthResource, ctx: StackContext): PeeringSetter | undefined {
  if (r.type === PEERING) return { setter: r, ctx, peering: r };
  if (r.type !== AZAPI_UPDATE) return undefined;
  const type = ctx.resolve(r.config['type']);
  if (!type.known || typeof type.value !== 'string' || !PEERING_API.test(type.value)) return undefined;
  return { setter: r, ctx, peering: target(ctx, r.config['resource_id'], PEERING) };
}

function setsFlag(s: PeeringSetter, flag: Flag): Tri {
  const v = s.setter.type === PEERING ? s.ctx.attr(s.setter.config, TF_FLAG[flag]) : s.ctx.attr(s.setter.config, 'body', 'properties', flag);
  return v.known ? v.value === true : 'unknown';
}

/** Every setter of a peering's flag in the environment (the peering and the azapi updates targeting it). */
function settersOf(ctx: StackContext, peering: SynthResource, flag: Flag): SynthResource[] {
  const candidates = [peering, ...ctx.environmentResources(AZAPI_UPDATE)];
  return candidates.filter((c) => {
    const s = asSetter(c, ctxOf(ctx, c));
    return s?.peering !== undefined && key(s.peering) === key(peering) && setsFlag(s, flag) === true;
  });
}

const PEERING_SETTERS = [PEERING, AZAPI_UPDATE];

export const spokePeeringDependsOnGateway: Rule = {
  id: 'HN-002',
  severity: 'error',
  title: 'A peering that uses remote gateways depends on the VPN gateway',
  explanation:
    'Creating a peering with use_remote_gateways before the remote VNet has a provisioned gateway fails with RemoteVnetHasNoGateways (hashicorp/terraform#30569, azurerm#2872); Terraform only orders what it can see.',
  remediation: 'Add the gateway to dependsOn of the peering (or of the azapi update that sets useRemoteGateways).',
  appliesTo: PEERING_SETTERS,
  check: (r, ctx) => {
    const s = asSetter(r, ctx);
    if (!s) return [];
    const urg = setsFlag(s, 'useRemoteGateways');
    if (urg === 'unknown') return [unknown('useRemoteGateways is unknown at synth; cannot check the dependency on the gateway.')];
    if (!urg) return [];
    const gateway = dependencyClosure(r, ctx).find((d) => d.type === 'azurerm_virtual_network_gateway');
    return gateway ? [] : [fail('sets useRemoteGateways but does not depend on any azurerm_virtual_network_gateway.')];
  },
};


function peeringEnds(ctx: StackContext, p: SynthResource): { local?: string; remote?: string } {
  const pctx = ctxOf(ctx, p);
  return { local: vnetKey(pctx, p.config['virtual_network_name']), remote: vnetKey(pctx, p.config['remote_virtual_network_id']) };
}

export const gatewayTransitPair: Rule = {
  id: 'HN-003',
  severity: 'error',
  title: 'Remote-gateway use is paired with gateway transit on the reverse peering, ordered after it',
  explanation:
    'use_remote_gateways only works when the remote side allows gateway transit, and the hub side must be set first; otherwise the spoke side fails or the spoke never learns the on-premises routes.',
  remediation:
    'Peer both directions; set allowGatewayTransit on hub→spoke and useRemoteGateways on spoke→hub, the latter depending on the former (GatewayTransit construct).',
  appliesTo: PEERING_SETTERS,
  check: (r, ctx) => {
    const s = asSetter(r, ctx);
    if (!s) return [];
    const urg = setsFlag(s, 'useRemoteGateways');
    if (urg === 'unknown') return [unknown('useRemoteGateways is unknown at synth.')];
    if (!urg) return [];
    if (!s.peering) return [unknown(`resource_id ${String(r.config['resource_id'])} cannot be followed to an azurerm peering at synth.`)];
    const { local, remote } = peeringEnds(ctx, s.peering);
    if (!local || !remote) return [unknown(`the VNets of ${s.peering.address} cannot be followed at synth.`)];
    const reverse = ctx.environmentResources(PEERING).filter((p) => {
      const ends = peeringEnds(ctx, p);
      return ends.local === remote && ends.remote === local;
    });
    if (reverse.length === 0) return [fail(`no reverse peering from the remote VNet back to this one in environment '${environmentName(r.stack)}'.`)];
    const transit = reverse.flatMap((q) => settersOf(ctx, q, 'allowGatewayTransit'));
    if (transit.length === 0) {
      return [fail(`the reverse peering ${reverse.map((q) => q.address).join(', ')} never gets allow_gateway_transit = true.`)];
    }
    const closure = new Set(dependencyClosure(r, ctx).map(key));
    if (!transit.some((t) => closure.has(key(t)))) {
      return [fail(`does not depend on ${transit.map((t) => t.address).join(' or ')}, which enables gateway transit; it may run first and fail.`)];
    }
    return [];
  },
};

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

export const hybridRules: Rule[] = [
  gatewaySubnetNoNsg,
  spokePeeringDependsOnGateway,
  gatewayTransitPair,
  privateEndpointZoneGroup,
  zonesLinkedToResolverVnet,
  resolverInGatewayVnet,
  inboundEndpointStaticIp,
];
