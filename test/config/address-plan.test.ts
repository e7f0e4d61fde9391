import { errorsAt, problemsAfter } from '../helpers/env';

describe('address plan validation', () => {
  test('the shipped environments have no errors', () => {
    expect(problemsAfter(() => undefined, 'dev').filter((p) => p.severity === 'error')).toEqual([]);
    expect(problemsAfter(() => undefined, 'prod').filter((p) => p.severity === 'error')).toEqual([]);
  });

  test.each([
    ['10.10.0.0/33', 'prefix length'],
    ['10.10.0.1/22', 'host bits are set'],
    ['10.10.0.0', 'expected a.b.c.d/n'],
    ['10.300.0.0/16', 'not an IPv4 address'],
  ])('rejects the malformed CIDR %s with the reason', (bad, reason) => {
    const problems = problemsAfter((env) => (env.network.hub.addressSpace = [bad]));
    const [p] = errorsAt(problems, 'network.hub.addressSpace.0');
    expect(p.message).toContain(reason);
    expect(p.value).toBe(bad);
  });

  test('a subnet outside its VNet is named with the VNet space it must fit', () => {
    const problems = problemsAfter((env) => (env.network.spokes.cluster.subnets.nodes = '10.30.0.0/24'));
    const [p] = errorsAt(problems, 'network.spokes.cluster.subnets.nodes');
    expect(p.message).toMatch(/not inside the VNet address space/);
    expect(p.allowed).toContain('10.20.0.0/22');
  });

  test('hub and spoke spaces must not overlap', () => {
    const problems = problemsAfter((env) => {
      env.network.spokes.cluster.addressSpace = ['10.10.2.0/23'];
      env.network.spokes.cluster.subnets.nodes = '10.10.2.0/24';
    });
    expect(errorsAt(problems, 'network.spokes.cluster.addressSpace.0')[0].message).toMatch(/overlaps 10.10.0.0\/22 at network.hub.addressSpace.0/);
  });

  test('on-premises prefixes must not overlap Azure', () => {
    const problems = problemsAfter((env) => env.onPremises.addressPrefixes.push('10.20.0.0/16'));
    expect(errorsAt(problems, 'onPremises.addressPrefixes.1')[0].message).toMatch(/overlaps 10.20.0.0\/22/);
  });

  test('subnets of one VNet must not overlap each other', () => {
    const problems = problemsAfter((env) => (env.network.hub.subnets.agents = '10.10.1.0/26'));
    expect(errorsAt(problems, 'network.hub.subnets.agents')[0].message).toMatch(/overlaps 10.10.1.0\/24 at network.hub.subnets.privateEndpoints/);
  });

  test('a subnet below /29 is rejected', () => {
    const problems = problemsAfter((env) => {
      env.network.spokes.cluster.subnets.tiny = '10.20.1.0/30';
    });
    expect(errorsAt(problems, 'network.spokes.cluster.subnets.tiny')[0].message).toMatch(/smallest subnet is \/29/);
  });

  test('GatewaySubnet: an error below /27 (Microsoft requires /27+ for every SKU but Basic), fine at /27', () => {
    const at = (prefix: string) => problemsAfter((env) => (env.network.hub.subnets.GatewaySubnet = prefix)).filter((p) => p.path === 'network.hub.subnets.GatewaySubnet');
    expect(at('10.10.0.0/30').map((p) => p.severity)).toContain('error');
    expect(at('10.10.0.0/28')).toEqual([expect.objectContaining({ severity: 'error', allowed: expect.stringMatching(/^\/27 or larger/) })]);
    expect(at('10.10.0.0/29')).toEqual([expect.objectContaining({ severity: 'error' })]);
    expect(at('10.10.0.0/27')).toEqual([]);
  });

  test('the gateway subnet must be named exactly GatewaySubnet', () => {
    const problems = problemsAfter((env) => {
      env.network.hub.subnets.gatewaySubnet = env.network.hub.subnets.GatewaySubnet;
      delete env.network.hub.subnets.GatewaySubnet;
    });
    const paths = problems.map((p) => p.path);
    expect(paths).toContain('network.hub.subnets.GatewaySubnet');
    expect(problems.find((p) => p.path === 'network.hub.subnets')?.message).toMatch(/gatewaySubnet/);
  });

  test('resolver endpoint subnets must be /28 or larger', () => {
    const problems = problemsAfter((env) => (env.network.hub.subnets.dnsInbound = '10.10.0.32/29'));
    expect(errorsAt(problems, 'network.hub.subnets.dnsInbound')[0].allowed).toBe('/28 to /24');
  });

  test('NAT subnets must exist in the spoke', () => {
    const problems = problemsAfter((env) => (env.network.spokes.cluster.natSubnets = ['workers']));
    expect(errorsAt(problems, 'network.spokes.cluster.natSubnets.0')[0]).toMatchObject({ value: 'workers', allowed: 'nodes' });
  });

  test('every problem is reported, not just the first', () => {
    const problems = problemsAfter((env) => {
      env.network.hub.subnets.GatewaySubnet = '10.10.0.0/30';
      env.network.spokes.cluster.subnets.nodes = '10.30.0.0/24';
      env.onPremises.addressPrefixes = ['10.10.0.0/16'];
    });
    expect(errorsAt(problems, 'network.hub.subnets.GatewaySubnet').length).toBeGreaterThan(0);
    expect(errorsAt(problems, 'network.spokes.cluster.subnets.nodes').length).toBe(1);
    expect(errorsAt(problems, 'onPremises.addressPrefixes.0').length).toBe(1);
  });
});
