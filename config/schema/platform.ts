import { z } from 'zod';

/**
 * The platform on the cluster (`<env>-platform`): ingress, storage, monitoring, GitOps. Chart versions are not
 * configuration (they are pinned in constructs/platform/chart-versions.ts and reviewed in code); this section holds
 * what legitimately differs between environments: storage back end, retention and sizes, HA, host names.
 */

/** A Kubernetes quantity for storage requests, binary units only (`10Gi`, `500Mi`, `1Ti`). */
const storageSize = z.string().regex(/^[1-9][0-9]{0,5}(Mi|Gi|Ti)$/, {
  error: (issue) => `"${String(issue.input)}" is not a storage size such as 10Gi (whole number, unit Mi, Gi or Ti)`,
});

/** A Prometheus duration (`15d`, `120h`, `2w`): one number and one unit. */
const promDuration = z.string().regex(/^[1-9][0-9]{0,4}(h|d|w|y)$/, {
  error: (issue) => `"${String(issue.input)}" is not a retention such as 15d or 120h (one number, unit h, d, w or y)`,
});

/** Prometheus' size-based retention limit (`40GB`, `512MB`). */
const promSize = z.string().regex(/^[1-9][0-9]{0,5}(MB|GB|TB)$/, {
  error: (issue) => `"${String(issue.input)}" is not a retention size such as 40GB (unit MB, GB or TB)`,
});

/** Applications (keys of `cluster.ingress.hosts`) the platform publishes, and whether each must have a host label. */
export const PLATFORM_HOST_KEYS = { grafana: 'required', argocd: 'required', prometheus: 'optional', alertmanager: 'optional', cases: 'workload' } as const;
export type PlatformHostKey = keyof typeof PLATFORM_HOST_KEYS;

export const STORAGE_PROVIDERS = ['local-path', 'azure-disk'] as const;
export const AZURE_DISK_SKUS = ['StandardSSD_LRS', 'StandardSSD_ZRS', 'Premium_LRS', 'Premium_ZRS', 'PremiumV2_LRS'] as const;

export const platformStorageSchema = z.strictObject({
  /**
   * `local-path`: rancher local-path-provisioner, volumes on the node's disk (data is lost with the node; pods are
   * pinned to it). `azure-disk`: Azure cloud controller manager + Azure Disk CSI driver on the cluster's managed
   * identity; volumes are managed disks that reattach to another node.
   */
  provider: z.enum(STORAGE_PROVIDERS),
  /** Disk SKU of the default StorageClass when `provider` is `azure-disk`. @default StandardSSD_LRS */
  azureDiskSku: z.enum(AZURE_DISK_SKUS).default('StandardSSD_LRS'),
  /** Reclaim policy of the default StorageClass; `Retain` keeps the disk when a PVC is deleted. @default Delete */
  reclaimPolicy: z.enum(['Delete', 'Retain']).default('Delete'),
});

export const platformMonitoringSchema = z
  .strictObject({
    prometheus: z
      .strictObject({
        /** How long samples are kept. @default 10d (the chart's default) */
        retention: promDuration.default('10d'),
        /** Size-based cap, applied first when reached; keep it below `storageSize`. Omit for no cap. */
        retentionSize: promSize.optional(),
        /** Size of the Prometheus volume. @default 20Gi */
        storageSize: storageSize.default('20Gi'),
        /** Prometheus replicas (each keeps a full copy). @default 1 */
        replicas: z.number().int().min(1).max(3).default(1),
      })
      .prefault({}),
    alertmanager: z
      .strictObject({
        /** How long silences and notification state are kept. @default 120h */
        retention: promDuration.default('120h'),
        /** Size of each Alertmanager volume. @default 2Gi */
        storageSize: storageSize.default('2Gi'),
        /** Alertmanager replicas (they gossip; 3 survive one node loss). @default 1 */
        replicas: z.number().int().min(1).max(5).default(1),
      })
      .prefault({}),
    grafana: z
      .strictObject({
        /** Size of the Grafana volume (its SQLite database: users, annotations). @default 5Gi */
        storageSize: storageSize.default('5Gi'),
      })
      .prefault({}),
  })
  .prefault({});

export const platformArgoCdSchema = z
  .strictObject({
    /**
     * `auto`: HA (redis-ha, 2 server / repo-server / applicationset replicas) when the cluster has at least 3
     * workers, since redis-ha needs 3 nodes for its anti-affinity; `off`: never; `on`: always (rejected with
     * fewer than 3 workers). @default auto
     */
    ha: z.enum(['auto', 'on', 'off']).default('auto'),
    /** OpenID Connect SSO through Dex. Without it Dex is not deployed and the local `admin` account is used. */
    sso: z
      .strictObject({
        /** Issuer URL of the identity provider, e.g. https://login.microsoftonline.com/<tenant>/v2.0. */
        issuer: z.url({ protocol: /^https$/, error: 'the SSO issuer must be an https URL' }),
        /** Client (application) id registered for Argo CD. The client secret is never configuration. */
        clientId: z.string().min(1),
        /** Name of a Secret in `argocd` holding `oidc.clientSecret`, created out of band (e.g. from Key Vault). */
        clientSecretName: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/).default('argocd-oidc'),
      })
      .optional(),
    /**
     * When the generated admin password was last rotated (RFC 3339). Changing it generates a new password and
     * invalidates sessions; keeping it keeps the bcrypt hash (and the plan) stable. @default 2026-01-01T00:00:00Z
     */
    adminPasswordRotatedAt: z.iso.datetime({ offset: false, error: 'use an RFC 3339 UTC timestamp such as 2026-01-01T00:00:00Z' }).default('2026-01-01T00:00:00Z'),
  })
  .prefault({});

export const platformTlsSchema = z
  .strictObject({
    /**
     * `self-signed-ca`: Terraform generates a private CA and a wildcard certificate for `*.<domain>` (distribute the
     * CA to clients; the CA key lives in Terraform state). `existing-secret`: the Secret `secretName` in the ingress
     * namespace is created out of band (enterprise PKI) and Terraform only references it. @default self-signed-ca
     */
    source: z.enum(['self-signed-ca', 'existing-secret']).default('self-signed-ca'),
    /** Name of the `kubernetes.io/tls` Secret Traefik serves by default. @default ingress-default-tls */
    secretName: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/).default('ingress-default-tls'),
    /** Validity of the generated leaf certificate in days (the CA gets 5 years). @default 365 */
    validityDays: z.number().int().min(30).max(825).default(365),
  })
  .prefault({});

/** An Entra ID object/tenant/application id (a GUID). */
const entraId = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, {
  error: (issue) => `"${String(issue.input)}" is not an Entra ID id (a GUID such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301)`,
});

/**
 * Sign-in in front of the tool's API and dashboard (docs/platform.md, "Signing in to the tool"): Traefik ForwardAuth
 * to the chart's oauth2-proxy, Entra ID (OIDC, single tenant). Ids only: the app registration's client secret is read
 * from the environment's Key Vault (`clientSecretName`) and never appears in configuration.
 */
export const platformGitopsAuthSchema = z.strictObject({
  /** Directory (tenant) id: the issuer is https://login.microsoftonline.com/<tenantId>/v2.0. */
  tenantId: entraId,
  /** Application (client) id of the tool's app registration (redirect URI https://<cases host>/oauth2/callback). */
  clientId: entraId,
  /** Key Vault secret (in `<env>-keyvault`) holding the app registration's client secret. @default case-assigner-oauth2-client-secret */
  clientSecretName: z.string().regex(/^[0-9a-zA-Z-]{1,127}$/, { error: 'Key Vault secret names are 1-127 letters, digits and -' }).default('case-assigner-oauth2-client-secret'),
  /** Object ids of the Entra groups allowed in (needs the groups claim); empty: whoever the app registration admits. @default [] */
  allowedGroups: z.array(entraId).default([]),
});

export const platformGitopsSchema = z.strictObject({
  /** Git repository Argo CD pulls the workload from (this repository). */
  repoURL: z.url({ protocol: /^(https|ssh)$/, error: 'repoURL must be an https:// or ssh:// URL' }),
  /** Branch, tag or commit Argo CD tracks. @default main */
  targetRevision: z.string().min(1).default('main'),
  /** Namespace of the case-assignment tool. @default case-assigner */
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/).default('case-assigner'),
  /** Path of the tool's Helm chart in the repository. @default charts/case-assigner */
  chartPath: z.string().regex(/^(?!.*\.\.)[a-zA-Z0-9._/-]+$/, { error: 'a path inside the repository (no ..)' }).default('charts/case-assigner'),
  /** Values files of the chart for this environment, relative to `chartPath` (settings, image, Secret name). */
  valueFiles: z.array(z.string().regex(/^(?!.*\.\.)[a-zA-Z0-9._/-]+\.ya?ml$/, { error: 'value files are relative .yaml paths inside the chart (no ..)' })).min(1),
  /**
   * Database (one of `services.postgres.databases`) the tool uses. With it, Terraform writes the Secret
   * `case-assigner-runtime` (DATABASE_URL to `<env>-services`' PostgreSQL through its private endpoint) into the
   * tool's namespace and points the chart at it; API tokens are added to that Secret by operators (never in git).
   * Omit to provide the Secret some other way.
   */
  database: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, { error: 'database names are lower-case letters, digits and _' }).optional(),
  /** Let Argo CD sync automatically (prune + self-heal). @default true */
  automated: z.boolean().default(true),
  /** Who may use the tool: its Ingress is published only behind Entra ID sign-in. */
  auth: platformGitopsAuthSchema,
});

/**
 * Host names come from the cluster section (`cluster.dns.zoneName` and `cluster.ingress.hosts`), which also creates
 * their DNS records on the ingress load balancer: one source for names and records. Grafana and Argo CD need a host;
 * Prometheus and Alertmanager get an ingress only when `cluster.ingress.hosts` names one for them.
 */
export const platformSchema = z.strictObject({
  storage: platformStorageSchema,
  monitoring: platformMonitoringSchema,
  argocd: platformArgoCdSchema,
  tls: platformTlsSchema,
  /** The Argo CD Application for the case-assignment tool; omit to install the platform without the workload. */
  gitops: platformGitopsSchema.optional(),
});

export type PlatformConfig = z.infer<typeof platformSchema>;
export type PlatformStorageConfig = z.infer<typeof platformStorageSchema>;
