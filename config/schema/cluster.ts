import { z } from 'zod';
import { cidr, dnsName, ipv4 } from './common';

/**
 * The kubeadm cluster of `<env>-cluster`: Ubuntu VMs in a spoke subnet, bootstrapped by cloud-init, behind two
 * internal Standard load balancers (API server, ingress). Cross-field rules (CIDR overlaps with every VNet and
 * on-premises prefix, load balancer IPs inside the node subnet, NAT egress for the node subnet, zones) are in
 * config/validate/cluster.ts.
 */

/** Azure VM size names, e.g. `Standard_D4s_v5`. */
const vmSize = z.string().regex(/^Standard_[A-Za-z0-9_]+$/, { error: (issue) => `"${String(issue.input)}" is not an Azure VM size such as Standard_D4s_v5` });
const zone = z.enum(['1', '2', '3']);

/** An OpenSSH public key (never a private key): `ssh-ed25519 AAAA... comment` or RSA/ECDSA. */
export const sshPublicKey = z
  .string()
  .trim()
  .regex(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( \S.*)?$/, {
    error: 'expected one OpenSSH public key line such as "ssh-ed25519 AAAAC3... user@host" (never a private key)',
  });

const poolBase = {
  /** VM size; must support premium storage, accelerated networking, Trusted Launch and, with `encryptionAtHost`, encryption at host (e.g. Dsv5/Esv5). */
  size: vmSize,
  /** Availability zones the nodes are spread over, round-robin. Empty = regional (no zone pinning). @default [] */
  zones: z.array(zone).default([]),
  /** OS disk size in GiB (Premium SSD). @default 128 */
  osDiskSizeGb: z.number().int().min(30).max(4095).default(128),
  /**
   * Encrypt temp disk, caches and data in transit to storage at the host. Needs the subscription feature
   * `Microsoft.Compute/EncryptionAtHost` registered and a size that supports it.
   * @default true
   */
  encryptionAtHost: z.boolean().default(true),
};

export const controlPlaneSchema = z.strictObject({
  /** Number of control-plane nodes: 1 (no HA) or 3/5 (etcd needs an odd number for quorum). */
  count: z.union([z.literal(1), z.literal(3), z.literal(5)], { error: 'control planes come in 1, 3 or 5 (etcd quorum needs an odd number)' }),
  ...poolBase,
  /**
   * Separate Premium SSD for etcd (LUN 0, mounted at /var/lib/etcddisk), in GiB. 256 = P15 (1,100 IOPS), Cluster API
   * Provider Azure's etcd disk; an HA control plane may not go below it (config/validate/cluster.ts). @default 256
   */
  etcdDiskSizeGb: z.number().int().min(16).max(1024).default(256),
});

export const workerSchema = z.strictObject({
  /** Number of worker nodes (the ingress load balancer's backends): 2 or more. */
  count: z.number().int().min(2, { error: 'at least 2 workers: the ingress load balancer needs more than one backend' }).max(50),
  ...poolBase,
});

export const ingressSchema = z.strictObject({
  /** Static private IP of the internal ingress load balancer (inside the node subnet). */
  privateIp: ipv4,
  /** Fixed NodePort of the ingress controller's HTTP entry point (LB port 80 maps here). @default 30080 */
  httpNodePort: z.number().int().min(30000).max(32767).default(30080),
  /** Fixed NodePort of the ingress controller's HTTPS entry point (LB port 443 maps here). @default 30443 */
  httpsNodePort: z.number().int().min(30000).max(32767).default(30443),
  /**
   * Application host names (labels inside `dns.zoneName`) that resolve to the ingress load balancer, by
   * application key. @default { cases: 'cases', grafana: 'grafana', argocd: 'argocd' }
   */
  hosts: z
    .record(z.string().regex(/^[a-z][a-z0-9-]{0,30}$/), z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, { error: 'host labels are one DNS label (lower-case letters, digits, hyphens)' }))
    .default({ cases: 'cases', grafana: 'grafana', argocd: 'argocd' }),
});

export const clusterSchema = z.strictObject({
  /**
   * Exact Kubernetes version (`1.MINOR.PATCH`): selects the pkgs.k8s.io repository (`v1.MINOR`), pins the
   * kubelet/kubeadm/kubectl packages (`1.MINOR.PATCH-*`, held) and is kubeadm's `kubernetesVersion`.
   */
  kubernetesVersion: z.string().regex(/^1\.(3[1-9]|[4-9]\d)\.\d{1,2}$/, { error: 'expected 1.MINOR.PATCH with MINOR >= 31 (kubeadm v1beta4), e.g. 1.36.1' }),
  /** Spoke (from `network.spokes`) and subnet role the nodes and load balancers live in. */
  spoke: z.string().default('cluster'),
  subnet: z.string().default('nodes'),
  /** Admin user created on every node (SSH key only, no password). @default 'azureuser' */
  adminUsername: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]{0,31}$/, { error: 'a Linux user name: lower-case, starts with a letter or underscore, at most 32 characters' })
    .refine((u) => !['root', 'admin', 'administrator', 'ubuntu', 'user', 'test'].includes(u), { error: 'Azure rejects reserved admin user names (root, admin, administrator, ubuntu, user, test)' })
    .default('azureuser'),
  /** The admin's SSH public key. The files in this repository carry an example key: replace it per environment. */
  sshPublicKey,
  /** Marketplace image. @default Canonical ubuntu-24_04-lts / server (Gen2) / latest */
  image: z
    .strictObject({
      publisher: z.string().default('Canonical'),
      offer: z.string().default('ubuntu-24_04-lts'),
      sku: z.string().default('server'),
      version: z.string().default('latest'),
    })
    .prefault({}),
  controlPlane: controlPlaneSchema,
  workers: workerSchema,
  /** Pod network (Calico IP pool, kubeadm `networking.podSubnet`); disjoint from every VNet and on-premises prefix. */
  podCidr: cidr,
  /** Service ClusterIP range (kubeadm `networking.serviceSubnet`), /12 or smaller; disjoint from everything else. */
  serviceCidr: cidr,
  /** Cluster DNS domain. @default 'cluster.local' */
  dnsDomain: dnsName.default('cluster.local'),
  apiServer: z.strictObject({
    /** Static private IP of the internal API server load balancer (inside the node subnet). */
    privateIp: ipv4,
    /** Host label of the API name inside `dns.zoneName` (the kubeadm `controlPlaneEndpoint`). @default 'api' */
    hostLabel: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/).default('api'),
  }),
  ingress: ingressSchema,
  dns: z.strictObject({
    /**
     * Private DNS zone for the API and application names, linked to the hub (so that the resolver answers
     * on-premises clients) and to the cluster spoke. On-premises DNS forwards it to the resolver inbound endpoint.
     */
    zoneName: dnsName,
  }),
  bootstrapToken: z
    .strictObject({
      /**
       * Lifetime of the bootstrap token in the cluster, in hours (kubeadm `bootstrapTokens[].ttl`). Long enough for
       * the initial build, short enough not to be a standing credential. @default 24
       */
      ttlHours: z.number().int().min(1).max(168).default(24),
      /**
       * Bump to issue a new token (new Key Vault secret version, registered on control plane 0 by its readiness
       * gate) before adding or re-creating nodes after the previous token expired. @default 1
       */
      rotation: z.number().int().min(1).default(1),
    })
    .prefault({}),
  /**
   * The kubelet's Azure Container Registry credential provider on the workers (`acr-credential-provider`, a release
   * asset of kubernetes-sigs/cloud-provider-azure): without it the nodes pull the tool's image anonymously and fail.
   * Installed when `services.registry` exists; see docs/cluster.md.
   */
  imageCredentialProvider: z
    .strictObject({
      /**
       * cloud-provider-azure release, `1.MINOR.PATCH` with MINOR = the Kubernetes minor. 1.36.5: the newest 1.36 tag
       * when pinned, the version AKS ships for 1.36 (Azure/AgentBaker parts/common/components.json). @default '1.36.5'
       */
      version: z.string().regex(/^1\.\d+\.\d{1,2}$/, { error: 'expected a cloud-provider-azure release 1.MINOR.PATCH, e.g. 1.36.5' }).default('1.36.5'),
      /**
       * SHA-256 of that release's `azure-acr-credential-provider-linux-amd64` asset. No default and no checksum file
       * is published upstream: take it yourself (`sha256sum`, docs/cluster.md). Required to deploy with a registry.
       */
      sha256: z.string().regex(/^[0-9a-f]{64}$/, { error: 'expected a SHA-256: 64 lower-case hex digits (sha256sum of the release asset)' }).optional(),
    })
    .prefault({}),
  /** How long each node's readiness gate waits for the bootstrap sentinel before failing the deployment. @default 30 */
  readinessTimeoutMinutes: z.number().int().min(5).max(80).default(30),
});

export type ClusterConfig = z.infer<typeof clusterSchema>;
export type ControlPlaneConfig = z.infer<typeof controlPlaneSchema>;
export type WorkerConfig = z.infer<typeof workerSchema>;
