import type { EnvironmentConfig } from './schema';

/**
 * Every Azure name the stacks derive, in one place, so that naming rules can be checked at startup (a name
 * that breaks Azure's rules otherwise fails 20 minutes into a deployment). Pattern: `<abbr>-<prefix>-<env>[-<part>]`
 * after the Cloud Adoption Framework abbreviations.
 */
export class Naming {
  readonly base: string;

  constructor(readonly config: Pick<EnvironmentConfig, 'prefix' | 'name'>) {
    this.base = `${config.prefix}-${config.name}`;
  }

  resourceGroup(component: string): string {
    return `rg-${this.base}-${component}`;
  }
  vnet(role: string): string {
    return `vnet-${this.base}-${role}`;
  }
  /** Subnet names are per VNet; roles map to `snet-<role-in-kebab-case>`. `GatewaySubnet` stays as Azure requires. */
  subnet(role: string): string {
    return role === 'GatewaySubnet' ? role : `snet-${role.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  }
  nsg(vnetRole: string, subnetRole: string): string {
    return `nsg-${this.base}-${vnetRole}-${this.subnet(subnetRole).replace(/^snet-/, '')}`;
  }
  /** One NAT gateway per VNet (a NAT gateway cannot span VNets). */
  natGateway(vnetRole: string): string {
    return `ng-${this.base}-${vnetRole}`;
  }
  publicIp(purpose: string): string {
    return `pip-${this.base}-${purpose}`;
  }
  vpnGateway(): string {
    return `vgw-${this.base}`;
  }
  localNetworkGateway(site: string): string {
    return `lgw-${this.base}-${site}`;
  }
  connection(site: string): string {
    return `con-${this.base}-${site}`;
  }
}

/** Azure's rule for most network resource names (VNet, subnet, NSG, public IP, gateways, connections, NAT). */
export const NETWORK_NAME = {
  pattern: /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,78}[a-zA-Z0-9_]$|^[a-zA-Z0-9]$/,
  rule: '1-80 characters: letters, digits, underscores, periods and hyphens; starts with a letter or digit; ends with a letter, digit or underscore',
};
export const VNET_NAME = {
  pattern: /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}[a-zA-Z0-9_]$/,
  rule: '2-64 characters: letters, digits, underscores, periods and hyphens; starts with a letter or digit; ends with a letter, digit or underscore',
};
export const RESOURCE_GROUP_NAME = {
  pattern: /^[-\w._()]{0,89}[-\w_()]$/,
  rule: '1-90 characters: letters, digits, underscores, parentheses, hyphens and periods; does not end with a period',
};
