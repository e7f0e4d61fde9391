/**
 * Hybrid-network invariants of the VPN path (HN-001..003): GatewaySubnet free of NSGs, and gateway transit switched
 * on in the order Azure demands. Checked on the synthesized JSON of all stacks of one environment; references are
 * followed across stacks through cdktf's remote-state outputs.
 */
import type { StackContext } from '../resolve';
import { blocks, environmentName, referencesIn } from '../resolve';
import type { Problem, Rule, SynthResource } from '../types';
import { ctxOf, key, target, vnetKey, vnetOfSubnet } from './graph';
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

export type Flag = 'useRemoteGateways' | 'allowGatewayTransit';
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

/**
 * A flag gated on the gateway's existence (`${data.azapi_resource.<x>.exists}`, a virtualNetworkGateways read with
 * ignore_not_found): true only once the gateway exists, so it never races its creation. `<env>-network` sets transit
 * that way so that a replaced peering keeps it (HN-016); the first switch-on stays with the ordered azapi updates.
 */
export function gatedOnGatewayExistence(ctx: StackContext, value: unknown): boolean {
  const m = typeof value === 'string' ? /^\$\{data\.azapi_resource\.([\w-]+)\.exists\}$/.exec(value) : null;
  if (!m) return false;
  const data = ctx.json.data?.['azapi_resource']?.[m[1]!];
  const type = ctx.resolve(data?.['type']);
  return !!data && data['ignore_not_found'] === true && type.known && typeof type.value === 'string' && /^Microsoft\.Network\/virtualNetworkGateways@/i.test(type.value);
}

function setsFlag(s: PeeringSetter, flag: Flag): Tri {
  const raw = s.setter.type === PEERING ? s.setter.config[TF_FLAG[flag]] : undefined;
  if (raw !== undefined && gatedOnGatewayExistence(s.ctx, raw)) return false;
  const v = s.setter.type === PEERING ? s.ctx.attr(s.setter.config, TF_FLAG[flag]) : s.ctx.attr(s.setter.config, 'body', 'properties', flag);
  return v.known ? v.value === true : 'unknown';
}

/** Every setter of a peering's flag in the environment (the peering and the azapi updates targeting it). */
export function settersOf(ctx: StackContext, peering: SynthResource, flag: Flag): SynthResource[] {
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

/** VNets that host a virtual network gateway (through the gateway's ip_configuration subnets). */
function gatewayVnetKeys(ctx: StackContext): { keys: Set<string>; unknowns: string[] } {
  const keys = new Set<string>();
  const unknowns: string[] = [];
  for (const gw of ctx.environmentResources('azurerm_virtual_network_gateway')) {
    for (const ipc of blocks(gw.config['ip_configuration'])) {
      const v = vnetOfSubnet(ctxOf(ctx, gw), ipc['subnet_id']);
      if (v) keys.add(key(v));
      else unknowns.push(gw.address);
    }
  }
  return { keys, unknowns };
}

export const singleRemoteGatewayUse: Rule = {
  id: 'HN-010',
  severity: 'error',
  title: 'A VNet that uses remote gateways has no gateway of its own and only one such peering',
  explanation:
    'Azure rejects use_remote_gateways on a VNet that has its own gateway, and only one of a VNet\'s peerings may use remote gateways (P3 in the network reference).',
  remediation: 'Keep gateways in the hub only, and set useRemoteGateways on exactly one peering per spoke.',
  appliesTo: PEERING_SETTERS,
  check: (r, ctx) => {
    const s = asSetter(r, ctx);
    if (!s || setsFlag(s, 'useRemoteGateways') !== true) return []; // unknowns are reported by HN-002
    if (!s.peering) return []; // reported by HN-003
    const { local } = peeringEnds(ctx, s.peering);
    if (!local) return [unknown(`the local VNet of ${s.peering.address} cannot be followed at synth.`)];
    const problems: Problem[] = [];
    const gateways = gatewayVnetKeys(ctx);
    if (gateways.keys.has(local)) problems.push(fail(`the local VNet of ${s.peering.address} has its own virtual network gateway.`));
    for (const u of gateways.unknowns) problems.push(unknown(`the VNet of gateway ${u} cannot be followed at synth.`));
    const others = ctx
      .environmentResources(PEERING)
      .filter((p) => key(p) !== key(s.peering!) && peeringEnds(ctx, p).local === local && settersOf(ctx, p, 'useRemoteGateways').length > 0);
    if (others.length > 0) problems.push(fail(`another peering of the same VNet also uses remote gateways: ${others.map((p) => p.address).join(', ')}.`));
    return problems;
  },
};

export const vpnPathRules: Rule[] = [gatewaySubnetNoNsg, spokePeeringDependsOnGateway, gatewayTransitPair, singleRemoteGatewayUse];
