import { stringify } from 'yaml';
import { credentialProviderKubeletArgs } from './image-credential-provider';

/** The kubeadm configuration API this stack writes (v1beta3 is removed in 1.36). */
export const KUBEADM_API_VERSION = 'kubeadm.k8s.io/v1beta4';
/** Replaced on the node by the bootstrap script with the token fetched from Key Vault (never in custom_data). */
export const BOOTSTRAP_TOKEN_PLACEHOLDER = '__BOOTSTRAP_TOKEN__';
/** Written on the node by the bootstrap script from the CA certificate: credential-free file discovery. */
export const DISCOVERY_KUBECONFIG_PATH = '/run/k8s-bootstrap/discovery.conf';
export const CRI_SOCKET = 'unix:///var/run/containerd/containerd.sock';
/** Mount point of the etcd data disk on control planes (etcd's dataDir lives below it). */
export const ETCD_DISK_MOUNT = '/var/lib/etcddisk';

export type NodeRole = 'init' | 'control-plane' | 'worker';

export interface KubeadmClusterSettings {
  readonly clusterName: string;
  /** Exact version, e.g. `1.36.1`. */
  readonly kubernetesVersion: string;
  /** DNS name of the API server (the `controlPlaneEndpoint` host). */
  readonly apiHost: string;
  readonly apiPort: number;
  /** Frontend IP of the API server load balancer (a certSAN). */
  readonly apiLoadBalancerIp: string;
  readonly podCidr: string;
  readonly serviceCidr: string;
  readonly dnsDomain: string;
  /** Bootstrap token lifetime in hours. */
  readonly bootstrapTokenTtlHours: number;
  /** Kubelets and the controller manager run with `cloud-provider=external` (a CCM will be installed). */
  readonly externalCloudProvider: boolean;
}

export interface KubeadmNodeSettings {
  readonly role: NodeRole;
  /** Node name: equal to the Azure VM name (the cloud controller manager relies on it). */
  readonly nodeName: string;
  /**
   * The kubelet pulls from Azure Container Registry with the node's identity through the image credential provider
   * (`--image-credential-provider-config` / `--image-credential-provider-bin-dir`, files from cloud-init.ts). @default false
   */
  readonly imageCredentialProvider?: boolean;
}

type Arg = { name: string; value: string };
const arg = (name: string, value: string): Arg => ({ name, value });

function nodeRegistration(cluster: KubeadmClusterSettings, node: KubeadmNodeSettings): Record<string, unknown> {
  const controlPlane = node.role !== 'worker';
  return {
    name: node.nodeName,
    criSocket: CRI_SOCKET,
    imagePullPolicy: 'IfNotPresent',
    // Workers carry no taint; control planes keep kubeadm's default so only tolerating pods land there.
    taints: controlPlane ? [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] : [],
    kubeletExtraArgs: [...(cluster.externalCloudProvider ? [arg('cloud-provider', 'external')] : []), ...(node.imageCredentialProvider ? credentialProviderKubeletArgs() : [])],
  };
}

/** `InitConfiguration` of control plane 0: the bootstrap token (placeholder) with its TTL, no certificate upload. */
export function initConfiguration(cluster: KubeadmClusterSettings, node: KubeadmNodeSettings): Record<string, unknown> {
  return {
    apiVersion: KUBEADM_API_VERSION,
    kind: 'InitConfiguration',
    bootstrapTokens: [
      {
        token: BOOTSTRAP_TOKEN_PLACEHOLDER,
        description: 'Node join token from Key Vault (rotate: cluster.bootstrapToken.rotation)',
        ttl: `${cluster.bootstrapTokenTtlHours}h0m0s`,
        usages: ['signing', 'authentication'],
        groups: ['system:bootstrappers:kubeadm:default-node-token'],
      },
    ],
    localAPIEndpoint: { bindPort: cluster.apiPort },
    nodeRegistration: nodeRegistration(cluster, node),
    timeouts: { controlPlaneComponentHealthCheck: '10m0s' },
  };
}

/** `ClusterConfiguration`: endpoint, SANs, networks, metrics bindings for Prometheus, etcd on its own disk. */
export function clusterConfiguration(cluster: KubeadmClusterSettings): Record<string, unknown> {
  const controllerManagerArgs = [arg('bind-address', '0.0.0.0')];
  if (cluster.externalCloudProvider) controllerManagerArgs.push(arg('cloud-provider', 'external'));
  return {
    apiVersion: KUBEADM_API_VERSION,
    kind: 'ClusterConfiguration',
    clusterName: cluster.clusterName,
    kubernetesVersion: `v${cluster.kubernetesVersion}`,
    controlPlaneEndpoint: `${cluster.apiHost}:${cluster.apiPort}`,
    certificatesDir: '/etc/kubernetes/pki',
    encryptionAlgorithm: 'RSA-2048',
    networking: { podSubnet: cluster.podCidr, serviceSubnet: cluster.serviceCidr, dnsDomain: cluster.dnsDomain },
    apiServer: {
      // Every name and address clients dial: the LB name and IP, and loopback (control planes map the name to
      // 127.0.0.1 to avoid the Azure internal load balancer hairpin).
      certSANs: [cluster.apiHost, cluster.apiLoadBalancerIp, '127.0.0.1', 'localhost'],
      extraArgs: [arg('profiling', 'false')],
    },
    controllerManager: { extraArgs: [...controllerManagerArgs, arg('profiling', 'false')] },
    scheduler: { extraArgs: [arg('bind-address', '0.0.0.0'), arg('profiling', 'false')] },
    etcd: {
      local: {
        dataDir: `${ETCD_DISK_MOUNT}/etcd`,
        extraArgs: [arg('listen-metrics-urls', 'http://0.0.0.0:2381'), arg('quota-backend-bytes', '8589934592')],
      },
    },
  };
}

/** `KubeletConfiguration`: systemd cgroups (matches containerd), serving certificates from the cluster CA for metrics-server. */
export function kubeletConfiguration(): Record<string, unknown> {
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    cgroupDriver: 'systemd',
    serverTLSBootstrap: true,
    rotateCertificates: true,
    readOnlyPort: 0,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true } },
    authorization: { mode: 'Webhook' },
  };
}

/** `KubeProxyConfiguration`: metrics on every interface so Prometheus can scrape them (NSG keeps it in the subnet). */
export function kubeProxyConfiguration(): Record<string, unknown> {
  return {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    metricsBindAddress: '0.0.0.0:10249',
  };
}

/**
 * `JoinConfiguration` for workers and further control planes: file discovery (a kubeconfig carrying the CA
 * certificate, written on the node) plus the TLS bootstrap token. The CA is pinned by the file itself, so there is
 * no hash to compute and never an unsafe skip of CA verification. Control planes bring the shared CA keys from
 * Key Vault, so no `certificateKey` (which would expire after two hours) is involved.
 */
export function joinConfiguration(cluster: KubeadmClusterSettings, node: KubeadmNodeSettings): Record<string, unknown> {
  return {
    apiVersion: KUBEADM_API_VERSION,
    kind: 'JoinConfiguration',
    discovery: {
      file: { kubeConfigPath: DISCOVERY_KUBECONFIG_PATH },
      tlsBootstrapToken: BOOTSTRAP_TOKEN_PLACEHOLDER,
    },
    nodeRegistration: nodeRegistration(cluster, node),
    ...(node.role === 'control-plane' ? { controlPlane: { localAPIEndpoint: { bindPort: cluster.apiPort } } } : {}),
    timeouts: { discovery: '10m0s', tlsBootstrap: '10m0s', controlPlaneComponentHealthCheck: '10m0s' },
  };
}

/** The kubeadm documents of one node: Init+Cluster+Kubelet+KubeProxy on control plane 0, one Join elsewhere. */
export function kubeadmDocuments(cluster: KubeadmClusterSettings, node: KubeadmNodeSettings): Record<string, unknown>[] {
  if (node.role === 'init') {
    return [initConfiguration(cluster, node), clusterConfiguration(cluster), kubeletConfiguration(), kubeProxyConfiguration()];
  }
  return [joinConfiguration(cluster, node)];
}

/** The documents as one multi-document YAML file. */
export function renderKubeadmConfig(cluster: KubeadmClusterSettings, node: KubeadmNodeSettings): string {
  return kubeadmDocuments(cluster, node)
    .map((doc) => stringify(doc, { lineWidth: 0 }))
    .join('---\n');
}
