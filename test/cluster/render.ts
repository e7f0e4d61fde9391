import { NodeCloudInitProps } from '../../constructs/cluster/cloud-init';
import { KubeadmClusterSettings, NodeRole } from '../../constructs/cluster/kubeadm-config';
import { SECRET_NAMES } from '../../stacks/cluster-stack';

/** Placeholders where the stack passes Terraform references. */
export const PLACEHOLDER_PEM = '-----BEGIN CERTIFICATE-----\nTERRAFORM-PLACEHOLDER\n-----END CERTIFICATE-----\n';

export const clusterSettings: KubeadmClusterSettings = {
  clusterName: 'hyb-dev',
  kubernetesVersion: '1.36.1',
  apiHost: 'api.dev.hyb.internal',
  apiPort: 6443,
  apiLoadBalancerIp: '10.20.0.250',
  podCidr: '172.20.0.0/16',
  serviceCidr: '172.21.0.0/16',
  dnsDomain: 'cluster.local',
  bootstrapTokenTtlHours: 24,
  externalCloudProvider: false,
};

export const ROLES: NodeRole[] = ['init', 'control-plane', 'worker'];

export function nodeProps(role: NodeRole, overrides: Partial<KubeadmClusterSettings> = {}): NodeCloudInitProps {
  return {
    cluster: { ...clusterSettings, ...overrides },
    node: { role, nodeName: `vm-hyb-dev-${role === 'worker' ? 'wk' : 'cp'}-0` },
    keyVaultUri: 'https://kv-placeholder.vault.azure.net/',
    identityClientId: '00000000-0000-0000-0000-000000000000',
    secretNames: SECRET_NAMES,
    pki: { caCertPem: PLACEHOLDER_PEM, frontProxyCaCertPem: PLACEHOLDER_PEM, etcdCaCertPem: PLACEHOLDER_PEM, serviceAccountPublicKeyPem: PLACEHOLDER_PEM },
    bootstrapTokenRotation: 1,
    etcdDiskLun: 0,
    apiWaitMinutes: 30,
  };
}
