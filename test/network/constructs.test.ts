import { Testing, TerraformStack } from 'cdktf';
import { SubnetNsg } from '../../constructs/network/subnet-nsg';
import { SegmentedVirtualNetwork } from '../../constructs/network/virtual-network';
import { NatEgress } from '../../constructs/network/nat-egress';
import { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import { SiteToSiteVpn } from '../../constructs/network/site-to-site-vpn';
import { Naming } from '../../config/naming';
import { rawEnvironment } from '../helpers/env';
import { parseEnvironment } from '../../config';

function stack(): TerraformStack {
  return new TerraformStack(Testing.app(), 'test');
}

function nsg(): SubnetNsg {
  return new SubnetNsg(stack(), 'nsg', { name: 'nsg-x', resourceGroupName: 'rg', location: 'westeurope', subnetId: 'sid', subnetPrefix: '10.0.0.0/24' });
}

const allow = { name: 'dns', priority: 100, protocol: 'Udp' as const, sources: ['192.168.0.0/16'], ports: ['53'], description: 'DNS from on-premises servers' };

describe('SubnetNsg', () => {
  test('accepts a described allow from a private range', () => {
    expect(() => nsg().allowInbound(allow)).not.toThrow();
  });
  test.each(['*', 'Internet', 'Any', '0.0.0.0/0', '::/0'])('rejects the internet source %s', (source) => {
    expect(() => nsg().allowInbound({ ...allow, sources: [source] })).toThrow(new RegExp(`allows source "${source.replace(/[*.]/g, '\\$&')}".*never the internet`));
  });
  test('rejects a reused priority, naming the rule that holds it', () => {
    const n = nsg();
    n.allowInbound(allow);
    expect(() => n.allowInbound({ ...allow, name: 'dns-tcp' })).toThrow(/reuses priority 100 of rule "dns"/);
  });
  test('rejects priorities outside 100-4000 and missing descriptions', () => {
    expect(() => nsg().allowInbound({ ...allow, priority: 4096 })).toThrow(/allowed: an integer 100-4000/);
    expect(() => nsg().allowInbound({ ...allow, description: 'dns' })).toThrow(/description of at least 10 characters/);
  });
});

describe('SegmentedVirtualNetwork', () => {
  const base = { name: 'vnet', resourceGroupName: 'rg', location: 'westeurope', addressSpace: ['10.0.0.0/24'], nsgName: (r: string) => `nsg-${r}` };
  test('refuses an NSG on GatewaySubnet', () => {
    expect(() => new SegmentedVirtualNetwork(stack(), 'v', { ...base, subnets: [{ role: 'GatewaySubnet', name: 'GatewaySubnet', prefix: '10.0.0.0/27' }] })).toThrow(/GatewaySubnet cannot carry an NSG/);
  });
  test('refuses a subnet outside the space', () => {
    expect(() => new SegmentedVirtualNetwork(stack(), 'v', { ...base, subnets: [{ role: 'a', name: 'a', prefix: '10.0.1.0/27' }] })).toThrow(/outside the VNet space; allowed: inside 10.0.0.0\/24/);
  });
  test('unknown roles are named with the known ones', () => {
    const v = new SegmentedVirtualNetwork(stack(), 'v', { ...base, subnets: [{ role: 'a', name: 'a', prefix: '10.0.0.0/27' }] });
    expect(() => v.subnet('b')).toThrow(/no subnet "b"; allowed: a/);
  });
});

describe('NatEgress', () => {
  test('validates the idle timeout', () => {
    const s = stack();
    const subnet = new Subnet(s, 'sn', { name: 'a', resourceGroupName: 'rg', virtualNetworkName: 'v', addressPrefixes: ['10.0.0.0/24'] });
    expect(() => new NatEgress(s, 'nat', { name: 'n', publicIpName: 'p', resourceGroupName: 'rg', location: 'westeurope', subnets: { a: subnet }, idleTimeoutMinutes: 200 })).toThrow(/allowed: 4-120/);
  });
});

describe('SiteToSiteVpn', () => {
  test('rejects a public IP count that does not match active-active', () => {
    const config = parseEnvironment(rawEnvironment('dev'), 'dev').config!;
    expect(
      () =>
        new SiteToSiteVpn(stack(), 'vpn', {
          naming: new Naming(config),
          resourceGroupName: 'rg',
          location: 'westeurope',
          gatewaySubnetId: 'gw',
          vpn: { ...config.vpn, activeActive: true, publicIpCount: 1 },
          site: config.onPremises,
        }),
    ).toThrow(/publicIpCount 1 does not match activeActive=true; allowed: 2/);
  });
});
