import { Cidr, cidrContains, cidrsOverlap, parseCidr } from '../ipv4';
import { ConfigProblem, problem } from '../problems';
import type { EnvironmentConfig } from '../schema';

interface Block {
  readonly path: string;
  readonly cidr: Cidr;
  /** The VNet a subnet belongs to; undefined for VNet spaces and on-premises prefixes. */
  readonly vnet?: string;
}

/** Every VNet space and on-premises prefix: these must not overlap one another (routing would be ambiguous). */
function topLevelBlocks(config: EnvironmentConfig): Block[] {
  return [
    ...config.network.hub.addressSpace.map((c, i) => ({ path: `network.hub.addressSpace.${i}`, cidr: parseCidr(c) })),
    ...Object.entries(config.network.spokes).flatMap(([name, spoke]) =>
      spoke.addressSpace.map((c, i) => ({ path: `network.spokes.${name}.addressSpace.${i}`, cidr: parseCidr(c) })),
    ),
    ...config.onPremises.addressPrefixes.map((c, i) => ({ path: `onPremises.addressPrefixes.${i}`, cidr: parseCidr(c) })),
  ];
}

function vnets(config: EnvironmentConfig): Array<{ path: string; space: Cidr[]; subnets: Block[] }> {
  return [
    {
      path: 'network.hub',
      space: config.network.hub.addressSpace.map(parseCidr),
      subnets: Object.entries(config.network.hub.subnets).map(([role, c]) => ({ path: `network.hub.subnets.${role}`, cidr: parseCidr(c), vnet: 'hub' })),
    },
    ...Object.entries(config.network.spokes).map(([name, spoke]) => ({
      path: `network.spokes.${name}`,
      space: spoke.addressSpace.map(parseCidr),
      subnets: Object.entries(spoke.subnets).map(([role, c]) => ({ path: `network.spokes.${name}.subnets.${role}`, cidr: parseCidr(c), vnet: name })),
    })),
  ];
}

function overlapProblems(blocks: Block[], why: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (let i = 0; i < blocks.length; i++) {
    for (let j = i + 1; j < blocks.length; j++) {
      if (cidrsOverlap(blocks[i].cidr, blocks[j].cidr)) {
        problems.push(
          problem(blocks[j].path, `${blocks[j].cidr.text} overlaps ${blocks[i].cidr.text} at ${blocks[i].path}: ${why}`, {
            value: blocks[j].cidr.text,
            allowed: `a range disjoint from ${blocks[i].cidr.text}`,
          }),
        );
      }
    }
  }
  return problems;
}

/** Subnets inside their VNet, no overlaps anywhere, Azure's minimum subnet size. */
export function validateAddressPlan(config: EnvironmentConfig): ConfigProblem[] {
  const problems = overlapProblems(
    topLevelBlocks(config),
    'peered VNets and the on-premises site must have disjoint address spaces or traffic cannot be routed between them',
  );
  for (const vnet of vnets(config)) {
    for (const subnet of vnet.subnets) {
      if (!vnet.space.some((space) => cidrContains(space, subnet.cidr))) {
        problems.push(
          problem(subnet.path, `subnet ${subnet.cidr.text} is not inside the VNet address space`, {
            value: subnet.cidr.text,
            allowed: `a range inside ${vnet.space.map((s) => s.text).join(' or ')}`,
          }),
        );
      }
      if (subnet.cidr.prefixLength > 29) {
        problems.push(problem(subnet.path, `Azure's smallest subnet is /29 (5 addresses of every subnet are reserved)`, { value: subnet.cidr.text, allowed: '/29 or larger (a smaller prefix length)' }));
      }
    }
    problems.push(...overlapProblems(vnet.subnets, 'subnets of one VNet cannot share addresses'));
  }
  return problems;
}

/**
 * GatewaySubnet: /27 or larger. Microsoft's gateway settings page ("Gateway subnet",
 * https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-gateway-settings#gwsub) requires /27 or larger
 * for every gateway SKU except Basic, and this stack allows only the VpnGw*AZ SKUs (config/schema/network.ts): a /28
 * is refused by Azure, not merely discouraged. Resizing later means deleting the gateway.
 */
export const GATEWAY_SUBNET_MAX_PREFIX = 27;

export function validateGatewaySubnet(config: EnvironmentConfig): ConfigProblem[] {
  const path = 'network.hub.subnets.GatewaySubnet';
  const cidr = parseCidr(config.network.hub.subnets.GatewaySubnet);
  if (cidr.prefixLength > GATEWAY_SUBNET_MAX_PREFIX) {
    return [problem(path, `GatewaySubnet ${cidr.text} is smaller than /${GATEWAY_SUBNET_MAX_PREFIX}, the minimum Azure requires for the ${config.vpn.sku} gateway (every SKU but Basic)`, { value: cidr.text, allowed: `/${GATEWAY_SUBNET_MAX_PREFIX} or larger (a smaller prefix length), e.g. /27 or /26` })];
  }
  return [];
}

/** DNS resolver endpoint subnets must be /28 or larger (Azure's requirement for delegated resolver subnets). */
export function validateResolverSubnets(config: EnvironmentConfig): ConfigProblem[] {
  return (['dnsInbound', 'dnsOutbound'] as const).flatMap((role) => {
    const cidr = parseCidr(config.network.hub.subnets[role]);
    return cidr.prefixLength > 28
      ? [problem(`network.hub.subnets.${role}`, `DNS Private Resolver endpoint subnets must be /28 or larger`, { value: cidr.text, allowed: '/28 to /24' })]
      : [];
  });
}

/** NAT subnets must name subnets that exist in their spoke. */
export function validateNatSubnets(config: EnvironmentConfig): ConfigProblem[] {
  return Object.entries(config.network.spokes).flatMap(([name, spoke]) =>
    spoke.natSubnets
      .map((subnet, i) => ({ subnet, i }))
      .filter(({ subnet }) => !(subnet in spoke.subnets))
      .map(({ subnet, i }) =>
        problem(`network.spokes.${name}.natSubnets.${i}`, `no subnet "${subnet}" in spoke "${name}"`, { value: subnet, allowed: Object.keys(spoke.subnets).join(', ') }),
      ),
  );
}
