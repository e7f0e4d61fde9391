import { gzipSync } from 'zlib';
import { stringify } from 'yaml';
import { ETCD_DISK_MOUNT, KubeadmClusterSettings, KubeadmNodeSettings, BOOTSTRAP_TOKEN_PLACEHOLDER, renderKubeadmConfig } from './kubeadm-config';
import {
  CREDENTIAL_PROVIDER_CLOUD_CONFIG_PATH,
  CREDENTIAL_PROVIDER_CONFIG_PATH,
  credentialProviderEnv,
  ImageCredentialProviderSettings,
  renderCredentialProviderCloudConfig,
  renderCredentialProviderConfig,
  validateCredentialProviderSettings,
} from './image-credential-provider';
import { NodeScript, readScript } from './scripts';

/** Turns file content into the base64 text of a `write_files` entry. The stack passes one that defers to Terraform for tokens. */
export type Base64Encoder = (text: string) => string;

export const staticBase64: Base64Encoder = (text) => Buffer.from(text, 'utf8').toString('base64');

/** Names of the Key Vault secrets the nodes read. */
export interface ClusterSecretNames {
  readonly bootstrapToken: string;
  readonly caKey: string;
  readonly frontProxyCaKey: string;
  readonly etcdCaKey: string;
  readonly serviceAccountKey: string;
}

/** Public certificate material, as PEM (Terraform references in the stack). Control planes need all of it. */
export interface PublicPki {
  readonly caCertPem: string;
  readonly frontProxyCaCertPem: string;
  readonly etcdCaCertPem: string;
  readonly serviceAccountPublicKeyPem: string;
}

export interface NodeCloudInitProps {
  readonly cluster: KubeadmClusterSettings;
  readonly node: KubeadmNodeSettings;
  /** Vault URI, e.g. `https://kv-x.vault.azure.net/` (reached through its private endpoint). */
  readonly keyVaultUri: string;
  /** Client id of the node's user-assigned identity that may read the secrets. */
  readonly identityClientId: string;
  readonly secretNames: ClusterSecretNames;
  readonly pki: PublicPki;
  /** Bootstrap token rotation counter (recorded on the node for k8s-ensure-token). */
  readonly bootstrapTokenRotation: number;
  /** LUN of the etcd data disk (control planes). */
  readonly etcdDiskLun: number;
  /** How long joining nodes wait for the API server (and for the previous control plane) before failing. */
  readonly apiWaitMinutes: number;
  /**
   * Node name of the control plane this one joins after (etcd adds one member at a time): the bootstrap waits until
   * that node is a labelled control plane with a healthy etcd member before `kubeadm join`. @default none
   */
  readonly joinAfter?: string;
  /**
   * The kubelet's ACR credential provider (binary pinned by version and SHA-256, downloaded and verified at boot,
   * config files, kubelet flags). Nodes without it pull only public images. @default none
   */
  readonly imageCredentialProvider?: ImageCredentialProviderSettings;
}

/** Kernel modules for containerd's overlay snapshotter and bridged pod traffic through iptables. */
export const KERNEL_MODULES = ['overlay', 'br_netfilter'];

/** sysctls kubeadm's preflight and the CNI need, plus inotify limits for many pods (as Cluster API images set). */
export const SYSCTLS: Record<string, string> = {
  'net.bridge.bridge-nf-call-iptables': '1',
  'net.bridge.bridge-nf-call-ip6tables': '1',
  'net.ipv4.ip_forward': '1',
  'fs.inotify.max_user_instances': '8192',
  'fs.inotify.max_user_watches': '524288',
};

/** The node's bootstrap parameters as KEY=value lines (no secrets: those stay in Key Vault). */
export function renderNodeEnv(props: NodeCloudInitProps): string {
  const c = props.cluster;
  if (props.joinAfter !== undefined && (props.node.role !== 'control-plane' || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(props.joinAfter))) {
    throw new Error(`joinAfter "${props.joinAfter}" for ${props.node.nodeName} (${props.node.role}); allowed: only on a joining control plane, the node name of the control plane before it`);
  }
  const entries: Array<[string, string | number]> = [
    ['K8S_ROLE', props.node.role],
    ['K8S_NODE_NAME', props.node.nodeName],
    ['K8S_CLUSTER_NAME', c.clusterName],
    ['K8S_VERSION', c.kubernetesVersion],
    ['K8S_API_HOST', c.apiHost],
    ['K8S_API_PORT', c.apiPort],
    ['K8S_API_WAIT_MINUTES', props.apiWaitMinutes],
    ['K8S_JOIN_AFTER', props.joinAfter ?? ''],
    ['K8S_TOKEN_PLACEHOLDER', BOOTSTRAP_TOKEN_PLACEHOLDER],
    ['K8S_BOOTSTRAP_TOKEN_TTL', `${c.bootstrapTokenTtlHours}h`],
    ['K8S_BOOTSTRAP_TOKEN_ROTATION', props.bootstrapTokenRotation],
    ['K8S_ETCD_DISK_LUN', props.etcdDiskLun],
    ['K8S_ETCD_DISK_MOUNT', ETCD_DISK_MOUNT],
    ['KV_URI', props.keyVaultUri],
    ['KV_IDENTITY_CLIENT_ID', props.identityClientId],
    ['KV_SECRET_BOOTSTRAP_TOKEN', props.secretNames.bootstrapToken],
    ['KV_SECRET_CA_KEY', props.secretNames.caKey],
    ['KV_SECRET_FRONT_PROXY_CA_KEY', props.secretNames.frontProxyCaKey],
    ['KV_SECRET_ETCD_CA_KEY', props.secretNames.etcdCaKey],
    ['KV_SECRET_SA_KEY', props.secretNames.serviceAccountKey],
    ...(props.imageCredentialProvider ? credentialProviderEnv(props.imageCredentialProvider) : []),
  ];
  return entries.map(([k, v]) => `${k}=${v}\n`).join('');
}

interface WriteFile {
  path: string;
  permissions: string;
  owner: string;
  encoding: 'b64' | 'gz+b64';
  content: string;
}

function file(path: string, content: string, permissions: string, encode: Base64Encoder = staticBase64): WriteFile {
  return { path, permissions, owner: 'root:root', encoding: 'b64', content: encode(content) };
}

/**
 * A node script, gzipped (`encoding: gz+b64`, which cloud-init's write_files inflates): the scripts are most of the
 * document, and Azure caps custom_data at 65,535 characters of base64. Scripts hold no Terraform references. The
 * gzip header carries no timestamp and its OS byte is set to "unknown" (zlib writes the build platform's), so a
 * synth on Linux and on macOS renders the same bytes. shellcheck runs on the source files and on the inflated copies
 * (test/cluster).
 */
function script(path: string, name: NodeScript): WriteFile {
  const gz = gzipSync(Buffer.from(readScript(name), 'utf8'), { level: 9 });
  gz[9] = 0xff; // RFC 1952 OS field: 255 = unknown
  return { path, permissions: '0755', owner: 'root:root', encoding: 'gz+b64', content: gz.toString('base64') };
}

/**
 * The `#cloud-config` document of one node. Every file travels base64-encoded (`encoding: b64`, scripts gzipped first), so the document
 * itself holds no quotes or `${`: Terraform tokens (vault URI, identity, certificates) can be embedded safely and
 * the whole document handed to `base64encode()`. Private keys and the bootstrap token are not in it: the node reads
 * them from Key Vault at boot.
 */
export function renderCloudInit(props: NodeCloudInitProps, encode: Base64Encoder = staticBase64): string {
  const controlPlane = props.node.role !== 'worker';
  const provider = props.imageCredentialProvider;
  if (provider) validateCredentialProviderSettings(provider, props.cluster.kubernetesVersion);
  const node = provider ? { ...props.node, imageCredentialProvider: true } : props.node;
  const sysctl = Object.entries(SYSCTLS).map(([k, v]) => `${k} = ${v}\n`).join('');
  const files: WriteFile[] = [
    file('/etc/modules-load.d/kubernetes.conf', KERNEL_MODULES.map((m) => `${m}\n`).join(''), '0644'),
    file('/etc/sysctl.d/90-kubernetes.conf', sysctl, '0644'),
    file('/etc/k8s-bootstrap/node.env', renderNodeEnv(props), '0644', encode),
    file('/etc/k8s-bootstrap/kubeadm.yaml', renderKubeadmConfig(props.cluster, node), '0600'),
    ...(provider
      ? [
          file(CREDENTIAL_PROVIDER_CONFIG_PATH, renderCredentialProviderConfig(provider), '0644'),
          file(CREDENTIAL_PROVIDER_CLOUD_CONFIG_PATH, renderCredentialProviderCloudConfig(provider), '0644', encode),
        ]
      : []),
    file('/etc/k8s-bootstrap/pki/ca.crt', props.pki.caCertPem, '0644', encode),
    ...(controlPlane
      ? [
          file('/etc/k8s-bootstrap/pki/front-proxy-ca.crt', props.pki.frontProxyCaCertPem, '0644', encode),
          file('/etc/k8s-bootstrap/pki/etcd-ca.crt', props.pki.etcdCaCertPem, '0644', encode),
          file('/etc/k8s-bootstrap/pki/sa.pub', props.pki.serviceAccountPublicKeyPem, '0644', encode),
          script('/usr/local/sbin/k8s-ensure-token', 'k8s-ensure-token.sh'),
        ]
      : []),
    script('/usr/local/sbin/kv-secret', 'kv-secret.sh'),
    script('/usr/local/sbin/k8s-bootstrap', 'k8s-bootstrap.sh'),
  ];
  const doc = {
    // Belt and braces: the VM resource already disables password authentication.
    ssh_pwauth: false,
    disable_root: true,
    package_update: false,
    write_files: files,
    // One script, so that ordering, retries and the failure report are in one place (see k8s-bootstrap.sh).
    runcmd: [['/usr/local/sbin/k8s-bootstrap']],
  };
  return `#cloud-config\n${stringify(doc, { lineWidth: 0, singleQuote: true })}`;
}

/**
 * Throws unless `text` is safe inside a Terraform string literal once cdktf tokens are resolved: no double quotes,
 * backslashes, `${` or `%{` outside the tokens themselves.
 */
export function assertTerraformSafe(text: string, what: string): void {
  const stripped = text.replace(/\$\{TfToken\[[A-Z0-9_.]+\]\}/g, '');
  const bad = ['"', '\\', '${', '%{'].find((s) => stripped.includes(s));
  if (bad) throw new Error(`${what} contains ${JSON.stringify(bad)} outside Terraform references; allowed: base64 file contents and plain YAML`);
}
