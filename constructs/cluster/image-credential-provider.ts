import { Token } from 'cdktf';
import { stringify } from 'yaml';

/**
 * The kubelet's image credential provider for Azure Container Registry: `acr-credential-provider` from
 * kubernetes-sigs/cloud-provider-azure (the in-tree Azure provider is gone since Kubernetes 1.30). The kubelet runs it
 * for images matching `matchImages`; it gets a token for the node's user-assigned identity from IMDS and exchanges it
 * for an ACR refresh token (pkg/credentialprovider/azure_credentials.go at v1.36.5). No secret on the node.
 * Layout as documented upstream (https://cloud-provider-azure.sigs.k8s.io/topics/credential-provider) and used by
 * Cluster API Provider Azure's out-of-tree credential provider templates.
 */

/** Directory the kubelet looks the provider up in (`--image-credential-provider-bin-dir`). */
export const CREDENTIAL_PROVIDER_BIN_DIR = '/var/lib/kubelet/credential-provider';
/** The CredentialProviderConfig file (`--image-credential-provider-config`). */
export const CREDENTIAL_PROVIDER_CONFIG_PATH = '/var/lib/kubelet/credential-provider-config.yaml';
/** The provider's cloud configuration (its only argument). YAML: the provider decodes it with sigs.k8s.io/yaml (pkg/azclient/configloader/loader_yaml.go). */
export const CREDENTIAL_PROVIDER_CLOUD_CONFIG_PATH = '/etc/kubernetes/acr-credential-provider.yaml';
/** Provider name = executable name in the bin dir (the kubelet requires the equality). */
export const CREDENTIAL_PROVIDER_NAME = 'acr-credential-provider';

/**
 * Release asset of a version: the project's release workflow publishes the bare binary
 * `azure-acr-credential-provider-linux-amd64` on the GitHub release `v<version>` (.github/workflows/release.yaml, job
 * build-acr-credential-provider; the release skill's EXPECTED_ASSETS). No checksum file is published next to it,
 * hence the SHA-256 in configuration (docs/cluster.md: how to obtain it). amd64: the nodes run the x86-64 Ubuntu
 * server image on Dsv5-class sizes.
 */
export function credentialProviderUrl(version: string): string {
  return `https://github.com/kubernetes-sigs/cloud-provider-azure/releases/download/v${version}/azure-acr-credential-provider-linux-amd64`;
}

/** Login server patterns of Azure public cloud registries (the environment's registry is `<name>.azurecr.io`). */
export const ACR_PUBLIC_CLOUD_MATCH = ['*.azurecr.io'];

export interface ImageCredentialProviderSettings {
  /** Release of cloud-provider-azure, `1.MINOR.PATCH`, MINOR = the cluster's Kubernetes minor. */
  readonly version: string;
  /** SHA-256 (64 lower-case hex digits) of the release asset; the node refuses any other binary. */
  readonly sha256: string;
  /** Tenant of the identity (the ACR token exchange is per tenant). Terraform reference allowed. */
  readonly tenantId: string;
  /** Client id of the user-assigned identity that holds AcrPull (nodes carry several identities). Terraform reference allowed. */
  readonly identityClientId: string;
  /** Image patterns the kubelet asks the provider about (kubelet glob syntax). @default ACR_PUBLIC_CLOUD_MATCH */
  readonly matchImages?: ReadonlyArray<string>;
  /** How long the kubelet caches a credential when the provider does not say. @default '10m' */
  readonly defaultCacheDuration?: string;
}

const SEMVER = /^1\.(\d+)\.\d+$/;
const SHA256 = /^[0-9a-f]{64}$/;
// A kubelet matchImages pattern as this stack uses them: host labels (each may be '*'), optional port, optional path.
const MATCH_IMAGE = /^(\*|[a-z0-9-]+)(\.(\*|[a-z0-9-]+))+(:\d+)?(\/[a-z0-9._\/-]+)?$/;

/** Throws with the bad value and what is allowed unless the settings can work with `kubernetesVersion`. */
export function validateCredentialProviderSettings(settings: ImageCredentialProviderSettings, kubernetesVersion: string): void {
  const version = SEMVER.exec(settings.version);
  const k8sMinor = /^1\.(\d+)\./.exec(kubernetesVersion)?.[1];
  if (!version) throw new Error(`image credential provider version "${settings.version}" is not a cloud-provider-azure release; allowed: 1.MINOR.PATCH, e.g. 1.36.5`);
  if (version[1] !== k8sMinor) {
    throw new Error(`image credential provider version ${settings.version} does not match Kubernetes ${kubernetesVersion}; allowed: a 1.${k8sMinor}.x release (cloud-provider-azure versions follow the Kubernetes minor)`);
  }
  if (!SHA256.test(settings.sha256)) throw new Error(`image credential provider sha256 "${settings.sha256}" is not a SHA-256; allowed: 64 lower-case hex digits (sha256sum of the release asset)`);
  for (const [what, value] of [['tenantId', settings.tenantId], ['identityClientId', settings.identityClientId]] as const) {
    if (!Token.isUnresolved(value) && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) {
      throw new Error(`image credential provider ${what} "${value}" is not a GUID; allowed: a GUID or a Terraform reference to one`);
    }
  }
  const match = settings.matchImages ?? ACR_PUBLIC_CLOUD_MATCH;
  if (match.length === 0) throw new Error('image credential provider matchImages is empty; allowed: one or more patterns such as *.azurecr.io');
  for (const m of match) {
    if (!MATCH_IMAGE.test(m)) throw new Error(`image credential provider matchImages entry "${m}" is not a kubelet image pattern; allowed: e.g. *.azurecr.io or myregistry.azurecr.io/team`);
  }
}

/** The kubelet's `CredentialProviderConfig` (kubelet.config.k8s.io/v1). Static: no Terraform references in it. */
export function renderCredentialProviderConfig(settings: ImageCredentialProviderSettings): string {
  return stringify(
    {
      apiVersion: 'kubelet.config.k8s.io/v1',
      kind: 'CredentialProviderConfig',
      providers: [
        {
          name: CREDENTIAL_PROVIDER_NAME,
          apiVersion: 'credentialprovider.kubelet.k8s.io/v1',
          matchImages: [...(settings.matchImages ?? ACR_PUBLIC_CLOUD_MATCH)],
          defaultCacheDuration: settings.defaultCacheDuration ?? '10m',
          args: [CREDENTIAL_PROVIDER_CLOUD_CONFIG_PATH],
        },
      ],
    },
    { lineWidth: 0 },
  );
}

/**
 * The provider's cloud configuration: managed identity through IMDS, the identity named by client id (a node has
 * several user-assigned identities; without it IMDS refuses to choose), the tenant for the ACR token exchange.
 * Plain YAML without quotes, so Terraform references can be embedded like in the other node files.
 */
export function renderCredentialProviderCloudConfig(settings: ImageCredentialProviderSettings): string {
  return [
    'cloud: AzurePublicCloud',
    `tenantId: ${settings.tenantId}`,
    'useManagedIdentityExtension: true',
    `userAssignedIdentityID: ${settings.identityClientId}`,
    '',
  ].join('\n');
}

/** The node.env lines the bootstrap's install step reads (k8s-bootstrap.sh install_credential_provider). */
export function credentialProviderEnv(settings: ImageCredentialProviderSettings): Array<[string, string]> {
  return [
    ['ACR_CREDENTIAL_PROVIDER_VERSION', settings.version],
    ['ACR_CREDENTIAL_PROVIDER_URL', credentialProviderUrl(settings.version)],
    ['ACR_CREDENTIAL_PROVIDER_SHA256', settings.sha256],
    ['ACR_CREDENTIAL_PROVIDER_BIN_DIR', CREDENTIAL_PROVIDER_BIN_DIR],
  ];
}

/** The kubelet flags, as kubeadm v1beta4 `kubeletExtraArgs` entries. */
export function credentialProviderKubeletArgs(): Array<{ name: string; value: string }> {
  return [
    { name: 'image-credential-provider-config', value: CREDENTIAL_PROVIDER_CONFIG_PATH },
    { name: 'image-credential-provider-bin-dir', value: CREDENTIAL_PROVIDER_BIN_DIR },
  ];
}
