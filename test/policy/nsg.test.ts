import { isInternetSource, nsgHttp, nsgKubeApi, nsgPostgres, nsgRdp, nsgSsh, nsgUdp, portSpecContains } from '../../policy/rules/nsg';
import type { Rule } from '../../policy/types';
import { compliant, kinds, runOne, type Config } from './fixtures';

const NSG = 'azurerm_network_security_group';
const RULE = 'azurerm_network_security_rule';

/** Runs a rule against the same security rule in both shapes: inline block and separate resource. */
function both(rule: Rule, fields: Config): [string[], string[]] {
  const inline = runOne(rule, NSG, { name: 'nsg', security_rule: [fields] });
  const separate = runOne(rule, RULE, { ...fields, network_security_group_name: 'nsg' });
  return [kinds(inline), kinds(separate)];
}

const internet = (port: string, protocol = 'Tcp', source: Config = { source_address_prefix: 'Internet' }): Config => {
  const fields: Config = { ...compliant.nsgRule(), protocol, destination_port_range: port, ...source };
  if ('source_address_prefixes' in source) delete fields['source_address_prefix'];
  return fields;
};

describe('internet source and port range helpers', () => {
  test.each(['*', 'Internet', 'internet', 'Any', '0.0.0.0', '0.0.0.0/0', '::/0', '10.0.0.0/0'])('%s is the internet', (p) => {
    expect(isInternetSource(p)).toBe(true);
  });
  test.each(['10.0.0.0/8', 'VirtualNetwork', 'AzureLoadBalancer', '192.168.10.0/24'])('%s is not', (p) => {
    expect(isInternetSource(p)).toBe(false);
  });
  test('port specs: single, range containing, star', () => {
    expect(portSpecContains('22', 22)).toBe(true);
    expect(portSpecContains('20-30', 22)).toBe(true);
    expect(portSpecContains('1-65535', 6443)).toBe(true);
    expect(portSpecContains('*', 5432)).toBe(true);
    expect(portSpecContains('23-3388', 22)).toBe(false);
    expect(portSpecContains('443', 80)).toBe(false);
  });
});

const portRules: [Rule, number][] = [
  [nsgSsh, 22],
  [nsgRdp, 3389],
  [nsgHttp, 80],
  [nsgKubeApi, 6443],
  [nsgPostgres, 5432],
];

describe.each(portRules.map(([r, p]) => [`${r.id}: ${r.title}`, r, p] as const))('%s', (_t, rule, port) => {
  test('compliant: source restricted to a declared range', () => {
    expect(both(rule, { ...internet(String(port)), source_address_prefix: '10.0.3.0/24' })).toEqual([[], []]);
  });
  test('compliant: Deny rule from the internet', () => {
    expect(both(rule, { ...internet(String(port)), access: 'Deny' })).toEqual([[], []]);
  });
  test('compliant: outbound rule', () => {
    expect(both(rule, { ...internet(String(port)), direction: 'Outbound' })).toEqual([[], []]);
  });
  test('compliant: another port from the internet', () => {
    expect(both(rule, internet('443'))).toEqual([[], []]);
  });
  test.each([
    ['exact port from Internet', internet(String(port))],
    ['port range containing it', internet(`${port - 1}-${port + 1}`)],
    ['any port', internet('*')],
    ['protocol *', internet(String(port), '*')],
    ['source 0.0.0.0/0', internet(String(port), 'Tcp', { source_address_prefix: '0.0.0.0/0' })],
    ['source ::/0 in a prefixes list', internet(String(port), 'Tcp', { source_address_prefixes: ['10.0.0.0/8', '::/0'] })],
    ['destination_port_ranges list', { ...internet('443'), destination_port_ranges: ['443', `${port}`] }],
  ])('non-compliant: %s', (_name, fields) => {
    const f = { ...fields };
    if ('destination_port_ranges' in f) delete f['destination_port_range'];
    expect(both(rule, f)).toEqual([['fail'], ['fail']]);
  });
  test('unknown source prefix is reported as unknown', () => {
    expect(both(rule, internet(String(port), 'Tcp', { source_address_prefix: '${azurerm_public_ip.x.ip_address}' }))).toEqual([['unknown'], ['unknown']]);
  });
  test('unknown port is reported as unknown', () => {
    expect(both(rule, { ...internet(String(port)), destination_port_range: '${var.port}' })).toEqual([['unknown'], ['unknown']]);
  });
  test('an unknown value that cannot matter (rule is Deny) stays compliant', () => {
    expect(both(rule, { ...internet('${var.port}'), access: 'Deny' })).toEqual([[], []]);
  });
});

describe(`${nsgUdp.id}: ${nsgUdp.title}`, () => {
  test('compliant: TCP from the internet', () => expect(both(nsgUdp, internet('443'))).toEqual([[], []]));
  test('compliant: UDP from a declared range', () => {
    expect(both(nsgUdp, { ...internet('53', 'Udp'), source_address_prefix: '192.168.10.0/24' })).toEqual([[], []]);
  });
  test('non-compliant: UDP any port from the internet', () => expect(both(nsgUdp, internet('4789', 'Udp'))).toEqual([['fail'], ['fail']]));
  test("non-compliant: protocol '*' includes UDP", () => expect(both(nsgUdp, internet('443', '*', { source_address_prefix: '*' }))).toEqual([['fail'], ['fail']]));
  test('unknown protocol', () => expect(both(nsgUdp, internet('53', '${var.proto}'))).toEqual([['unknown'], ['unknown']]));
});

test('each inline rule is reported separately with its name', () => {
  const problems = runOne(nsgSsh, NSG, {
    name: 'nsg',
    security_rule: [internet('22'), compliant.nsgRule(), { ...internet('20-25'), name: 'wide' }],
  });
  expect(problems.map((p) => p.message)).toEqual([
    expect.stringContaining("security_rule[0] 'allow-ssh-agents'"),
    expect.stringContaining("security_rule[2] 'wide'"),
  ]);
});
