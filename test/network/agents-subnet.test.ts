/** The agents subnet carries the Managed DevOps Pool delegation when configured (else a network apply would strip one added by hand). */
import { synthesize, testConfig } from '../dns/fixtures';

const agentsSubnet = (s: ReturnType<typeof synthesize>) => Object.values<any>(s.network.resource.azurerm_subnet).find((x) => x.name.includes('agents'));

test('managed-devops-pool: delegated to Microsoft.DevOpsInfrastructure/pools', () => {
  const s = synthesize(testConfig('dev', (env) => { env.network.hub.agentPool = 'managed-devops-pool'; }));
  expect(agentsSubnet(s).delegation).toEqual([{ name: 'Microsoft.DevOpsInfrastructure.pools', service_delegation: { name: 'Microsoft.DevOpsInfrastructure/pools', actions: ['Microsoft.Network/virtualNetworks/subnets/join/action'] } }]);
});

test('default (scale-set): no delegation, so VMs can be placed', () => {
  expect(agentsSubnet(synthesize(testConfig('dev'))).delegation).toBeUndefined();
});
