import { errorsAt, problemsAfter } from '../helpers/env';
import { reservedAsnReason } from '../../config/validate/vpn';

describe('VPN validation', () => {
  test('non-AZ and retired SKUs are rejected with the reason and the allowed list', () => {
    for (const sku of ['VpnGw1', 'Basic', 'HighPerformance']) {
      const [p] = errorsAt(problemsAfter((env) => (env.vpn.sku = sku)), 'vpn.sku');
      expect(p.message).toMatch(/non-AZ/);
      expect(p.allowed).toContain('VpnGw1AZ');
      expect(p.allowed).toContain('VpnGw5AZ');
    }
  });

  test('Generation2 is required above VpnGw2AZ, and VpnGw1AZ is Generation1 only', () => {
    expect(errorsAt(problemsAfter((env) => Object.assign(env.vpn, { sku: 'VpnGw3AZ', generation: 'Generation1' })), 'vpn.generation')[0].allowed).toBe('Generation2');
    expect(errorsAt(problemsAfter((env) => Object.assign(env.vpn, { sku: 'VpnGw1AZ', generation: 'Generation2' })), 'vpn.generation')[0].allowed).toBe('Generation1');
    expect(errorsAt(problemsAfter((env) => Object.assign(env.vpn, { sku: 'VpnGw2AZ', generation: 'Generation1' })), 'vpn.generation')).toEqual([]);
  });

  test('active-active means exactly two gateway public IPs', () => {
    const [p] = errorsAt(problemsAfter((env) => Object.assign(env.vpn, { activeActive: true, publicIpCount: 1 })), 'vpn.publicIpCount');
    expect(p).toMatchObject({ value: 1, allowed: '2' });
    expect(errorsAt(problemsAfter((env) => Object.assign(env.vpn, { activeActive: false, publicIpCount: 2 })), 'vpn.publicIpCount')[0].allowed).toBe('1');
  });

  test('IPsec/IKE values come from the service lists', () => {
    const [p] = errorsAt(problemsAfter((env) => (env.vpn.ipsecPolicy.ikeEncryption = 'AES512')), 'vpn.ipsecPolicy.ikeEncryption');
    expect(p.allowed).toContain('"GCMAES256"');
    expect(errorsAt(problemsAfter((env) => (env.vpn.ipsecPolicy.pfsGroup = 'PFS14')), 'vpn.ipsecPolicy.pfsGroup')).toHaveLength(1);
    expect(errorsAt(problemsAfter((env) => (env.vpn.ipsecPolicy.saLifetimeSeconds = 200)), 'vpn.ipsecPolicy.saLifetimeSeconds')).toHaveLength(1);
  });

  test('GCMAES IPsec encryption needs the same GCMAES integrity', () => {
    const [p] = errorsAt(problemsAfter((env) => (env.vpn.ipsecPolicy.ipsecIntegrity = 'SHA256')), 'vpn.ipsecPolicy.ipsecIntegrity');
    expect(p.message).toMatch(/same GCMAES algorithm and key length/);
    expect(p.allowed).toBe('GCMAES256');
    expect(errorsAt(problemsAfter((env) => (env.vpn.ipsecPolicy.ipsecIntegrity = 'GCMAES128')), 'vpn.ipsecPolicy.ipsecIntegrity')).toHaveLength(1);
    expect(
      errorsAt(problemsAfter((env) => Object.assign(env.vpn.ipsecPolicy, { ipsecEncryption: 'AES256', ipsecIntegrity: 'SHA256' })), 'vpn.ipsecPolicy'),
    ).toEqual([]);
  });

  test.each([8, 3601])('DPD timeout %i s is outside 9-3600', (seconds) => {
    expect(errorsAt(problemsAfter((env) => (env.vpn.dpdTimeoutSeconds = seconds)), 'vpn.dpdTimeoutSeconds')[0].allowed).toMatch(/9-3600/);
  });

  test.each([8074, 8075, 12076, 65515, 65517, 65520, 23456, 64496, 64511, 65535, 65551, 4294967295])('ASN %i is reserved', (asn) => {
    expect(reservedAsnReason(asn)).toBeDefined();
    const problems = problemsAfter((env) => (env.onPremises.bgp.asn = asn), 'prod');
    expect(errorsAt(problems, 'onPremises.bgp.asn').length).toBeGreaterThan(0);
  });

  test.each([64512, 65010, 65514, 65521, 65534, 4200000000])('ASN %i is usable', (asn) => {
    expect(reservedAsnReason(asn)).toBeUndefined();
  });

  test("the on-premises ASN must differ from Azure's", () => {
    const problems = problemsAfter((env) => {
      env.vpn.bgp.asn = 65020;
      env.onPremises.bgp.asn = 65020;
    }, 'prod');
    expect(errorsAt(problems, 'onPremises.bgp.asn')[0].message).toMatch(/must differ from Azure's \(65020\)/);
  });

  test('APIPA BGP addresses must be in 169.254.21.0-169.254.22.255', () => {
    expect(errorsAt(problemsAfter((env) => (env.vpn.bgp.apipaAddresses = ['169.254.20.2', '169.254.22.2']), 'prod'), 'vpn.bgp.apipaAddresses.0')).toHaveLength(1);
    expect(errorsAt(problemsAfter((env) => (env.onPremises.bgp.peerAddress = '169.254.100.1'), 'prod'), 'onPremises.bgp.peerAddress')).toHaveLength(1);
  });

  test('a non-APIPA BGP peer must not be the device public IP nor inside Azure', () => {
    expect(errorsAt(problemsAfter((env) => (env.onPremises.bgp.peerAddress = env.onPremises.gatewayIpAddress), 'prod'), 'onPremises.bgp.peerAddress')[0].message).toMatch(/public IP/);
    expect(errorsAt(problemsAfter((env) => (env.onPremises.bgp.peerAddress = '10.100.2.10'), 'prod'), 'onPremises.bgp.peerAddress')[0].message).toMatch(/inside the Azure address space/);
  });

  test('BGP on one side only is rejected', () => {
    expect(errorsAt(problemsAfter((env) => delete env.vpn.bgp, 'prod'), 'vpn.bgp')).toHaveLength(1);
  });

  test('the on-premises device needs exactly one of IP and FQDN', () => {
    expect(errorsAt(problemsAfter((env) => (env.onPremises.gatewayFqdn = 'vpn.example.com')), 'onPremises')[0].message).toMatch(/exactly one/);
    expect(errorsAt(problemsAfter((env) => delete env.onPremises.gatewayIpAddress), 'onPremises')[0].message).toMatch(/exactly one/);
  });
});
