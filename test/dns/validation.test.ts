/**
 * Each DNS invariant of issue 2 section 4 reproduced as a configuration that must be rejected before synth,
 * with its compliant counterpart. The messages must say what is wrong, why resolution breaks, and the fix.
 */
import { dnsPlan } from '../../config/dns-plan';
import { errors, problemsAfter, testConfig } from './fixtures';

const addDnsSpoke = (env: any) => {
  env.network.spokes.dns = { addressSpace: ['10.30.0.0/24'], subnets: { 'dns-inbound': '10.30.0.0/28', 'dns-outbound': '10.30.0.16/28' } };
};

describe('(a) zones linked to the VNet of the resolver inbound endpoint', () => {
  it('accepts the shipped dev and prod configuration', () => {
    expect(errors(problemsAfter(() => undefined, 'dev'))).toEqual([]);
    expect(errors(problemsAfter(() => undefined, 'prod'))).toEqual([]);
  });

  it('rejects zones linked to a spoke but not to the resolver (hub) VNet: the field outage', () => {
    const found = errors(problemsAfter((env) => { env.dns.zoneLinks = ['cluster']; }), 'dns.zoneLinks');
    expect(found).toHaveLength(2); // not linked to the resolver VNet, and the hub's own clients lose resolution
    const [resolverProblem] = found;
    expect(resolverProblem!.message).toMatch(/not linked to "hub", the VNet of the resolver inbound endpoint/);
    expect(resolverProblem!.message).toMatch(/answers only from zones linked to its own VNet/); // why
    expect(resolverProblem!.message).toMatch(/public answers/); // effect
    expect(resolverProblem!.message).toMatch(/Link the zones to the resolver VNet/); // fix
    expect(resolverProblem!.allowed).toContain('"hub"');
  });

  it('rejects a resolver in a VNet that is neither the hub nor a spoke peered with gateway transit', () => {
    const [p] = errors(problemsAfter((env) => { env.dns.resolver.vnet = 'elsewhere'; }), 'dns.resolver.vnet');
    expect(p!.message).toMatch(/neither the hub .* nor a spoke peered to it with gateway transit/);
    expect(p!.allowed).toBe('hub, cluster');
  });

  it('accepts a dedicated DNS spoke when it has resolver subnets, and then requires the zones to be linked to it', () => {
    expect(errors(problemsAfter((env) => { addDnsSpoke(env); env.dns.resolver = { vnet: 'dns' }; delete env.dns.zoneLinks; }))).toEqual([]);
    const unlinked = errors(problemsAfter((env) => { addDnsSpoke(env); env.dns.resolver = { vnet: 'dns' }; env.dns.zoneLinks = ['hub', 'cluster']; }));
    expect(unlinked.map((p) => p.message).join('\n')).toMatch(/not linked to "dns", the VNet of the resolver inbound endpoint/);
  });

  it('rejects a DNS spoke without dnsInbound/dnsOutbound subnets', () => {
    const found = errors(problemsAfter((env) => { env.dns.resolver = { vnet: 'cluster' }; }), 'network.spokes.cluster.subnets');
    expect(found.map((p) => p.message)).toEqual([expect.stringMatching(/no "dns-inbound" subnet/), expect.stringMatching(/no "dns-outbound" subnet/)]);
  });

  it('rejects a second link of the same zone-VNet pair', () => {
    const [p] = errors(problemsAfter((env) => { env.dns.zoneLinks = ['hub', 'cluster', 'hub']; }), 'dns.zoneLinks.2');
    expect(p!.message).toMatch(/exactly one link per zone-VNet pair/);
  });

  it('rejects a link to an unknown VNet', () => {
    expect(errors(problemsAfter((env) => { env.dns.zoneLinks = ['hub', 'cluster', 'nowhere']; }), 'dns.zoneLinks.2')[0]!.allowed).toBe('hub, cluster');
  });

  it('defaults to the hub and every spoke when zoneLinks is omitted', () => {
    expect(dnsPlan(testConfig('dev', (env) => { addDnsSpoke(env); delete env.dns.zoneLinks; })).zoneLinks).toEqual(['hub', 'cluster', 'dns']);
  });
});

describe('(b) every VNet with private endpoint clients resolves them', () => {
  it('rejects a spoke that is neither linked nor using the resolver', () => {
    const found = errors(problemsAfter((env) => { env.dns.zoneLinks = ['hub']; }), 'dns.zoneLinks');
    expect(found).toHaveLength(1);
    expect(found[0]!.message).toMatch(/VNet "cluster" hosts machines that use the private endpoints/);
    expect(found[0]!.message).toMatch(/resolve every private endpoint name to the public address/);
    expect(found[0]!.message).toMatch(/Add "cluster" to dns.zoneLinks, or to dns.resolverClients/);
  });

  it('accepts the spoke when it uses the resolver as its DNS server instead', () => {
    expect(errors(problemsAfter((env) => { env.dns.zoneLinks = ['hub']; env.dns.resolverClients = ['cluster']; }))).toEqual([]);
  });

  it('warns when a resolver client is also linked (custom DNS VNets ignore their links)', () => {
    const all = problemsAfter((env) => { env.dns.resolverClients = ['cluster']; });
    expect(all.filter((p) => p.severity === 'warning' && p.path === 'dns.resolverClients.0')[0]!.message).toMatch(/never consulted/);
  });

  it('rejects the hub as a resolver client', () => {
    expect(errors(problemsAfter((env) => { env.dns.resolverClients = ['hub']; }), 'dns.resolverClients.0')).toHaveLength(1);
  });
});

describe('forwarding ruleset', () => {
  it('rejects linking the ruleset to the resolver VNet while a rule targets its own inbound endpoint (loop)', () => {
    const [p] = errors(
      problemsAfter((env) => {
        env.dns.forwardingRules = [{ domain: 'azure.example.com', targets: ['10.10.0.36'] }];
        env.dns.resolver.rulesetLinks = ['hub', 'cluster'];
      }),
      'dns.resolver.rulesetLinks',
    );
    expect(p!.message).toMatch(/forward the query to itself in a loop/);
    expect(p!.message).toMatch(/Remove "hub" from dns.resolver.rulesetLinks/);
  });

  it('accepts the same rule when the ruleset links only the spokes', () => {
    expect(errors(problemsAfter((env) => { env.dns.forwardingRules = [{ domain: 'azure.example.com', targets: ['10.10.0.36'] }]; }))).toEqual([]);
  });

  it('warns that resolver clients only get the rules linked to the resolver VNet', () => {
    const all = problemsAfter((env) => { env.dns.zoneLinks = ['hub']; env.dns.resolverClients = ['cluster']; });
    const warnings = all.filter((p) => p.severity === 'warning' && p.path.startsWith('dns.resolver.rulesetLinks'));
    expect(warnings.map((w) => w.message)).toEqual([
      expect.stringMatching(/"cluster" uses the resolver as its DNS server, so this link has no effect/),
      expect.stringMatching(/cannot resolve corp.example.com.: .*linked to the resolver VNet "hub"/),
    ]);
    const fixed = problemsAfter((env) => { env.dns.zoneLinks = ['hub']; env.dns.resolverClients = ['cluster']; env.dns.resolver.rulesetLinks = ['hub']; });
    expect(fixed.filter((p) => p.path.startsWith('dns.resolver.rulesetLinks'))).toEqual([]);
  });

  it('rejects a second rule for an on-premises domain', () => {
    const [p] = errors(problemsAfter((env) => { env.dns.forwardingRules = [{ domain: 'corp.example.com', targets: ['192.168.10.12'] }]; }), 'dns.forwardingRules.0.domain');
    expect(p!.message).toMatch(/already has a forwarding rule/);
  });

  it('rejects two domains that derive the same rule name', () => {
    const [p] = errors(problemsAfter((env) => { env.dns.forwardingRules = [{ domain: 'corp-example.com', targets: ['192.168.10.12'] }, { domain: 'corp.example-com.net', targets: ['192.168.10.12'] }]; env.onPremises.dnsDomains = ['corp-example.com.net']; }), 'dns.forwardingRules');
    expect(p!.message).toMatch(/derive the same rule name "corp-example-com-net"/);
  });

  it('plans one rule per on-premises domain with the trailing dot Azure requires', () => {
    expect(dnsPlan(testConfig('prod')).rules).toEqual([
      { name: 'corp-example-com', domain: 'corp.example.com.', targets: ['192.168.10.10', '192.168.10.11'] },
      { name: 'ad-example-com', domain: 'ad.example.com.', targets: ['192.168.10.10', '192.168.10.11'] },
    ]);
  });
});

describe('(c) on-premises DNS servers are reachable over the tunnel', () => {
  it('rejects a DNS server outside the local network gateway prefixes', () => {
    const [p] = errors(problemsAfter((env) => { env.onPremises.dnsServers = ['192.168.10.10', '10.250.0.10']; }), 'onPremises.dnsServers.1');
    expect(p!.message).toMatch(/outside onPremises.addressPrefixes/);
    expect(p!.message).toMatch(/time out/);
    expect(p!.value).toBe('10.250.0.10');
  });
});

it('warns when the resolver VNet overlaps the range the resolver service once reserved', () => {
  const all = problemsAfter((env) => {
    env.network.hub = { addressSpace: ['10.0.0.0/22'], subnets: { GatewaySubnet: '10.0.0.0/27', dnsInbound: '10.0.0.32/28', dnsOutbound: '10.0.0.48/28', privateEndpoints: '10.0.1.0/24', agents: '10.0.2.0/26' } };
    env.dns.resolver.inboundIp = '10.0.0.36';
    env.services.siteRecovery.processServer = '192.168.20.10';
  });
  expect(errors(all)).toEqual([]);
  expect(all.filter((p) => p.severity === 'warning' && p.path === 'dns.resolver.vnet')[0]!.message).toMatch(/once reserved/);
});

describe('resolver inbound address', () => {
  it('defaults to host 4 of the inbound subnet', () => {
    expect(dnsPlan(testConfig('dev', (env) => { delete env.dns.resolver.inboundIp; })).inboundIp).toBe('10.10.0.36');
  });
  it.each([['10.10.0.33', 'reserved by Azure'], ['10.10.0.50', 'outside the subnet'], ['10.10.0.47', 'the broadcast address']])('rejects %s (%s)', (ip) => {
    const [p] = errors(problemsAfter((env) => { env.dns.resolver.inboundIp = ip; }), 'dns.resolver.inboundIp');
    expect(p!.message).toMatch(/is not an address a resource can take/);
  });
});
