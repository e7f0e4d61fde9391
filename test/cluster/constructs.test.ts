import { Testing, TerraformStack } from 'cdktf';
import { BootstrapToken } from '../../constructs/cluster/bootstrap-token';
import { ClusterDns } from '../../constructs/cluster/cluster-dns';
import { ClusterSecrets } from '../../constructs/cluster/cluster-secrets';
import { InternalLoadBalancer, InternalLoadBalancerProps } from '../../constructs/cluster/internal-load-balancer';
import { ClusterNodePool, ClusterNodePoolProps } from '../../constructs/cluster/node-pool';
import { fillTemplate } from '../../constructs/cluster/scripts';
import { clusterInboundRules } from '../../constructs/cluster/nsg-rules';
import { SubnetNsg } from '../../constructs/network/subnet-nsg';

const stack = () => new TerraformStack(Testing.app(), 'test');

const lbProps: InternalLoadBalancerProps = {
  name: 'lbi-test',
  resourceGroupName: 'rg',
  location: 'westeurope',
  subnetId: '/subnets/nodes',
  privateIp: '10.0.0.10',
  ports: [{ name: 'api', frontendPort: 6443, backendPort: 6443, probe: { protocol: 'Https', port: 6443, requestPath: '/readyz' } }],
};

const poolProps: ClusterNodePoolProps = {
  role: 'worker',
  nodes: [{ name: 'vm-wk-0', customData: 'I2Nsb3VkLWNvbmZpZw==' }],
  size: 'Standard_D4s_v5',
  osDiskSizeGb: 128,
  resourceGroupName: 'rg',
  location: 'westeurope',
  subnetId: '/subnets/nodes',
  adminUsername: 'azureuser',
  sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEVYQU1QTEUtT05MWS1SRVBMQUNFLVRISVMtS0VZISEh ops@example.com',
  image: { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' },
  identityIds: ['/identities/worker'],
  backendPoolId: '/pools/ingress',
  readinessTimeoutMinutes: 30,
  bootstrapTokenRotation: 1,
};

describe('cluster constructs validate their input eagerly', () => {
  test('InternalLoadBalancer: ports, duplicate names, probe paths', () => {
    expect(() => new InternalLoadBalancer(stack(), 'lb', lbProps)).not.toThrow();
    expect(() => new InternalLoadBalancer(stack(), 'lb', { ...lbProps, ports: [] })).toThrow(/no ports/);
    expect(() => new InternalLoadBalancer(stack(), 'lb', { ...lbProps, ports: [lbProps.ports[0], lbProps.ports[0]] })).toThrow(/used twice/);
    expect(() => new InternalLoadBalancer(stack(), 'lb', { ...lbProps, ports: [{ ...lbProps.ports[0], backendPort: 70000 }] })).toThrow(/backendPort 70000; allowed: 1-65535/);
    expect(() => new InternalLoadBalancer(stack(), 'lb', { ...lbProps, ports: [{ ...lbProps.ports[0], probe: { protocol: 'Https', port: 6443 } }] })).toThrow(/requestPath/);
  });

  test('ClusterNodePool: nodes, identities and an SSH public key are required', () => {
    expect(() => new ClusterNodePool(stack(), 'pool', poolProps)).not.toThrow();
    expect(() => new ClusterNodePool(stack(), 'pool', { ...poolProps, nodes: [] })).toThrow(/no nodes/);
    expect(() => new ClusterNodePool(stack(), 'pool', { ...poolProps, identityIds: [] })).toThrow(/no identities/);
    expect(() => new ClusterNodePool(stack(), 'pool', { ...poolProps, sshPublicKey: '-----BEGIN OPENSSH PRIVATE KEY-----' })).toThrow(/not an OpenSSH public key/);
    expect(() => new ClusterNodePool(stack(), 'pool', { ...poolProps, readinessTimeoutMinutes: 200 })).toThrow(/allowed: 1-85/);
  });

  test('ClusterSecrets: Key Vault secret names and at least one reader', () => {
    const secret = { key: 'ca-key', name: 'k8s-ca-key', value: 'x', contentType: 'application/x-pem-file', readers: [{ id: 'cp', principalId: 'p' }] };
    expect(() => new ClusterSecrets(stack(), 's', { keyVaultId: '/vaults/kv', secrets: [secret] })).not.toThrow();
    expect(() => new ClusterSecrets(stack(), 's', { keyVaultId: '/vaults/kv', secrets: [{ ...secret, name: 'k8s_ca_key' }] })).toThrow(/letters, digits and hyphens/);
    expect(() => new ClusterSecrets(stack(), 's', { keyVaultId: '/vaults/kv', secrets: [{ ...secret, readers: [] }] })).toThrow(/no readers/);
  });

  test('ClusterDns must be linked to the hub (the resolver answers on-premises from zones linked there)', () => {
    expect(() => new ClusterDns(stack(), 'dns', { zoneName: 'dev.hyb.internal', resourceGroupName: 'rg', links: { cluster: '/vnets/cluster' }, records: {} })).toThrow(/not linked to the hub/);
  });

  test('BootstrapToken rotation is a positive integer; script templates take only safe values', () => {
    expect(() => new BootstrapToken(stack(), 't', { rotation: 0 })).toThrow(/allowed: an integer >= 1/);
    expect(() => fillTemplate('a=@@X@@', { X: 'ok; rm -rf /' })).toThrow(/not safe/);
    expect(() => fillTemplate('a=@@Y@@', { X: '1' })).toThrow(/has no value/);
    expect(fillTemplate('a=@@X@@', { X: 'vm-1' })).toBe('a=vm-1');
  });

  test('the cluster rules go through SubnetNsg, which refuses an internet source for 6443 at synth time', () => {
    const nsg = new SubnetNsg(stack(), 'nsg', { name: 'nsg-nodes', resourceGroupName: 'rg', location: 'westeurope', subnetId: '/subnets/nodes', subnetPrefix: '10.20.0.0/24' });
    const rules = clusterInboundRules({ nodesPrefix: '10.20.0.0/24', agentsPrefix: '10.10.2.0/26', clusterVnetSpace: ['10.20.0.0/22'], ingressClients: ['10.10.0.0/22'], httpNodePort: 30080, httpsNodePort: 30443 });
    for (const rule of rules) nsg.allowInbound(rule);
    expect(rules.every((r) => r.priority >= 2000 && r.priority < 4000)).toBe(true);
    expect(() => nsg.allowInbound({ ...rules[0], name: 'k8s-api-from-internet', priority: 2500, sources: ['Internet'] })).toThrow(/never the internet/);
    expect(() => nsg.allowInbound({ ...rules[0], name: 'k8s-api-again', priority: 2000 })).toThrow(/reuses priority 2000/);
  });
});
