import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { TlsProvider } from '@cdktf/provider-tls/lib/provider';
import { ArgoCd } from '../constructs/platform/argocd';
import { caseAssignerApplication, caseAssignerProject } from '../constructs/platform/case-assigner-application';
import type { PlatformClusterInputs } from '../constructs/platform/cluster-connection';
import { IngressTls } from '../constructs/platform/ingress-tls';
import { ManifestsRelease } from '../constructs/platform/manifests-release';
import { AZURE_IMDS_EXEMPTIONS, metadataEgressPolicy } from '../constructs/platform/metadata-egress-policy';
import { Monitoring } from '../constructs/platform/monitoring';
import { OAUTH2_PROXY_SECRET, OAuth2ProxySecret } from '../constructs/platform/oauth2-proxy-secret';
import { platformHosts } from '../constructs/platform/hosts';
import { PlatformRelease } from '../constructs/platform/platform-release';
import { PlatformStorage } from '../constructs/platform/storage';
import { RegistryPull } from '../constructs/platform/registry-pull';
import { RepoCredentials, repoNeedsCredentials } from '../constructs/platform/repo-credentials';
import { loadValuesFile } from '../constructs/platform/values';
import { CASE_ASSIGNER_RUNTIME_SECRET, DatabaseConnection, WorkloadSecret } from '../constructs/platform/workload-secret';
import { EnvironmentStack, EnvironmentStackProps } from './environment-stack';

export interface PlatformStackProps extends EnvironmentStackProps {
  /** API access and shape of the cluster, from the `<env>-cluster` stack (cross-stack references). */
  readonly cluster: PlatformClusterInputs;
  /** The tool's PostgreSQL server, from `<env>-services`; required when `platform.gitops.database` is set. */
  readonly database?: DatabaseConnection;
  /**
   * The environment's container registry, from `<env>-services`: the workload's image repository is
   * `<loginServer>/case-assigner`, and the kubelet identity gets AcrPull on it. Required with `platform.gitops`.
   */
  readonly registry?: { readonly id: string; readonly loginServer: string };
  /**
   * The environment's Key Vault (`<env>-keyvault`): Argo CD's repository token and the client secret of the tool's
   * Entra ID app registration are read from it. Required with `platform.gitops`.
   */
  readonly keyVault?: { readonly id: string };
}

/** Image repository of the tool in the environment's registry (the pipeline job pushes `<loginServer>/<name>:<commit>`). */
export const WORKLOAD_IMAGE = 'case-assigner';

/** Pod Security Admission level enforced per platform namespace (`warn`/`audit` are always `restricted`). */
const NAMESPACES = {
  'tigera-operator': 'privileged', // calico-node: host networking, privileged
  'local-path-storage': 'privileged', // helper pods create hostPath directories
  monitoring: 'privileged', // node-exporter: hostNetwork, hostPID, hostPath
  traefik: 'baseline',
  argocd: 'baseline',
} as const;
type PlatformNamespace = keyof typeof NAMESPACES;

const INGRESS_CLASS = 'traefik';
const NODE_PORT_RANGE = [30000, 32767] as const;

/**
 * `<env>-platform`: everything that runs on the cluster, installed through the cluster's private API endpoint with
 * credentials that come only from the `<env>-cluster` stack. Each release depends only on what it needs (explicit
 * `depends_on`), so independent ones install in parallel: CNI first -> (prod) the cloud controller manager, which
 * untaints the nodes -> kubelet serving certificate approval and the storage drivers side by side -> metadata-service
 * block (tier, then policy); the Prometheus operator CRDs on their own right after the CNI; after the block and the
 * CRDs, monitoring (also after storage), metrics-server, ingress and Argo CD side by side -> the workload's AppProject
 * and Application. Every release is atomic with a timeout. See docs/platform.md and docs/deploy.md.
 */
export class PlatformStack extends EnvironmentStack {
  readonly kubernetes: KubernetesProvider;
  readonly helm: HelmProvider;
  readonly namespaces: Partial<Record<PlatformNamespace, NamespaceV1>> = {};
  readonly calico?: PlatformRelease;
  readonly csrApprover: PlatformRelease;
  readonly storage: PlatformStorage;
  readonly clusterPolicies: ManifestsRelease;
  readonly monitoringCrds: PlatformRelease;
  readonly monitoring: Monitoring;
  readonly metricsServer: PlatformRelease;
  readonly ingressTls: IngressTls;
  readonly traefik: PlatformRelease;
  readonly argocd: ArgoCd;
  readonly gitops?: ManifestsRelease;
  readonly repoCredentials?: RepoCredentials;
  readonly registryPull?: RegistryPull;
  /** The sign-in proxy's client secret (from Key Vault) and cookie secret (generated), in the tool's namespace. */
  readonly oauth2ProxySecret?: OAuth2ProxySecret;

  constructor(scope: Construct, props: PlatformStackProps) {
    // azurerm only for what the GitOps path reads and grants in Azure (repository token, AcrPull).
    super(scope, 'platform', { ...props, azurerm: Boolean(props.config.platform.gitops) });
    const { platform, cluster } = this.config;
    const { connection } = props.cluster;
    const nodePorts = { http: cluster.ingress.httpNodePort, https: cluster.ingress.httpsNodePort };
    validateNodePorts(nodePorts);
    const hosts = platformHosts(this.config);
    const nodeSubnet = this.config.network.spokes[cluster.spoke]?.subnets[cluster.subnet];
    if (!nodeSubnet) throw new Error(`cluster.spoke/subnet ${cluster.spoke}/${cluster.subnet} is not in network.spokes; allowed: an existing spoke subnet`);

    // Credentials only from the cluster stack's outputs: no kubeconfig file, no token, no exec plugin.
    const apiAccess = {
      host: connection.endpoint,
      clusterCaCertificate: connection.caCertificate,
      clientCertificate: connection.clientCertificate,
      clientKey: connection.clientKey,
    };
    this.kubernetes = new KubernetesProvider(this, 'kubernetes', apiAccess);
    this.helm = new HelmProvider(this, 'helm', { kubernetes: apiAccess });
    new TlsProvider(this, 'tls');
    new RandomProvider(this, 'random');
    const helm = this.helm;
    const kubernetes = this.kubernetes;

    const ns = (name: PlatformNamespace): string => {
      const level = NAMESPACES[name];
      this.namespaces[name] ??= new NamespaceV1(this, `namespace-${name}`, {
        provider: kubernetes,
        metadata: {
          name,
          labels: {
            'app.kubernetes.io/part-of': 'platform',
            'pod-security.kubernetes.io/enforce': level,
            'pod-security.kubernetes.io/warn': 'restricted',
            'pod-security.kubernetes.io/audit': 'restricted',
          },
        },
      });
      return this.namespaces[name]!.metadata.name;
    };

    // 1. CNI: nothing else schedules before it.
    if (!props.cluster.cniInstalledByCluster) {
      const pools = (loadValuesFile('calico') as { installation: { calicoNetwork: { ipPools: Record<string, unknown>[] } } }).installation.calicoNetwork.ipPools;
      this.calico = new PlatformRelease(this, 'calico', {
        chart: 'calico',
        namespace: ns('tigera-operator'),
        // Lists replace rather than merge (Helm semantics), so the pool is rebuilt from the file plus the pod CIDR.
        computedValues: { installation: { calicoNetwork: { ipPools: pools.map((pool) => ({ ...pool, cidr: cluster.podCidr })) } } },
        provider: helm,
      });
    }
    const cni = this.calico ? [this.calico.release] : [];

    // 2. Storage. In prod the cloud controller manager comes first of all: until it has initialised the nodes they
    //    carry the uninitialized taint and no ordinary pod schedules (it tolerates the taint and runs host-networked).
    this.storage = new PlatformStorage(this, 'storage', {
      storage: platform.storage,
      azureCloud: props.cluster.azureCloud,
      podCidr: cluster.podCidr,
      localPathNamespace: platform.storage.provider === 'local-path' ? ns('local-path-storage') : 'local-path-storage',
      dependsOn: cni,
      helm,
      kubernetes,
    });

    // Kubelet serving certificates (serverTLSBootstrap): approved before anything scrapes kubelets.
    this.csrApprover = new PlatformRelease(this, 'kubelet-csr-approver', {
      chart: 'kubeletCsrApprover',
      namespace: 'kube-system',
      computedValues: {
        // Node names are the VM names the cluster stack gives (vm-<prefix>-<env>-cp-N / -wk-N); anything else is refused.
        providerRegex: `^vm-${this.naming.base}-(cp|wk)-[0-9]+$`,
        providerIpPrefixes: [nodeSubnet],
      },
      dependsOn: [...cni, ...this.storage.nodesInitialized],
      provider: helm,
    });
    const base = [...cni, this.csrApprover.release];

    // 3. Metadata-service block before any workload starts. Calico's API server (Tier, GlobalNetworkPolicy) comes up
    //    while the CSR approver installs, so this also gives the operator time to finish.
    const imds = metadataEgressPolicy(platform.storage.provider === 'azure-disk' ? AZURE_IMDS_EXEMPTIONS : []);
    // The tier needs Calico's API server, not storage: after the CSR approver it has the same margin in prod (after the
    // CCM) as in dev (after Calico), while the storage drivers install in parallel.
    const tier = new ManifestsRelease(this, 'cluster-policy-tier', {
      releaseName: 'cluster-policy-tier',
      namespace: 'kube-system',
      manifests: [imds.tier],
      dependsOn: [...base],
      provider: helm,
    });
    this.clusterPolicies = new ManifestsRelease(this, 'cluster-policies', {
      releaseName: 'cluster-policies',
      namespace: 'kube-system',
      manifests: [imds.policy],
      dependsOn: [tier.release],
      provider: helm,
    });

    // 4. Monitoring. Its CRDs (ServiceMonitor, PrometheusRule) install on their own, early: what ships monitors needs
    //    only them, not the whole monitoring stack. Workloads start after the metadata-service block.
    this.monitoringCrds = new PlatformRelease(this, 'prometheus-operator-crds', {
      chart: 'kubePrometheusStack',
      namespace: ns('monitoring'),
      valuesFile: 'prometheus-operator-crds',
      // No pods, so the CRDs could go first of all; after the CCM they still finish long before the policies.
      dependsOn: [...cni, ...this.storage.nodesInitialized],
      provider: helm,
    });
    const monitoringCrds = this.monitoringCrds.release;
    const workloadsAfter = [this.clusterPolicies.release, monitoringCrds];
    this.monitoring = new Monitoring(this, 'monitoring', {
      monitoring: platform.monitoring,
      hosts,
      namespace: ns('monitoring'),
      storageClassName: this.storage.storageClassName,
      ingressClassName: INGRESS_CLASS,
      dependsOn: [...this.storage.ready, ...workloadsAfter],
      helm,
      kubernetes,
    });

    // 5. metrics-server (HPA), with its ServiceMonitor.
    this.metricsServer = new PlatformRelease(this, 'metrics-server', {
      chart: 'metricsServer',
      namespace: 'kube-system',
      dependsOn: workloadsAfter,
      provider: helm,
    });

    // 6. Ingress on the NodePorts the cluster's ingress load balancer targets, with the default certificate.
    this.ingressTls = new IngressTls(this, 'ingress-tls', {
      domain: hosts.zone,
      namespace: ns('traefik'),
      secretName: platform.tls.secretName,
      source: platform.tls.source,
      validityDays: platform.tls.validityDays,
      organization: `${this.config.prefix}-${this.config.name} platform`,
      provider: kubernetes,
    });
    this.traefik = new PlatformRelease(this, 'traefik', {
      chart: 'traefik',
      namespace: ns('traefik'),
      computedValues: {
        ports: { web: { nodePort: nodePorts.http }, websecure: { nodePort: nodePorts.https } },
        tlsStore: { default: { defaultCertificate: { secretName: this.ingressTls.secretName } } },
        // Ingress status: the internal load balancer clients reach (and the host names' DNS records point at).
        providers: { kubernetesIngress: { ingressEndpoint: { ip: cluster.ingress.privateIp } } },
      },
      dependsOn: [...workloadsAfter, ...(this.ingressTls.secret ? [this.ingressTls.secret] : [])],
      provider: helm,
    });

    // 7. Argo CD beside the ingress: its Ingress object needs no running controller (Traefik serves it once up).
    this.argocd = new ArgoCd(this, 'argocd', {
      argocd: platform.argocd,
      host: hosts.argocd,
      namespace: ns('argocd'),
      workerCount: cluster.workers.count,
      ingressClassName: INGRESS_CLASS,
      dependsOn: workloadsAfter,
      helm,
    });

    // 8. The workload, handed to Argo CD (with its database Secret when the platform provides it), its image pulled
    //    from the environment's registry, its repository read with a token from Key Vault.
    if (platform.gitops) {
      const gitops = platform.gitops;
      if (!props.registry) throw new Error('platform.gitops is set but no registry was passed from the services stack; allowed: enable services.registry (the workload\'s image is pulled from it), or omit platform.gitops');
      const kubeletIdentity = props.cluster.kubeletIdentity;
      if (kubeletIdentity) this.registryPull = new RegistryPull(this, 'registry-pull', { registryId: props.registry.id, principalId: kubeletIdentity.principalId });
      if (repoNeedsCredentials(gitops.repoURL)) {
        if (!props.keyVault) throw new Error(`platform.gitops.repoURL "${gitops.repoURL}" needs credentials but no Key Vault was passed; allowed: pass <env>-keyvault, or a public repository`);
        this.repoCredentials = new RepoCredentials(this, 'repo-credentials', { repoURL: gitops.repoURL, keyVaultId: props.keyVault.id, namespace: ns('argocd'), provider: kubernetes });
      }
      // The tool's namespace, created by Terraform (restricted Pod Security) so its Secrets exist before Argo CD syncs.
      const workloadNamespace = new NamespaceV1(this, 'namespace-workload', {
        provider: kubernetes,
        metadata: {
          name: gitops.namespace,
          labels: { 'app.kubernetes.io/part-of': 'platform', 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted' },
        },
        // Argo CD annotates the namespaces of its applications (tracking); that is not drift.
        lifecycle: { ignoreChanges: ['metadata[0].annotations'] },
      });
      let runtime: WorkloadSecret | undefined;
      if (gitops.database) {
        if (!props.database) throw new Error(`platform.gitops.database is "${gitops.database}" but no database connection was passed from the services stack; allowed: pass services' PostgreSQL, or omit platform.gitops.database`);
        runtime = new WorkloadSecret(this, 'workload-secret', { namespace: workloadNamespace.metadata.name, database: props.database, databaseName: gitops.database, provider: kubernetes });
      }
      // Sign-in in front of the tool's Ingress: the proxy's secrets; the ids of the app registration go in the values.
      if (!props.keyVault) throw new Error('platform.gitops is set but no Key Vault was passed; allowed: pass <env>-keyvault (the client secret of the tool\'s Entra ID app registration is read from it)');
      this.oauth2ProxySecret = new OAuth2ProxySecret(this, 'oauth2-proxy-secret', { namespace: workloadNamespace.metadata.name, keyVaultId: props.keyVault.id, keyVaultSecretName: gitops.auth.clientSecretName, provider: kubernetes });
      this.gitops = new ManifestsRelease(this, 'gitops', {
        releaseName: 'gitops-bootstrap',
        namespace: ns('argocd'),
        manifests: [
          caseAssignerProject(gitops),
          caseAssignerApplication({
            ...gitops,
            namespaceManagedByTerraform: true,
            values: {
              // The environment's registry; the tag (a commit) is promoted in Git, in the chart's values file.
              image: { repository: `${props.registry.loginServer}/${WORKLOAD_IMAGE}` },
              // The internal host whose DNS record the cluster stack creates; TLS from Traefik's default certificate.
              ingress: { enabled: true, className: INGRESS_CLASS, host: hosts.cases, tlsSecretName: '' },
              // Entra ID sign-in (Traefik ForwardAuth -> oauth2-proxy): ids from configuration, secrets from the Secret above.
              auth: {
                mode: 'forward-auth',
                entraId: { tenantId: gitops.auth.tenantId, clientId: gitops.auth.clientId, allowedGroups: gitops.auth.allowedGroups },
                oauth2Proxy: { existingSecret: OAUTH2_PROXY_SECRET },
              },
              // Calico enforces NetworkPolicy: only Traefik reaches the proxy and the API port.
              networkPolicy: { enabled: true },
              metrics: { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true }, dashboard: { enabled: true } },
              ...(runtime ? { secret: { create: false, existingSecret: CASE_ASSIGNER_RUNTIME_SECRET } } : {}),
            },
          }),
        ],
        dependsOn: [this.argocd.release.release, this.oauth2ProxySecret.secret, ...(runtime ? [runtime.secret] : []), ...(this.repoCredentials ? [this.repoCredentials.secret] : []), ...(this.registryPull ? [this.registryPull.assignment] : [])],
        provider: helm,
      });
    }

    new TerraformOutput(this, 'grafana_url', { value: `https://${hosts.grafana}`, description: 'Grafana (internal host name; resolve through the platform DNS zone).' });
    new TerraformOutput(this, 'argocd_url', { value: `https://${this.argocd.host}`, description: 'Argo CD (internal host name).' });
    if (this.ingressTls.caCertificatePem) {
      new TerraformOutput(this, 'ingress_ca_certificate', { value: this.ingressTls.caCertificatePem, description: 'CA of the ingress certificate: install it in client trust stores.' });
    }
    new TerraformOutput(this, 'argocd_admin_password', { value: this.argocd.adminPassword.result, sensitive: true, description: 'Argo CD `admin` password (terraform output -raw argocd_admin_password).' });
    new TerraformOutput(this, 'grafana_admin_password', { value: this.monitoring.adminPassword.result, sensitive: true, description: 'Grafana `admin` password (also in Secret monitoring/grafana-admin).' });
  }
}

/** The ingress NodePorts must be distinct and inside the default Service NodePort range. */
export function validateNodePorts(ports: { http: number; https: number }): void {
  const [min, max] = NODE_PORT_RANGE;
  for (const [name, port] of Object.entries(ports)) {
    if (!Number.isInteger(port) || port < min || port > max) {
      throw new Error(`ingress NodePort ${name} is ${port}; allowed: an integer from ${min} to ${max} (the Service NodePort range)`);
    }
  }
  if (ports.http === ports.https) throw new Error(`ingress NodePorts http and https are both ${ports.http}; allowed: two different ports`);
}
