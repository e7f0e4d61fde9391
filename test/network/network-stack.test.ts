import { resources, synthesizeAll } from '../helpers/env';

const stacks = synthesizeAll();

describe.each(['dev', 'prod'])('%s-network', (env) => {
  const stack = stacks[`${env}-network`];
  const subnets = resources(stack, 'azurerm_subnet');
  const byName = (name: string) => Object.entries(subnets).find(([, s]) => s.name === name)!;
  const associations = Object.values(resources(stack, 'azurerm_subnet_network_security_group_association'));
  const associatedSubnetRefs = associations.map((a: any) => a.subnet_id);

  test('GatewaySubnet exists with its exact name and no NSG', () => {
    const [key] = byName('GatewaySubnet');
    expect(associatedSubnetRefs).not.toContain(`\${azurerm_subnet.${key}.id}`);
  });

  test('every other subnet has its own NSG that denies inbound by default', () => {
    const others = Object.entries(subnets).filter(([, s]) => s.name !== 'GatewaySubnet');
    for (const [key] of others) expect(associatedSubnetRefs).toContain(`\${azurerm_subnet.${key}.id}`);
    const rules = Object.values(resources(stack, 'azurerm_network_security_rule')) as any[];
    const denies = rules.filter((r) => r.access === 'Deny' && r.priority === 4096 && r.direction === 'Inbound');
    expect(denies).toHaveLength(others.length);
    for (const rule of rules) expect(rule.description?.length).toBeGreaterThanOrEqual(10);
  });

  test('resolver subnets are delegated to Microsoft.Network/dnsResolvers', () => {
    for (const name of ['snet-dns-inbound', 'snet-dns-outbound']) {
      const [, subnet] = byName(name);
      expect(subnet.delegation[0].service_delegation.name).toBe('Microsoft.Network/dnsResolvers');
    }
  });

  test('NSGs apply to private endpoints, and no subnet keeps default outbound access', () => {
    expect(byName('snet-private-endpoints')[1].private_endpoint_network_policies).toBe('Enabled');
    for (const subnet of Object.values(subnets) as any[]) expect(subnet.default_outbound_access_enabled).toBe(false);
  });

  test('NAT egress only for the subnets that need it (agents, cluster nodes)', () => {
    const natSubnets = (Object.values(resources(stack, 'azurerm_subnet_nat_gateway_association')) as any[]).map((a) => a.subnet_id);
    const names = natSubnets.map((ref: string) => subnets[/azurerm_subnet\.([^.]+)\.id/.exec(ref)![1]].name).sort();
    expect(names).toEqual(['snet-agents', 'snet-nodes']);
  });

  test('hub-spoke peering in both directions, forwarding on, transit set from the gateway existence (a replaced peering keeps it)', () => {
    const peerings = Object.values(resources(stack, 'azurerm_virtual_network_peering')) as any[];
    expect(peerings).toHaveLength(2);
    for (const p of peerings) {
      expect(p.allow_forwarded_traffic).toBe(true);
      expect(p.allow_virtual_network_access).toBe(true);
      expect(p.lifecycle).toBeUndefined(); // the old ignore_changes made a replaced peering come back without transit
    }
    const gate = '${data.azapi_resource.vpn-gateway.exists}';
    const hub = peerings.find((p) => p.name.startsWith('peer-hub-'));
    const spoke = peerings.find((p) => !p.name.startsWith('peer-hub-'));
    expect([hub.allow_gateway_transit, hub.use_remote_gateways]).toEqual([gate, false]);
    expect([spoke.allow_gateway_transit, spoke.use_remote_gateways]).toEqual([false, gate]);
    expect(spoke.depends_on).toEqual([expect.stringMatching(/^azurerm_virtual_network_peering\..*hub-to-spoke/)]);
    const data = stack.data.azapi_resource['vpn-gateway'];
    expect(data).toMatchObject({ ignore_not_found: true, type: expect.stringMatching(/^Microsoft\.Network\/virtualNetworkGateways@/) });
    // Literal names only (plus the subscription from client config): the read happens at plan time.
    expect(data.resource_id).toMatch(/^\/subscriptions\/\$\{data\.azurerm_client_config\.client\.subscription_id\}\/resourceGroups\/rg-[\w-]+-network\/providers\/Microsoft\.Network\/virtualNetworkGateways\/vgw-[\w-]+$/);
  });

  test('no public IP other than the NAT gateways', () => {
    const ips = Object.values(resources(stack, 'azurerm_public_ip')) as any[];
    expect(ips.map((ip) => ip.name).every((n: string) => n.startsWith('pip-') && n.includes('-nat-'))).toBe(true);
  });
});

describe.each([
  ['dev', { sku: 'VpnGw1AZ', generation: 'Generation1', ips: 1, bgp: false }],
  ['prod', { sku: 'VpnGw2AZ', generation: 'Generation2', ips: 2, bgp: true }],
])('%s-vpn', (env, expected) => {
  const stack = stacks[`${env}-vpn`];
  const gateway = Object.values(resources(stack, 'azurerm_virtual_network_gateway'))[0] as any;
  const connection = Object.values(resources(stack, 'azurerm_virtual_network_gateway_connection'))[0] as any;

  test('route-based AZ gateway with the configured SKU and generation', () => {
    expect(gateway).toMatchObject({ type: 'Vpn', vpn_type: 'RouteBased', sku: expected.sku, generation: expected.generation, active_active: expected.ips === 2, enable_bgp: expected.bgp });
    expect(gateway.ip_configuration).toHaveLength(expected.ips);
  });

  test('zone-redundant Standard static public IPs, one per gateway instance', () => {
    const ips = Object.values(resources(stack, 'azurerm_public_ip')) as any[];
    expect(ips).toHaveLength(expected.ips);
    for (const ip of ips) expect(ip).toMatchObject({ sku: 'Standard', allocation_method: 'Static', zones: ['1', '2', '3'] });
  });

  test('IPsec connection with the custom policy and a generated key', () => {
    expect(connection.type).toBe('IPsec');
    expect(connection.connection_protocol).toBe('IKEv2');
    expect(connection.ipsec_policy).toMatchObject({ ipsec_encryption: 'GCMAES256', ipsec_integrity: 'GCMAES256', sa_lifetime: 27000 });
    // Generated in <env>-network (so <env>-services can store it without waiting for the gateway).
    expect(connection.shared_key).toMatch(/^\$\{data\.terraform_remote_state\.cross-stack-reference-input-[a-z]+-network\.outputs\.cross-stack-output-random_password[^}]*result\}$/);
    const password = Object.values(resources(stacks[`${env}-network`], 'random_password'))[0] as any;
    expect(password).toMatchObject({ length: 64, special: false });
    const crossOutput = Object.entries(stacks[`${env}-network`].output).find(([k]) => k.startsWith('cross-stack-output-random_password'))![1] as any;
    expect(crossOutput.sensitive).toBe(true);
  });

  test('the shared key leaves only as a sensitive output', () => {
    expect(stack.output.vpn_shared_key.sensitive).toBe(true);
    for (const s of [stack, stacks[`${env}-network`]]) {
      const plain = Object.values(s.output).filter((o: any) => !o.sensitive && JSON.stringify(o.value).includes('random_password'));
      expect(plain).toEqual([]);
    }
  });

  test('spoke-side gateway transit waits for the gateway and the hub side', () => {
    const updates = resources(stack, 'azapi_update_resource');
    const [gatewayKey] = Object.keys(resources(stack, 'azurerm_virtual_network_gateway'));
    const spoke = Object.values(updates).find((u: any) => u.body.properties.useRemoteGateways === true) as any;
    const hub = Object.entries(updates).find(([, u]: any) => u.body.properties.allowGatewayTransit === true)!;
    expect(spoke.depends_on).toEqual(expect.arrayContaining([`azurerm_virtual_network_gateway.${gatewayKey}`, `azapi_update_resource.${hub[0]}`]));
    expect((hub[1] as any).depends_on).toContain(`azurerm_virtual_network_gateway.${gatewayKey}`);
    expect(spoke.resource_id).toMatch(/spoke-to-hub/);
  });

  if (expected.bgp) {
    test('BGP over APIPA on both ends', () => {
      expect(gateway.bgp_settings.peering_addresses.map((p: any) => p.apipa_addresses)).toEqual([['169.254.21.2'], ['169.254.22.2']]);
      expect(connection.custom_bgp_addresses).toEqual({ primary: '169.254.21.2', secondary: '169.254.22.2' });
      const lng = Object.values(resources(stack, 'azurerm_local_network_gateway'))[0] as any;
      expect(lng.bgp_settings).toEqual({ asn: 65010, bgp_peering_address: '169.254.21.1' });
    });
  }
});

describe('every environment', () => {
  test('synthesizes a network and a vpn stack, with state keyed per stack', () => {
    for (const env of ['dev', 'prod']) {
      for (const component of ['network', 'vpn']) {
        const stack = stacks[`${env}-${component}`];
        expect(stack).toBeDefined();
        expect(stack.terraform.backend.local.path).toBe(`terraform.${env}-${component}.tfstate`);
      }
    }
  });

  test('the gateway is off the critical path: nothing but <env>-vpn depends on it', () => {
    for (const [id, stack] of Object.entries(stacks)) {
      if (id.endsWith('-vpn')) continue;
      expect(JSON.stringify(stack.data?.terraform_remote_state ?? {})).not.toMatch(/-vpn/);
    }
  });

  test('no secret appears as a literal in any synthesized stack', () => {
    const json = JSON.stringify(stacks);
    expect(json).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
    for (const stack of Object.values(stacks)) {
      for (const type of ['azurerm_virtual_network_gateway_connection']) {
        for (const r of Object.values(resources(stack, type)) as any[]) expect(r.shared_key).toMatch(/^\$\{/);
      }
    }
  });
});

describe('state backend', () => {
  test('an environment naming a state account gets an azurerm backend, one key per stack, Azure AD auth, no secrets', () => {
    const { App, Testing } = require('cdktf');
    const { parseEnvironment } = require('../../config');
    const { buildApp } = require('../../stacks/app');
    const { rawEnvironment } = require('../helpers/env');
    const raw = rawEnvironment('dev');
    raw.stateBackend = { resourceGroupName: 'rg-tfstate', storageAccountName: 'sthybtfstate01' };
    const { config } = parseEnvironment(raw, 'dev');
    const app: typeof App = Testing.app();
    buildApp(app, [{ file: 'dev.yaml', config, warnings: [] }]);
    const ids = app.node.children.map((c: any) => c.node.id);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    for (const child of app.node.children) {
      const backend = JSON.parse(Testing.synth(child)).terraform.backend.azurerm;
      expect(backend).toEqual({
        resource_group_name: 'rg-tfstate',
        storage_account_name: 'sthybtfstate01',
        container_name: 'tfstate',
        key: `${child.node.id}.tfstate`,
        use_azuread_auth: true,
      });
    }
  });
});
