/** `<env>-network`: resolver, privatelink zones, links and the DNS path NSG rules, asserted on synthesized JSON. */
import { TerraformStack, Testing } from 'cdktf';
import { PrivateDnsZones } from '../../constructs/dns/private-dns-zones';
import { PrivateResolver } from '../../constructs/dns/private-resolver';
import { resources, synthesize, testConfig, values } from './fixtures';

const dev = synthesize(testConfig('dev'));
const prod = synthesize(testConfig('prod'));

const zoneNames = (s: any) => values(s.network, 'azurerm_private_dns_zone').map((z) => z.name).sort();
/** `<zone resource>|<vnet resource>` for every zone link. */
const linkPairs = (s: any) =>
  values(s.network, 'azurerm_private_dns_zone_virtual_network_link').map((l) => `${l.private_dns_zone_name}|${l.virtual_network_id}`);
const vnetRef = (s: any, name: string) => {
  const [id] = Object.entries(resources(s.network, 'azurerm_virtual_network')).find(([, v]) => v.name === name)!;
  return `\${azurerm_virtual_network.${id}.id}`;
};
const nsgRules = (s: any, nsgSuffix: string) =>
  values(s.network, 'azurerm_network_security_rule').filter((r) => String(r.network_security_group_name).includes(nsgSuffix));

describe('privatelink zones', () => {
  it('creates every enabled service zone with the exact name Azure requires', () => {
    expect(zoneNames(dev)).toEqual(
      [
        'privatelink.vaultcore.azure.net',
        'privatelink.siterecovery.windowsazure.com',
        'privatelink.blob.core.windows.net',
        'privatelink.prod.migration.windowsazure.com',
        'privatelink.postgres.database.azure.com',
        'privatelink.azurecr.io',
      ].sort(),
    );
    // No regional `<region>.data.privatelink.azurecr.io`: it would shadow the data endpoint records (HN-014).
    expect(zoneNames(dev).filter((z) => z.includes('.data.'))).toEqual([]);
    // prod adds Backup, whose zone carries the region *code* (westeurope -> we), not the region name, plus the queue
    // zone for the blob and queue endpoints the vault creates on its own storage (v1 experience).
    expect(zoneNames(prod)).toEqual(expect.arrayContaining(['privatelink.we.backup.windowsazure.com', 'privatelink.queue.core.windows.net', 'privatelink.blob.core.windows.net']));
  });

  it('leaves out the zones of services that are not configured', () => {
    const bare = synthesize(testConfig('dev', (env) => { delete env.services.siteRecovery; delete env.services.registry; delete env.services.postgres; }));
    expect(zoneNames(bare)).toEqual(['privatelink.vaultcore.azure.net']);
  });

  it('links every zone to the resolver (hub) VNet and to the cluster spoke, exactly once per pair', () => {
    for (const s of [dev, prod]) {
      const pairs = linkPairs(s);
      const zones = Object.keys(resources(s.network, 'azurerm_private_dns_zone'));
      expect(pairs).toHaveLength(zones.length * 2);
      expect(new Set(pairs).size).toBe(pairs.length);
      for (const zone of zones) {
        for (const vnet of ['vnet-hyb-' + (s === dev ? 'dev' : 'prod') + '-hub', 'vnet-hyb-' + (s === dev ? 'dev' : 'prod') + '-cluster']) {
          expect(pairs).toContain(`\${azurerm_private_dns_zone.${zone}.name}|${vnetRef(s, vnet)}`);
        }
      }
      for (const link of values(s.network, 'azurerm_private_dns_zone_virtual_network_link')) {
        expect(link.registration_enabled).toBe(false);
        expect(link.resolution_policy).toBe('NxDomainRedirect');
      }
    }
  });
});

it('answers NXDOMAIN for unknown privatelink names when configured to (no public fallback)', () => {
  const s = synthesize(testConfig('dev', (env) => { env.dns.zoneResolutionPolicy = 'Default'; }));
  expect(new Set(values(s.network, 'azurerm_private_dns_zone_virtual_network_link').map((l) => l.resolution_policy))).toEqual(new Set(['Default']));
});

describe('DNS Private Resolver', () => {
  it('sits in the hub VNet with a static inbound IP in its delegated subnet', () => {
    const [resolver] = values(dev.network, 'azurerm_private_dns_resolver');
    expect(resolver.virtual_network_id).toBe(vnetRef(dev, 'vnet-hyb-dev-hub'));
    const [inbound] = values(dev.network, 'azurerm_private_dns_resolver_inbound_endpoint');
    expect(inbound.ip_configurations).toEqual({ private_ip_address: '10.10.0.36', private_ip_allocation_method: 'Static', subnet_id: expect.stringContaining('subnet-dnsInbound') });
    const subnet = Object.entries(resources(dev.network, 'azurerm_subnet')).find(([id]) => id.includes('subnet-dnsInbound'))![1];
    expect(subnet.delegation).toHaveLength(1);
    expect(subnet.delegation[0].service_delegation.name).toBe('Microsoft.Network/dnsResolvers');
  });

  it('forwards each on-premises domain (with its trailing dot) to the on-premises DNS servers, linked to the spokes only', () => {
    const rules = values(prod.network, 'azurerm_private_dns_resolver_forwarding_rule');
    expect(rules.map((r) => r.domain_name).sort()).toEqual(['ad.example.com.', 'corp.example.com.']);
    for (const r of rules) expect(r.target_dns_servers).toEqual([{ ip_address: '192.168.10.10', port: 53 }, { ip_address: '192.168.10.11', port: 53 }]);
    expect(values(prod.network, 'azurerm_private_dns_resolver_virtual_network_link').map((l) => l.virtual_network_id)).toEqual([vnetRef(prod, 'vnet-hyb-prod-cluster')]);
  });

  it('moves into a dedicated DNS spoke when configured, and the zones follow it', () => {
    const s = synthesize(
      testConfig('dev', (env) => {
        env.network.spokes.dns = { addressSpace: ['10.30.0.0/24'], subnets: { 'dns-inbound': '10.30.0.0/28', 'dns-outbound': '10.30.0.16/28' } };
        env.dns = { resolver: { vnet: 'dns' } };
      }),
    );
    expect(values(s.network, 'azurerm_private_dns_resolver')[0].virtual_network_id).toBe(vnetRef(s, 'vnet-hyb-dev-dns'));
    expect(values(s.network, 'azurerm_private_dns_resolver_inbound_endpoint')[0].ip_configurations.private_ip_address).toBe('10.30.0.4');
    for (const role of ['dns-inbound', 'dns-outbound']) {
      const subnet = values(s.network, 'azurerm_subnet').find((x) => x.name === `snet-${role}` && String(x.virtual_network_name).includes('spoke-dns'));
      expect(subnet.delegation).toEqual([{ name: 'Microsoft.Network.dnsResolvers', service_delegation: { name: 'Microsoft.Network/dnsResolvers', actions: ['Microsoft.Network/virtualNetworks/join/action'] } }]);
    }
    expect(linkPairs(s).filter((p) => p.endsWith(vnetRef(s, 'vnet-hyb-dev-dns')))).toHaveLength(Object.keys(resources(s.network, 'azurerm_private_dns_zone')).length);
    // (a) the DNS spoke is served by the gateway: <env>-vpn switches its peering to use the hub's gateway.
    const transit = values(s.vpn, 'azapi_update_resource').find((u) => String(u.resource_id).includes('peering-dns_spoke-to-hub'));
    expect(transit.body.properties.useRemoteGateways).toBe(true);
  });

  it('points a resolver-client spoke at the inbound endpoint as its DNS server', () => {
    const s = synthesize(testConfig('dev', (env) => { env.dns.zoneLinks = ['hub']; env.dns.resolverClients = ['cluster']; }));
    const cluster = values(s.network, 'azurerm_virtual_network').find((v) => v.name === 'vnet-hyb-dev-cluster');
    expect(cluster.dns_servers).toEqual(['10.10.0.36']);
  });
});

describe('(c) NSGs on the query path allow UDP and TCP 53 from the on-premises DNS servers', () => {
  it('has one rule per protocol on the inbound subnet NSG, from every on-premises DNS server to the inbound IP', () => {
    const rules = nsgRules(dev, 'nsg-dnsInbound');
    for (const protocol of ['Udp', 'Tcp']) {
      const rule = rules.find((r) => r.protocol === protocol && r.destination_port_range === '53');
      expect(rule).toMatchObject({ access: 'Allow', direction: 'Inbound', destination_address_prefix: '10.10.0.36/32', source_address_prefixes: ['192.168.10.10/32', '192.168.10.11/32'] });
      expect(rule.priority).toBeLessThan(4096); // ahead of the deny-all
    }
  });
});

describe('(d) replication and client ports on the private endpoint subnet', () => {
  it('allows TCP 443 from the process server and the declared source ranges, and 5432 from the cluster spoke', () => {
    const rules = nsgRules(prod, 'nsg-privateEndpoints');
    expect(rules.find((r) => r.name === 'AllowHttpsFromReplication')).toMatchObject({ protocol: 'Tcp', destination_port_range: '443', source_address_prefixes: ['192.168.20.10/32', '192.168.30.0/24', '172.16.4.0/24'] });
    expect(rules.find((r) => r.name === 'AllowPostgresFromClients')).toMatchObject({ protocol: 'Tcp', destination_port_range: '5432', source_address_prefix: '10.110.0.0/21' });
  });

  it('opens 443 and the data port (9443) on the agents subnet when the process server runs there', () => {
    const s = synthesize(testConfig('dev', (env) => { env.services.siteRecovery.processServer = '10.10.2.10'; }));
    expect(nsgRules(s, 'hub_nsg-agents').find((r) => r.name === 'AllowReplicationToProcessServer')).toMatchObject({
      destination_port_ranges: ['443', '9443'], destination_address_prefix: '10.10.2.10/32', source_address_prefix: '192.168.30.0/24',
    });
  });
});

describe('construct guards (the same invariants when the constructs are used without the config layer)', () => {
  const stack = () => new TerraformStack(Testing.app(), 'guards');
  it('PrivateDnsZones refuses zones not linked to the resolver VNet', () => {
    expect(() => new PrivateDnsZones(stack(), 'zones', { resourceGroupName: 'rg', zones: [{ key: 'blob', name: 'privatelink.blob.core.windows.net', forwarders: [], purpose: '' }], links: [{ name: 'cluster', virtualNetworkId: 'id' }], resolverVnet: 'hub' })).toThrow(/not linked to "hub"/);
  });
  it('PrivateDnsZones refuses a second link of the same pair', () => {
    expect(() => new PrivateDnsZones(stack(), 'zones', { resourceGroupName: 'rg', zones: [], links: [{ name: 'hub', virtualNetworkId: 'a' }, { name: 'hub', virtualNetworkId: 'a' }], resolverVnet: 'hub' })).toThrow(/linked twice/);
  });
  it('PrivateResolver refuses a ruleset loop through its own inbound endpoint', () => {
    expect(() =>
      new PrivateResolver(stack(), 'resolver', {
        baseName: 'x', resourceGroupName: 'rg', location: 'westeurope', virtualNetworkId: 'hub-id', inboundSubnetId: 's', inboundSubnetPrefix: '10.0.0.0/28', outboundSubnetId: 'o',
        rules: [{ name: 'loop', domain: 'example.com.', targets: ['10.0.0.4'] }], rulesetLinks: [{ name: 'hub', virtualNetworkId: 'hub-id' }],
      }),
    ).toThrow(/resolution loop/);
  });
  it('PrivateResolver refuses a domain without its trailing dot', () => {
    expect(() => new PrivateResolver(stack(), 'resolver', { baseName: 'x', resourceGroupName: 'rg', location: 'westeurope', virtualNetworkId: 'v', inboundSubnetId: 's', inboundSubnetPrefix: '10.0.0.0/28', outboundSubnetId: 'o', rules: [{ name: 'corp', domain: 'corp.example.com', targets: ['192.168.0.1'] }] })).toThrow(/trailing dot/);
  });
});
