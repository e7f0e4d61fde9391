/**
 * HN-009: every VNet that hosts machines can resolve the private endpoints: it is linked to every privatelink zone
 * the environment's private endpoints use, or its DNS servers are the resolver inbound endpoint. (A VNet with other
 * custom DNS servers ignores its linked zones.) Otherwise the cluster nodes resolve the public names, and reach the
 * services' public endpoints, which are closed: the in-Azure variant of field failure 1.
 */
import { blocks } from '../resolve';
import type { StackContext } from '../resolve';
import type { Problem, Rule, SynthResource } from '../types';
import { ctxOf, isLinked, key, target, vnetOfSubnet, zoneName } from './graph';
import { fail, unknown } from './helpers';

/** NICs and scale sets whose subnets are in this VNet. */
function machinesIn(ctx: StackContext, vnet: SynthResource): SynthResource[] {
  const subnetIds = (r: SynthResource): unknown[] =>
    r.type === 'azurerm_network_interface'
      ? blocks(r.config['ip_configuration']).map((c) => c['subnet_id'])
      : blocks(r.config['network_interface']).flatMap((n) => blocks(n['ip_configuration']).map((c) => c['subnet_id']));
  return ['azurerm_network_interface', 'azurerm_linux_virtual_machine_scale_set']
    .flatMap((t) => ctx.environmentResources(t))
    .filter((m) => subnetIds(m).some((id) => {
      const v = vnetOfSubnet(ctxOf(ctx, m), id);
      return v !== undefined && key(v) === key(vnet);
    }));
}

/** The private DNS zones the environment's private endpoints register in (those that can be followed). */
function endpointZones(ctx: StackContext): SynthResource[] {
  const zones = new Map<string, SynthResource>();
  for (const pe of ctx.environmentResources('azurerm_private_endpoint')) {
    const pctx = ctxOf(ctx, pe);
    for (const group of blocks(pe.config['private_dns_zone_group'])) {
      const ids = pctx.resolve(group['private_dns_zone_ids']);
      if (!ids.known || !Array.isArray(ids.value)) continue; // reported as unknown by HN-004/HN-005
      for (const id of ids.value) {
        const zone = target(pctx, id, 'azurerm_private_dns_zone');
        if (zone) zones.set(key(zone), zone);
      }
    }
  }
  return [...zones.values()];
}

function inboundIps(ctx: StackContext): string[] {
  return ctx.environmentResources('azurerm_private_dns_resolver_inbound_endpoint').flatMap((e) =>
    blocks(e.config['ip_configurations']).flatMap((ipc) => {
      const ip = ctxOf(ctx, e).resolve(ipc['private_ip_address']);
      return ip.known && typeof ip.value === 'string' ? [ip.value] : [];
    }),
  );
}

export const clientVnetsResolvePrivateEndpoints: Rule = {
  id: 'HN-009',
  severity: 'error',
  title: 'Every VNet hosting machines is linked to the private endpoint zones or uses the resolver as DNS',
  explanation:
    'Machines resolve through their VNet: without a link to the privatelink zone (or DNS pointed at the resolver inbound endpoint) they get the public address of a service whose public access is off. A VNet with other custom DNS servers ignores its linked zones.',
  remediation: 'Link every privatelink zone to this VNet (exactly one link per zone-VNet pair), or set its dns_servers to the resolver inbound endpoint IP.',
  appliesTo: ['azurerm_virtual_network'],
  check: (r, ctx) => {
    const machines = machinesIn(ctx, r);
    if (machines.length === 0) return [];
    const zones = endpointZones(ctx);
    if (zones.length === 0) return [];
    const dns = ctx.attr(r.config, 'dns_servers');
    if (!dns.known) return [unknown(`dns_servers is ${dns.expression}, unknown at synth; cannot show machines here resolve private endpoints.`)];
    const servers = Array.isArray(dns.value) ? dns.value.map((v) => ctx.resolve(v)) : [];
    if (servers.some((s) => !s.known)) return [unknown('a dns_servers entry is unknown at synth; cannot show machines here resolve private endpoints.')];
    const resolverIps = inboundIps(ctx);
    const values = servers.map((s) => (s.known ? String(s.value) : ''));
    if (values.some((v) => resolverIps.includes(v))) return [];
    const example = `${machines[0]!.address}${machines.length > 1 ? ` and ${machines.length - 1} more` : ''}`;
    if (values.length > 0) {
      return [fail(`hosts ${example} but uses custom DNS servers ${values.join(', ')} (not the resolver inbound endpoint), so its linked private zones are ignored.`)];
    }
    const problems: Problem[] = [];
    for (const zone of zones) {
      if (!isLinked(ctx, zone, r)) {
        problems.push(fail(`hosts ${example} but zone ${zoneName(ctx, zone) ?? zone.address} is not linked to it: those machines resolve the public name.`));
      }
    }
    return problems;
  },
};
