/**
 * Gateway transit over the life of the stacks: `<env>-vpn` switches it off again when destroyed (the azapi update's
 * destroy is a no-op), and `<env>-network` re-applies it to a peering it replaces once the gateway exists.
 */
import { synthesize, testConfig } from '../dns/fixtures';

const s = synthesize(testConfig('dev'));
const actions = Object.values<any>(s.vpn.resource.azapi_resource_action ?? {});

test('destroying <env>-vpn reverts both flags, spoke side first, before the gateway goes', () => {
  expect(actions).toHaveLength(2);
  for (const a of actions) {
    expect(a).toMatchObject({ when: 'destroy', method: 'PUT', ignore_not_found: true, type: expect.stringMatching(/virtualNetworkPeerings@/) });
    expect(a.action).toBeUndefined();
    expect(a.body.properties).toMatchObject({ allowGatewayTransit: false, useRemoteGateways: false, allowVirtualNetworkAccess: true, allowForwardedTraffic: true, remoteVirtualNetwork: { id: expect.any(String) } });
    expect(a.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^azurerm_virtual_network_gateway\./)]));
  }
  const [hub, spoke] = ['hub-revert', 'spoke-revert'].map((n) => Object.entries<any>(s.vpn.resource.azapi_resource_action).find(([k]) => k.includes(n))!);
  // Terraform destroys dependants first: the spoke revert depends on the hub revert, so it runs first.
  expect(spoke![1].depends_on).toContain(`azapi_resource_action.${hub![0]}`);
  // Each revert targets the same peering as the update it undoes.
  const updates = Object.values<any>(s.vpn.resource.azapi_update_resource);
  expect(new Set(actions.map((a) => a.resource_id))).toEqual(new Set(updates.map((u) => u.resource_id)));
});

test('the network stack reads the same gateway the vpn stack creates', () => {
  const gatewayName = Object.values<any>(s.vpn.resource.azurerm_virtual_network_gateway)[0].name;
  expect(s.network.data.azapi_resource['vpn-gateway'].resource_id.endsWith(`/virtualNetworkGateways/${gatewayName}`)).toBe(true);
  expect(s.network.terraform.required_providers.azapi.version).toBe('~> 2.9'); // ignore_not_found / exists (data source 2.7, action 2.9)
});
