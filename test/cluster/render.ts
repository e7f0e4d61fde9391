import { createHash } from 'crypto';
import { gunzipSync } from 'zlib';
import { NodeCloudInitProps } from '../../constructs/cluster/cloud-init';
import { ImageCredentialProviderSettings } from '../../constructs/cluster/image-credential-provider';
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

/** The bytes the tests' fake download serves, and the checksum workers are rendered with (never a real release's). */
export const FAKE_PROVIDER_BINARY = '#!/bin/sh\necho fake acr-credential-provider\n';
export const testCredentialProvider: ImageCredentialProviderSettings = {
  version: '1.36.5',
  sha256: createHash('sha256').update(FAKE_PROVIDER_BINARY).digest('hex'),
  tenantId: '99999999-8888-7777-6666-555555555555',
  identityClientId: '00000000-0000-0000-0000-000000000000',
};

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
    // Workers pull the tool's image from the environment's registry, as the cluster stack renders them.
    ...(role === 'worker' ? { imageCredentialProvider: testCredentialProvider } : {}),
  };
}

/** A write_files entry's content as the node gets it (`b64`, or `gz+b64` for the scripts), as cloud-init decodes it. */
export function decodeWriteFile(f: { encoding: string; content: string }): string {
  const bytes = Buffer.from(f.content, 'base64');
  if (f.encoding === 'gz+b64') return gunzipSync(bytes).toString('utf8');
  if (f.encoding !== 'b64') throw new Error(`unexpected write_files encoding ${f.encoding}`);
  return bytes.toString('utf8');
}
