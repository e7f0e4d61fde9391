import { checkStacks } from '../../policy/engine';
import { hybridNetwork } from '../../policy/packs';
import { gatewaySubnetNoNsg, gatewayTransitPair, singleRemoteGatewayUse, spokePeeringDependsOnGateway } from '../../policy/rules/vpn-path';
import {
  inboundEndpointStaticIp,
  noForwardingLoop,
  privateEndpointZoneGroup,
  resolverInGatewayVnet,
  zonesLinkedToResolverVnet,
} from '../../policy/rules/private-dns';
import { clientVnetsResolvePrivateEndpoints } from '../../policy/rules/dns-clients';
import { dnsPathOpen, prefixContains } from '../../policy/rules/dns-path';
import type { Rule } from '../../policy/types';
import { kinds, run } from './fixtures';
import { asStacks, hybridEnvironment, type Env } from './hybrid-fixture';

const check = (rule: Rule, env: Env, stack: keyof Env, address: string) => kinds(run(rule, asStacks(env), address, stack));

test('the compliant environment has no hybrid-network findings at all', () => {
  const report = checkStacks(new Map(Object.entries(asStacks(hybridEnvironment()))), [hybridNetwork]);
  expect(report.findings).toEqual([]);
});

describe(`${gatewaySubnetNoNsg.id}: ${gatewaySubnetNoNsg.title}`, () => {
  test('compliant: the NSG is associated with another subnet', () => {
    expect(check(gatewaySubnetNoNsg, hybridEnvironment(), 'dev-network', 'azurerm_subnet_network_security_group_association.pe')).toEqual([]);
  });
  test('fails: association with GatewaySubnet (followed through the subnet reference)', () => {
    const env = hybridEnvironment();
    env['dev-network'].resource['azurerm_subnet_network_security_group_association']!['pe']!['subnet_id'] = '${azurerm_subnet.gw.id}';
    expect(check(gatewaySubnetNoNsg, env, 'dev-network', 'azurerm_subnet_network_security_group_association.pe')).toEqual(['fail']);
  });
  test('fails: association in another stack, through a cross-stack reference', () => {
    const env = hybridEnvironment();
    env['dev-vpn'].resource['azurerm_subnet_network_security_group_association'] = {
      gw: { subnet_id: '${data.terraform_remote_state.cross-stack-reference-input-dev-network.outputs.cross-stack-output-gw_subnet_id}', network_security_group_id: 'x' },
    };
    expect(check(gatewaySubnetNoNsg, env, 'dev-vpn', 'azurerm_subnet_network_security_group_association.gw')).toEqual(['fail']);
  });
  test('fails: inline GatewaySubnet with security_group', () => {
    const env = hybridEnvironment();
    env['dev-network'].resource['azurerm_virtual_network']!['hub']!['subnet'] = [
      { name: 'GatewaySubnet', address_prefixes: ['10.0.0.0/27'], security_group: '${azurerm_network_security_group.pe.id}' },
    ];
    expect(check(gatewaySubnetNoNsg, env, 'dev-network', 'azurerm_virtual_network.hub')).toEqual(['fail']);
  });
  test('fails: literal subnet id ending in /subnets/GatewaySubnet', () => {
    const env = hybridEnvironment();
    env['dev-network'].resource['azurerm_subnet_network_security_group_association']!['pe']!['subnet_id'] =
      '/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/GatewaySubnet';
    expect(check(gatewaySubnetNoNsg, env, 'dev-network', 'azurerm_subnet_network_security_group_association.pe')).toEqual(['fail']);
  });
  test('unknown: subnet id computed by a function', () => {
    const env = hybridEnvironment();
    env['dev-network'].resource['azurerm_subnet_network_security_group_association']!['pe']!['subnet_id'] = '${element(var.subnet_ids, 0)}';
    expect(check(gatewaySubnetNoNsg, env, 'dev-network', 'azurerm_subnet_network_security_group_association.pe')).toEqual(['unknown']);
  });
});

describe(`${spokePeeringDependsOnGateway.id}: ${spokePeeringDependsOnGateway.title}`, () => {
  const AZAPI = 'azapi_update_resource.spoke_remote_gateways';
  test('compliant: the azapi update that sets useRemoteGateways depends on the gateway', () => {
    expect(check(spokePeeringDependsOnGateway, hybridEnvironment(), 'dev-vpn', AZAPI)).toEqual([]);
  });
  test('compliant: transitively, through the hub-side update that depends on the gateway', () => {
    const env = hybridEnvironment();
    env['dev-vpn'].resource['azapi_update_resource']!['spoke_remote_gateways']!['depends_on'] = ['azapi_update_resource.hub_transit'];
    expect(check(spokePeeringDependsOnGateway, env, 'dev-vpn', AZAPI)).toEqual([]);
  });
  test('fails: no dependency on the gateway', () => {
    const env = hybridEnvironment();
    delete env['dev-vpn'].resource['azapi_update_resource']!['spoke_remote_gateways']!['depends_on'];
    expect(check(spokePeeringDependsOnGateway, env, 'dev-vpn', AZAPI)).toEqual(['fail']);
  });
  test('fails: an azurerm peering with use_remote_gateways = true and no dependency', () => {
    const env = hybridEnvironment();
    const peering = env['dev-network'].resource['azurerm_virtual_network_peering']!['spoke_to_hub']!;
    peering['use_remote_gateways'] = true;
    delete peering['lifecycle'];
    expect(check(spokePeeringDependsOnGateway, env, 'dev-network', 'azurerm_virtual_network_peering.spoke_to_hub')).toEqual(['fail']);
  });
  test('compliant: peerings without useRemoteGateways are not concerned', () => {
    expect(check(spokePeeringDependsOnGateway, hybridEnvironment(), 'dev-network', 'azurerm_virtual_network_peering.spoke_to_hub')).toEqual([]);
  });
  test('unknown: useRemoteGateways from a variable', () => {
    const env = hybridEnvironment();
    env['dev-vpn'].resource['azapi_update_resource']!['spoke_remote_gateways']!['body'] = { properties: { useRemoteGateways: '${var.urg}' } };
    expect(check(spokePeeringDependsOnGateway, env, 'dev-vpn', AZAPI)).toEqual(['unknown']);
  });
});

describe(`${gatewayTransitPair.id}: ${gatewayTransitPair.title}`, () => {
  const AZAPI = 'azapi_update_resource.spoke_remote_gateways';
  test('compliant: hub-side transit enabled and ordered first', () => {
    expect(check(gatewayTransitPair, hybridEnvironment(), 'dev-vpn', AZAPI)).toEqual([]);
  });
  test('fails: nothing enables allowGatewayTransit on the reverse peering', () => {
    const env = hybridEnvironment();
    env['dev-vpn'].resource['azapi_update_resource']!['hub_transit']!['body'] = { properties: { allowForwardedTraffic: true } };
    expect(check(gatewayTransitPair, env, 'dev-vpn', AZAPI)).toEqual(['fail']);
  });
  test('fails: the spoke side does not wait for the hub side', () => {
    const env = hybridEnvironment();
    env['dev-vpn'].resource['azapi_update_resource']!['spoke_remote_gateways']!['depends_on'] = ['azurerm_virtual_network_gateway.gw'];
    expect(check(gatewayTransitPair, env, 'dev-vpn', AZAPI)).toEqual(['fail']);
  });
  test('fails: no reverse peering', () => {
    const env = hybridEnvironment();
    delete env['dev-network'].resource['azurerm_virtual_network_peering']!['hub_to_spoke'];
    expect(check(gatewayTransitPair, env, 'dev-vpn', AZAPI)).toEqual(['fail']);
  });
  test('unknown: the updated peering cannot be followed', () => {
    const env = hybridEnvironment();
    env['dev-vpn'].resource['azapi_update_resource']!['spoke_remote_gateways']!['resource_id'] = '${var.peering_id}';
    expect(check(gatewayTransitPair, env, 'dev-vpn', AZAPI)).toEqual(['unknown']);
  });
});

describe(`${privateEndpointZoneGroup.id}: ${privateEndpointZoneGroup.title}`, () => {
  const PE = 'azurerm_private_endpoint.blob';
  const pe = (env: Env) => env['dev-services'].resource['azurerm_private_endpoint']!['blob']!;
  test('compliant', () => expect(check(privateEndpointZoneGroup, hybridEnvironment(), 'dev-services', PE)).toEqual([]));
  test('fails: no zone group', () => {
    const env = hybridEnvironment();
    delete pe(env)['private_dns_zone_group'];
    expect(check(privateEndpointZoneGroup, env, 'dev-services', PE)).toEqual(['fail']);
  });
  test('fails: two zone groups (override) or an empty / oversized zone list', () => {
    for (const group of [
      [
        { name: 'a', private_dns_zone_ids: ['${azurerm_private_dns_zone.blob.id}'] },
        { name: 'b', private_dns_zone_ids: ['${azurerm_private_dns_zone.blob.id}'] },
      ],
      { name: 'a', private_dns_zone_ids: [] },
      { name: 'a', private_dns_zone_ids: ['1', '2', '3', '4', '5', '6'] },
    ]) {
      const env = hybridEnvironment();
      pe(env)['private_dns_zone_group'] = group;
      expect(check(privateEndpointZoneGroup, env, 'dev-services', PE)).toEqual(['fail']);
    }
  });
  test('unknown: zone ids computed', () => {
    const env = hybridEnvironment();
    pe(env)['private_dns_zone_group'] = { name: 'a', private_dns_zone_ids: '${values(var.zones)}' };
    expect(check(privateEndpointZoneGroup, env, 'dev-services', PE)).toEqual(['unknown']);
  });
});

describe(`${zonesLinkedToResolverVnet.id}: ${zonesLinkedToResolverVnet.title}`, () => {
  const PE = 'azurerm_private_endpoint.blob';
  const link = (env: Env) => env['dev-services'].resource['azurerm_private_dns_zone_virtual_network_link']!['blob_hub']!;
  test('compliant: zone linked to the hub VNet, followed across stacks', () => {
    expect(check(zonesLinkedToResolverVnet, hybridEnvironment(), 'dev-services', PE)).toEqual([]);
  });
  test('compliant: link by literal zone name', () => {
    const env = hybridEnvironment();
    link(env)['private_dns_zone_name'] = 'privatelink.blob.core.windows.net';
    expect(check(zonesLinkedToResolverVnet, env, 'dev-services', PE)).toEqual([]);
  });
  test('fails: the field failure, zone linked to a different VNet than the resolver one', () => {
    const env = hybridEnvironment();
    link(env)['virtual_network_id'] = '${data.terraform_remote_state.cross-stack-reference-input-dev-network.outputs.cross-stack-output-spoke_id}';
    const problems = run(zonesLinkedToResolverVnet, asStacks(env), PE, 'dev-services');
    expect(kinds(problems)).toEqual(['fail']);
    expect(problems[0]!.message).toContain('privatelink.blob.core.windows.net is not linked to VNet azurerm_virtual_network.hub');
  });
  test('fails: no link at all', () => {
    const env = hybridEnvironment();
    delete env['dev-services'].resource['azurerm_private_dns_zone_virtual_network_link'];
    expect(check(zonesLinkedToResolverVnet, env, 'dev-services', PE)).toEqual(['fail']);
  });
  test('fails: no resolver inbound endpoint in the environment', () => {
    const env = hybridEnvironment();
    delete env['dev-network'].resource['azurerm_private_dns_resolver_inbound_endpoint'];
    expect(check(zonesLinkedToResolverVnet, env, 'dev-services', PE)).toEqual(['fail']);
  });
  test('unknown: a zone id that is not a reference to a zone resource', () => {
    const env = hybridEnvironment();
    env['dev-services'].resource['azurerm_private_endpoint']!['blob']!['private_dns_zone_group'] = { name: 'a', private_dns_zone_ids: ['${var.zone_id}'] };
    expect(check(zonesLinkedToResolverVnet, env, 'dev-services', PE)).toEqual(['unknown']);
  });
});

describe(`${resolverInGatewayVnet.id}: ${resolverInGatewayVnet.title}`, () => {
  const IN = 'azurerm_private_dns_resolver_inbound_endpoint.inbound';
  test('compliant: resolver in the gateway (hub) VNet', () => {
    expect(check(resolverInGatewayVnet, hybridEnvironment(), 'dev-network', IN)).toEqual([]);
  });
  test('compliant: resolver in a spoke that uses the hub gateway', () => {
    const env = hybridEnvironment();
    env['dev-network'].resource['azurerm_private_dns_resolver']!['dns']!['virtual_network_id'] = '${azurerm_virtual_network.spoke.id}';
    expect(check(resolverInGatewayVnet, env, 'dev-network', IN)).toEqual([]);
  });
  test('fails: resolver in a VNet that does not use the gateway', () => {
    const env = hybridEnvironment();
    env['dev-network'].resource['azurerm_virtual_network']!['dns'] = { name: 'vnet-dns' };
    env['dev-network'].resource['azurerm_private_dns_resolver']!['dns']!['virtual_network_id'] = '${azurerm_virtual_network.dns.id}';
    expect(check(resolverInGatewayVnet, env, 'dev-network', IN)).toEqual(['fail']);
  });
  test('fails: no VPN gateway in the environment', () => {
    const env = hybridEnvironment();
    delete env['dev-vpn'].resource['azurerm_virtual_network_gateway'];
    expect(check(resolverInGatewayVnet, env, 'dev-network', IN)).toEqual(['fail']);
  });
  test('unknown: the resolver cannot be followed', () => {
    const env = hybridEnvironment();
    env['dev-network'].resource['azurerm_private_dns_resolver_inbound_endpoint']!['inbound']!['private_dns_resolver_id'] = '${var.resolver_id}';
    expect(check(resolverInGatewayVnet, env, 'dev-network', IN)).toEqual(['unknown']);
  });
});

describe(`${inboundEndpointStaticIp.id}: ${inboundEndpointStaticIp.title}`, () => {
  const IN = 'azurerm_private_dns_resolver_inbound_endpoint.inbound';
  const ipc = (env: Env) => env['dev-network'].resource['azurerm_private_dns_resolver_inbound_endpoint']!['inbound']!['ip_configurations'][0];
  test('compliant', () => expect(check(inboundEndpointStaticIp, hybridEnvironment(), 'dev-network', IN)).toEqual([]));
  test('fails: Dynamic, or the method left at its default', () => {
    const env = hybridEnvironment();
    ipc(env)['private_ip_allocation_method'] = 'Dynamic';
    expect(check(inboundEndpointStaticIp, env, 'dev-network', IN)).toEqual(['fail']);
    delete ipc(env)['private_ip_allocation_method'];
    expect(check(inboundEndpointStaticIp, env, 'dev-network', IN)).toEqual(['fail']);
  });
  test('unknown', () => {
    const env = hybridEnvironment();
    ipc(env)['private_ip_allocation_method'] = '${var.method}';
    expect(check(inboundEndpointStaticIp, env, 'dev-network', IN)).toEqual(['unknown']);
  });
});

describe(`${dnsPathOpen.id}: ${dnsPathOpen.title}`, () => {
  const IN = 'azurerm_private_dns_resolver_inbound_endpoint.inbound';
  const rules = (env: Env) => env['dev-network'].resource['azurerm_network_security_rule']!;
  test('prefix matching: CIDR, host, tags', () => {
    expect(prefixContains('192.168.10.0/24', '192.168.10.10')).toBe(true);
    expect(prefixContains('192.168.10.10', '192.168.10.10')).toBe(true);
    expect(prefixContains('192.168.11.0/24', '192.168.10.10')).toBe(false);
    expect(prefixContains('VirtualNetwork', '192.168.10.10')).toBe(true);
    expect(prefixContains('*', '10.0.1.4')).toBe(true);
    expect(prefixContains('AzureLoadBalancer', '192.168.10.10')).toBe(false);
  });
  test('compliant: explicit UDP and TCP 53 allows before the deny-all', () => {
    expect(check(dnsPathOpen, hybridEnvironment(), 'dev-network', IN)).toEqual([]);
  });
  test('compliant: no NSG on the inbound subnet (default AllowVnetInBound covers VPN prefixes)', () => {
    const env = hybridEnvironment();
    delete env['dev-network'].resource['azurerm_subnet_network_security_group_association']!['dns_in'];
    expect(check(dnsPathOpen, env, 'dev-network', IN)).toEqual([]);
  });
  test('compliant: allowed through the VirtualNetwork tag', () => {
    const env = hybridEnvironment();
    for (const k of ['dns_udp', 'dns_tcp']) rules(env)[k]!['source_address_prefixes'] = ['VirtualNetwork'];
    expect(check(dnsPathOpen, env, 'dev-network', IN)).toEqual([]);
  });
  test('fails: the field failure, only the deny-all (no DNS allows)', () => {
    const env = hybridEnvironment();
    delete rules(env)['dns_udp'];
    delete rules(env)['dns_tcp'];
    const problems = run(dnsPathOpen, asStacks(env), IN, 'dev-network');
    expect(kinds(problems)).toEqual(['fail', 'fail']);
    expect(problems[0]!.message).toContain('denies UDP 53 from on-premises DNS server 192.168.10.10 to 10.0.1.4');
  });
  test('fails: TCP forgotten (large answers and zone transfers fall back to TCP)', () => {
    const env = hybridEnvironment();
    delete rules(env)['dns_tcp'];
    expect(check(dnsPathOpen, env, 'dev-network', IN)).toEqual(['fail']);
  });
  test('fails: a deny with a lower priority number shadows the allows', () => {
    const env = hybridEnvironment();
    rules(env)['deny_all']!['priority'] = 50;
    expect(check(dnsPathOpen, env, 'dev-network', IN)).toEqual(['fail', 'fail']);
  });
  test('fails: the allow covers the wrong source range', () => {
    const env = hybridEnvironment();
    for (const k of ['dns_udp', 'dns_tcp']) rules(env)[k]!['source_address_prefixes'] = ['192.168.20.0/24'];
    expect(check(dnsPathOpen, env, 'dev-network', IN)).toEqual(['fail', 'fail']);
  });
  test('unknown: the allow rule source is not known at synth', () => {
    const env = hybridEnvironment();
    rules(env)['dns_udp']!['source_address_prefixes'] = '${var.onprem_dns}';
    expect(check(dnsPathOpen, env, 'dev-network', IN)).toEqual(['unknown']);
  });
  test('unknown: an on-premises DNS server address is not known at synth', () => {
    const env = hybridEnvironment();
    env['dev-network'].resource['azurerm_private_dns_resolver_forwarding_rule']!['corp']!['target_dns_servers'] = [
      { ip_address: '192.168.10.10' },
      { ip_address: '${var.dns2}' },
    ];
    expect(check(dnsPathOpen, env, 'dev-network', IN)).toEqual(['unknown']);
  });
});

describe(`${clientVnetsResolvePrivateEndpoints.id}: ${clientVnetsResolvePrivateEndpoints.title}`, () => {
  const rule = clientVnetsResolvePrivateEndpoints;
  const SPOKE = 'azurerm_virtual_network.spoke';
  const links = (env: Env) => env['dev-services'].resource['azurerm_private_dns_zone_virtual_network_link']!;
  test('compliant: the spoke with the cluster NIC is linked to the endpoint zones', () => {
    expect(check(rule, hybridEnvironment(), 'dev-network', SPOKE)).toEqual([]);
  });
  test('compliant: a VNet without machines needs no link', () => {
    const env = hybridEnvironment();
    delete links(env)['blob_spoke'];
    delete env['dev-cluster'].resource['azurerm_network_interface'];
    expect(check(rule, env, 'dev-network', SPOKE)).toEqual([]);
  });
  test('compliant: no link, but DNS servers point at the resolver inbound endpoint', () => {
    const env = hybridEnvironment();
    delete links(env)['blob_spoke'];
    env['dev-network'].resource['azurerm_virtual_network']!['spoke']!['dns_servers'] = ['10.0.1.4'];
    expect(check(rule, env, 'dev-network', SPOKE)).toEqual([]);
  });
  test('fails: machines in a VNet that is not linked to the zone (followed from a NIC in another stack)', () => {
    const env = hybridEnvironment();
    delete links(env)['blob_spoke'];
    const problems = run(rule, asStacks(env), SPOKE, 'dev-network');
    expect(kinds(problems)).toEqual(['fail']);
    expect(problems[0]!.message).toContain('azurerm_network_interface.node0');
    expect(problems[0]!.message).toContain('privatelink.blob.core.windows.net');
  });
  test('fails: custom DNS servers other than the resolver (linked zones are ignored)', () => {
    const env = hybridEnvironment();
    env['dev-network'].resource['azurerm_virtual_network']!['spoke']!['dns_servers'] = ['192.168.10.10'];
    expect(check(rule, env, 'dev-network', SPOKE)).toEqual(['fail']);
  });
  test('unknown: DNS servers not known at synth', () => {
    const env = hybridEnvironment();
    env['dev-network'].resource['azurerm_virtual_network']!['spoke']!['dns_servers'] = '${var.dns}';
    expect(check(rule, env, 'dev-network', SPOKE)).toEqual(['unknown']);
  });
});

describe(`${singleRemoteGatewayUse.id}: ${singleRemoteGatewayUse.title}`, () => {
  const AZAPI = 'azapi_update_resource.spoke_remote_gateways';
  const net = (env: Env) => env['dev-network'].resource;
  test('compliant: the spoke has no gateway and one remote-gateway peering', () => {
    expect(check(singleRemoteGatewayUse, hybridEnvironment(), 'dev-vpn', AZAPI)).toEqual([]);
  });
  test('fails: the spoke has a gateway of its own', () => {
    const env = hybridEnvironment();
    net(env)['azurerm_virtual_network_gateway'] = { spoke_gw: { name: 'vgw-spoke', ip_configuration: [{ name: 'ip', subnet_id: '${azurerm_subnet.nodes.id}' }] } };
    expect(check(singleRemoteGatewayUse, env, 'dev-vpn', AZAPI)).toEqual(['fail']);
  });
  test('fails: a second peering of the spoke also uses remote gateways', () => {
    const env = hybridEnvironment();
    net(env)['azurerm_virtual_network']!['hub2'] = { name: 'vnet-hub2' };
    net(env)['azurerm_virtual_network_peering']!['spoke_to_hub2'] = {
      name: 'peer-spoke-to-hub2',
      virtual_network_name: '${azurerm_virtual_network.spoke.name}',
      remote_virtual_network_id: '${azurerm_virtual_network.hub2.id}',
      use_remote_gateways: true,
    };
    const problems = run(singleRemoteGatewayUse, asStacks(env), AZAPI, 'dev-vpn');
    expect(kinds(problems)).toEqual(['fail']);
    expect(problems[0]!.message).toContain('spoke_to_hub2');
  });
  test('unknown: the local VNet cannot be followed', () => {
    const env = hybridEnvironment();
    net(env)['azurerm_virtual_network_peering']!['spoke_to_hub']!['virtual_network_name'] = '${var.spoke_name}';
    expect(check(singleRemoteGatewayUse, env, 'dev-vpn', AZAPI)).toEqual(['unknown']);
  });
});

describe(`${noForwardingLoop.id}: ${noForwardingLoop.title}`, () => {
  const LINK = 'azurerm_private_dns_resolver_virtual_network_link.spoke';
  const net = (env: Env) => env['dev-network'].resource;
  const linkToHub = (env: Env) => {
    net(env)['azurerm_private_dns_resolver_virtual_network_link']!['spoke']!['virtual_network_id'] = '${azurerm_virtual_network.hub.id}';
  };
  test('compliant: ruleset linked to the spoke, rules target on-premises DNS', () => {
    expect(check(noForwardingLoop, hybridEnvironment(), 'dev-network', LINK)).toEqual([]);
  });
  test('compliant: linked to the resolver VNet while no rule targets its inbound endpoint', () => {
    const env = hybridEnvironment();
    linkToHub(env);
    expect(check(noForwardingLoop, env, 'dev-network', LINK)).toEqual([]);
  });
  test('fails: linked to the resolver VNet with a rule that forwards to its own inbound endpoint', () => {
    const env = hybridEnvironment();
    linkToHub(env);
    net(env)['azurerm_private_dns_resolver_forwarding_rule']!['azure'] = {
      name: 'azure',
      domain_name: 'azure.corp.example.',
      dns_forwarding_ruleset_id: '${azurerm_private_dns_resolver_dns_forwarding_ruleset.rs.id}',
      target_dns_servers: [{ ip_address: '10.0.1.4', port: 53 }],
    };
    const problems = run(noForwardingLoop, asStacks(env), LINK, 'dev-network');
    expect(kinds(problems)).toEqual(['fail']);
    expect(problems[0]!.message).toContain('resolution loop');
  });
  test('unknown: a rule target is not known at synth', () => {
    const env = hybridEnvironment();
    net(env)['azurerm_private_dns_resolver_forwarding_rule']!['corp']!['target_dns_servers'] = [{ ip_address: '${var.dns}' }];
    expect(check(noForwardingLoop, env, 'dev-network', LINK)).toEqual(['unknown']);
  });
});
