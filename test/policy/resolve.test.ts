import { AppContext, blocks, environmentName, isInterpolated, referencesIn, type StackJson } from '../../policy/resolve';

const app = (stacks: Record<string, StackJson>) => new AppContext(new Map(Object.entries(stacks)));

describe('interpolation detection', () => {
  test('`${` is an interpolation, `$${` an escaped literal', () => {
    expect(isInterpolated('${var.x}')).toBe(true);
    expect(isInterpolated('prefix-${var.x}')).toBe(true);
    expect(isInterpolated('$${not.interpolated}')).toBe(false);
    expect(isInterpolated('plain')).toBe(false);
    expect(isInterpolated(42)).toBe(false);
  });
  test('blocks normalise object and list renderings', () => {
    expect(blocks({ a: 1 })).toEqual([{ a: 1 }]);
    expect(blocks([{ a: 1 }, { a: 2 }])).toEqual([{ a: 1 }, { a: 2 }]);
    expect(blocks(undefined)).toEqual([]);
  });
  test('environment of a stack id', () => {
    expect(environmentName('dev-network')).toBe('dev');
    expect(environmentName('eu-prod-services')).toBe('eu-prod');
    expect(environmentName('stack')).toBe('stack');
  });
});

describe('StackContext.resolve', () => {
  const ctx = app({
    'dev-network': {
      resource: { azurerm_subnet: { gw: { name: 'GatewaySubnet', delegation: [{ name: 'd', service_delegation: { name: 'x' } }] } } },
      variable: { on: { default: true }, nodefault: {} },
      locals: { tls: 'TLS1_2', alias: '${local.tls}' },
      output: { 'cross-stack-output-gw_name': { value: '${azurerm_subnet.gw.name}' } },
    },
    'dev-vpn': {},
  }).stack('dev-network');
  const vpn = ctx.app.stack('dev-vpn');

  test.each([
    ['a literal', 'x', 'x'],
    ['a resource attribute', '${azurerm_subnet.gw.name}', 'GatewaySubnet'],
    ['a nested block attribute', '${azurerm_subnet.gw.delegation[0].service_delegation.name}', 'x'],
    ['a variable default', '${var.on}', true],
    ['a local, through another local', '${local.alias}', 'TLS1_2'],
  ])('follows %s', (_what, value, expected) => {
    expect(ctx.resolve(value)).toEqual({ known: true, value: expected });
  });

  test.each([
    ['a computed attribute', '${azurerm_subnet.gw.id}'],
    ['a variable without default', '${var.nodefault}'],
    ['a function call', '${cidrsubnet(var.x, 8, 1)}'],
    ['a template with a reference', 'snet-${var.on}'],
    ['a missing resource', '${azurerm_subnet.nope.name}'],
  ])('keeps %s unknown', (_what, value) => {
    expect(ctx.resolve(value).known).toBe(false);
  });

  test('follows a cdktf cross-stack reference to the producing stack', () => {
    const value = '${data.terraform_remote_state.cross-stack-reference-input-dev-network.outputs.cross-stack-output-gw_name}';
    expect(vpn.resolve(value)).toEqual({ known: true, value: 'GatewaySubnet' });
    expect(vpn.refTarget(value)?.resource.address).toBe('azurerm_subnet.gw');
  });

  test('refTarget follows locals and variables to a resource, and identity compares across stacks', () => {
    const c = app({ s: { resource: { azurerm_virtual_network: { hub: { name: 'hub' } } }, locals: { hubId: '${azurerm_virtual_network.hub.id}' } } }).stack('s');
    expect(c.refTarget('${local.hubId}')?.resource.address).toBe('azurerm_virtual_network.hub');
    expect(c.identity('${azurerm_virtual_network.hub.name}')).toBe(c.identity('${local.hubId}'));
    expect(c.identity('literal')).toBe('literal');
  });
});

describe('referencesIn', () => {
  test('finds references inside function calls and templates, including data sources', () => {
    const refs = referencesIn('${base64encode(templatefile("x.tpl", { key = tls_private_key.ca.private_key_pem, kv = data.azurerm_key_vault.kv.id }))}');
    expect(refs).toEqual(expect.arrayContaining(['${tls_private_key.ca.private_key_pem}', '${data.azurerm_key_vault.kv.id}']));
  });
  test('does not start a match in the middle of a token or outside interpolations', () => {
    expect(referencesIn('${base64encode("host.example.com")}')).toEqual(['${host.example.com}']); // harmless: resolves to nothing
    expect(referencesIn('azurerm_subnet.gw.id')).toEqual([]);
    expect(referencesIn('${x-azurerm_subnet.gw.id}')).toEqual(['${x-azurerm_subnet.gw.id}']);
  });
  test('stays fast on long base64 custom_data (regression: quadratic backtracking)', () => {
    const long = `\${base64encode("${'A'.repeat(200_000)}")}`;
    expect(referencesIn(long)).toEqual([]);
  });
});
