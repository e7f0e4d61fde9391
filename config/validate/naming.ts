import { Naming, NETWORK_NAME, RESOURCE_GROUP_NAME, VNET_NAME } from '../naming';
import { ConfigProblem, problem } from '../problems';
import type { EnvironmentConfig } from '../schema';

interface NameRule {
  readonly pattern: RegExp;
  readonly rule: string;
}

/** The names the network and VPN stacks derive, with the rule each must follow and the config path that drives it. */
function networkNames(config: EnvironmentConfig): Array<{ name: string; rule: NameRule; path: string; what: string }> {
  const n = new Naming(config);
  return [
    { name: n.resourceGroup('network'), rule: RESOURCE_GROUP_NAME, path: 'prefix', what: 'network resource group' },
    { name: n.vnet('hub'), rule: VNET_NAME, path: 'prefix', what: 'hub VNet' },
    { name: n.natGateway('hub'), rule: NETWORK_NAME, path: 'prefix', what: 'hub NAT gateway' },
    ...Object.keys(config.network.spokes).flatMap((spoke) => [
      { name: n.vnet(spoke), rule: VNET_NAME, path: `network.spokes.${spoke}`, what: `spoke VNet ${spoke}` },
      { name: n.natGateway(spoke), rule: NETWORK_NAME, path: `network.spokes.${spoke}`, what: `spoke NAT gateway ${spoke}` },
      ...Object.keys(config.network.spokes[spoke].subnets).map((role) => ({ name: n.nsg(spoke, role), rule: NETWORK_NAME, path: `network.spokes.${spoke}.subnets.${role}`, what: 'NSG' })),
    ]),
    { name: n.vpnGateway(), rule: NETWORK_NAME, path: 'prefix', what: 'VPN gateway' },
    { name: n.localNetworkGateway(config.onPremises.name), rule: NETWORK_NAME, path: 'onPremises.name', what: 'local network gateway' },
    { name: n.connection(config.onPremises.name), rule: NETWORK_NAME, path: 'onPremises.name', what: 'VPN connection' },
  ];
}

/** Every derived name must satisfy Azure's naming rule for its resource type. */
export function validateNames(config: EnvironmentConfig): ConfigProblem[] {
  return networkNames(config)
    .filter(({ name, rule }) => !rule.pattern.test(name))
    .map(({ name, rule, path, what }) => problem(path, `the derived ${what} name "${name}" breaks Azure's naming rule`, { value: name, allowed: rule.rule }));
}
