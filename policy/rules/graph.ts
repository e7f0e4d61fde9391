/** Following references between resources of one environment: the graph the hybrid-network rules walk. */
import type { StackContext } from '../resolve';
import type { SynthResource } from '../types';

/** A resource's identity across the environment. */
export const key = (r: SynthResource): string => `${r.stack}/${r.address}`;

/** The context of the stack a resource lives in (its references resolve there). */
export const ctxOf = (ctx: StackContext, r: SynthResource): StackContext => (r.stack === ctx.stack ? ctx : ctx.app.stack(r.stack));

/** Resolves a reference to a resource of the given type (anywhere in the environment). */
export function target(ctx: StackContext, value: unknown, type: string): SynthResource | undefined {
  const ref = ctx.refTarget(value);
  return ref && ref.resource.type === type ? ref.resource : undefined;
}

/** Identity of the VNet a value points at, through `${azurerm_virtual_network.x.id|name}`. */
export function vnetKey(ctx: StackContext, value: unknown): string | undefined {
  const vnet = target(ctx, value, 'azurerm_virtual_network');
  return vnet ? key(vnet) : undefined;
}

/** The VNet of a subnet reference (`${azurerm_subnet.x.id}` → its virtual_network_name → the VNet). */
export function vnetOfSubnet(ctx: StackContext, subnetId: unknown): SynthResource | undefined {
  const subnet = target(ctx, subnetId, 'azurerm_subnet');
  return subnet && target(ctxOf(ctx, subnet), subnet.config['virtual_network_name'], 'azurerm_virtual_network');
}

export function zoneName(ctx: StackContext, zone: SynthResource): string | undefined {
  const n = ctxOf(ctx, zone).attr(zone.config, 'name');
  return n.known && typeof n.value === 'string' ? n.value : undefined;
}

/** Is the private DNS zone linked to the VNet (by zone reference, or by the zone's literal name)? */
export function isLinked(ctx: StackContext, zone: SynthResource, vnet: SynthResource): boolean {
  const name = zoneName(ctx, zone);
  return ctx.environmentResources('azurerm_private_dns_zone_virtual_network_link').some((l) => {
    const lctx = ctxOf(ctx, l);
    if (vnetKey(lctx, l.config['virtual_network_id']) !== key(vnet)) return false;
    const linkedZone = target(lctx, l.config['private_dns_zone_name'], 'azurerm_private_dns_zone');
    if (linkedZone) return key(linkedZone) === key(zone);
    const literal = lctx.resolve(l.config['private_dns_zone_name']);
    return literal.known && literal.value === name;
  });
}
