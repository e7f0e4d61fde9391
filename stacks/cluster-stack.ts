import { DataResource, Fn, TerraformLocal, TerraformOutput, Token } from 'cdktf';
import { Construct } from 'constructs';
import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { TlsProvider } from '@cdktf/provider-tls/lib/provider';
import { BootstrapToken } from '../constructs/cluster/bootstrap-token';
import { assertTerraformSafe, Base64Encoder, ClusterSecretNames, renderCloudInit, staticBase64 } from '../constructs/cluster/cloud-init';
import { ClusterDns } from '../constructs/cluster/cluster-dns';
import { ImageCredentialProviderSettings } from '../constructs/cluster/image-credential-provider';
import { MISSING_SHA256_MESSAGE } from '../config/validate/credential-provider';
import { clusterHandoffRecords } from '../constructs/cluster/handoff-records';
import { ClusterSecrets } from '../constructs/cluster/cluster-secrets';
import { InternalLoadBalancer } from '../constructs/cluster/internal-load-balancer';
import { KubeadmClusterSettings, NodeRole } from '../constructs/cluster/kubeadm-config';
import { clusterInboundRules } from '../constructs/cluster/nsg-rules';
import { ClusterNodePool, ETCD_DISK_LUN } from '../constructs/cluster/node-pool';
import { ClusterPki } from '../constructs/cluster/pki';
import type { PlatformClusterInputs } from '../constructs/platform/cluster-connection';
import { RbacPropagationWait } from '../constructs/services/rbac-propagation';
import { registerHandoffRecords } from '../handoff/extensions';
import { EnvironmentStack, EnvironmentStackProps } from './environment-stack';
import type { NetworkStack } from './network-stack';

/** The Key Vault of `<env>-keyvault` (RBAC mode, private endpoint in the hub), by reference. */
export interface ClusterKeyVaultRef {
  readonly id: string;
  /** e.g. `https://kv-hyb-dev-x.vault.azure.net/` */
  readonly vaultUri: string;
  /** The deployer's `Key Vault Secrets Officer` role assignment: the secrets wait for its propagation. */
  readonly secretsOfficerAssignmentId: string;
}

export interface ClusterStackProps extends EnvironmentStackProps {
  readonly network: NetworkStack;
  readonly keyVault: ClusterKeyVaultRef;
}

export const API_PORT = 6443;

/** Key Vault secret names of the join material. */
export const SECRET_NAMES: ClusterSecretNames = {
  bootstrapToken: 'k8s-bootstrap-token',
  caKey: 'k8s-ca-key',
  frontProxyCaKey: 'k8s-front-proxy-ca-key',
  etcdCaKey: 'k8s-etcd-ca-key',
  serviceAccountKey: 'k8s-sa-key',
};

// The API and application names go into the on-premises handoff (runbook, forwarders, hosts fallback).
registerHandoffRecords(clusterHandoffRecords);

/**
 * Base64 for write_files: literal text in TypeScript, Terraform's base64encode() when the text holds references.
 * The text is split into literals and whole references joined by join(): references then stay expressions instead
 * of `${...}` inside a string literal, which cdktf warns it may render incorrectly.
 */
const terraformBase64: Base64Encoder = (text) => {
  if (!Token.isUnresolved(text)) return staticBase64(text);
  const parts = text.split(/(\$\{TfToken\[TOKEN\.\d+\]\})/).filter((part) => part !== '');
  return Fn.base64encode(Fn.join('', parts));
};

/**
 * `<env>-cluster`: a kubeadm cluster on Ubuntu VMs in the cluster spoke. Terraform generates the PKI and the
 * bootstrap token, stores the private parts in the `<env>-keyvault` vault (readable per secret by the node identities),
 * renders one cloud-init document per node, and puts the nodes behind two internal Standard load balancers (API
 * server, ingress) with private DNS names. A readiness gate per node holds the apply until the node has joined.
 * The CNI (Calico VXLAN, MTU 1350) is the platform stack's first release: see docs/cluster.md.
 */
export class ClusterStack extends EnvironmentStack {
  readonly resourceGroup: ResourceGroup;
  readonly pki: ClusterPki;
  readonly controlPlanes: ClusterNodePool;
  readonly workers: ClusterNodePool;
  readonly apiLoadBalancer: InternalLoadBalancer;
  readonly ingressLoadBalancer: InternalLoadBalancer;
  readonly dns: ClusterDns;
  /** `https://api.<zone>:6443` */
  readonly apiEndpoint: string;
  /** Fully qualified application host names by key (cases, grafana, argocd, ...): for the handoff files. */
  readonly hostNames: Record<string, string>;
  readonly dnsZoneName: string;
  /** Everything `<env>-platform` takes from this stack (cross-stack references). */
  readonly platformInputs: PlatformClusterInputs;

  constructor(scope: Construct, props: ClusterStackProps) {
    super(scope, 'cluster', props);
    const { config, naming, tags } = this;
    const c = config.cluster;
    new TlsProvider(this, 'tls');
    new RandomProvider(this, 'random');

    const spoke = props.network.spoke(c.spoke);
    const subnet = spoke.subnet(c.subnet);
    const nodesPrefix = spoke.prefixes[c.subnet];
    const clusterName = `${config.prefix}-${config.name}`;
    // The CCM and the Azure Disk CSI driver come with azure-disk storage; kubelets must then start with an external cloud provider.
    const externalCloudProvider = (config.platform as { storage?: { provider?: string } }).storage?.provider === 'azure-disk';

    // NSG rules of the node subnet live in the network stack's NSG (the cluster's priority band 2000-3999), literal CIDRs only.
    const nsg = spoke.nsg(c.subnet);
    for (const rule of clusterInboundRules({
      nodesPrefix,
      agentsPrefix: config.network.hub.subnets.agents,
      clusterVnetSpace: config.network.spokes[c.spoke].addressSpace,
      ingressClients: [...config.network.hub.addressSpace, ...Object.values(config.network.spokes).flatMap((s) => s.addressSpace), ...config.onPremises.addressPrefixes],
      httpNodePort: c.ingress.httpNodePort,
      httpsNodePort: c.ingress.httpsNodePort,
    })) {
      nsg.allowInbound(rule);
    }

    this.resourceGroup = new ResourceGroup(this, 'resource-group', { name: naming.resourceGroup('cluster'), location: config.location, tags });
    const rg = this.resourceGroup.name;

    // One identity per role: a worker can read the bootstrap token but never a CA key.
    const identity = (role: string) =>
      new UserAssignedIdentity(this, `identity-${role}`, { name: `id-${naming.base}-k8s-${role}`, resourceGroupName: rg, location: config.location, tags });
    const controlPlaneIdentity = identity('control-plane');
    const workerIdentity = identity('worker');
    const cloudIdentity = externalCloudProvider ? identity('cloud-provider') : undefined;
    if (cloudIdentity) {
      // Cloud controller manager and Azure Disk CSI driver: disks and node metadata in this resource group, read on the network.
      new RoleAssignment(this, 'cloud-provider-contributor', { scope: this.resourceGroup.id, roleDefinitionName: 'Contributor', principalId: cloudIdentity.principalId, principalType: 'ServicePrincipal', description: 'CCM and Azure Disk CSI manage disks and read nodes in the cluster resource group' });
      new RoleAssignment(this, 'cloud-provider-network-reader', { scope: props.network.resourceGroup.id, roleDefinitionName: 'Reader', principalId: cloudIdentity.principalId, principalType: 'ServicePrincipal', description: 'CCM reads the VNet, subnet and NSG of the nodes' });
    }

    this.pki = new ClusterPki(this, 'pki', { clusterName });
    const token = new BootstrapToken(this, 'bootstrap-token', { rotation: c.bootstrapToken.rotation });
    const cp = { id: 'control-plane', principalId: controlPlaneIdentity.principalId };
    const wk = { id: 'worker', principalId: workerIdentity.principalId };
    const pem = 'application/x-pem-file';
    // Only the secret writes wait for the deployer's role to propagate (600 s on the first apply): the VMs,
    // identities and load balancers are created meanwhile and the nodes prepare; kv-secret on the node retries
    // until the secrets exist and its own role is effective (KV_WAIT_SECONDS).
    const writerRole = new RbacPropagationWait(this, 'secrets-officer-propagation', { roleAssignments: [{ id: props.keyVault.secretsOfficerAssignmentId }] });
    const secrets = new ClusterSecrets(this, 'secrets', {
      keyVaultId: props.keyVault.id,
      writeAfter: [writerRole.wait],
      tags,
      secrets: [
        { key: 'bootstrap-token', name: SECRET_NAMES.bootstrapToken, value: token.token, contentType: 'text/plain', readers: [cp, wk] },
        { key: 'ca-key', name: SECRET_NAMES.caKey, value: this.pki.clusterCa.key.privateKeyPem, contentType: pem, readers: [cp] },
        { key: 'front-proxy-ca-key', name: SECRET_NAMES.frontProxyCaKey, value: this.pki.frontProxyCa.key.privateKeyPem, contentType: pem, readers: [cp] },
        { key: 'etcd-ca-key', name: SECRET_NAMES.etcdCaKey, value: this.pki.etcdCa.key.privateKeyPem, contentType: pem, readers: [cp] },
        { key: 'sa-key', name: SECRET_NAMES.serviceAccountKey, value: this.pki.serviceAccountKey.privateKeyPem, contentType: pem, readers: [cp] },
      ],
    });

    this.dnsZoneName = c.dns.zoneName;
    const apiHost = `${c.apiServer.hostLabel}.${c.dns.zoneName}`;
    this.apiEndpoint = `https://${apiHost}:${API_PORT}`;
    this.hostNames = Object.fromEntries(Object.entries(c.ingress.hosts).map(([key, label]) => [key, `${label}.${c.dns.zoneName}`]));

    this.apiLoadBalancer = new InternalLoadBalancer(this, 'api-lb', {
      name: `lbi-${naming.base}-k8s-api`,
      resourceGroupName: rg,
      location: config.location,
      subnetId: subnet.id,
      privateIp: c.apiServer.privateIp,
      zones: c.controlPlane.zones,
      ports: [{ name: 'kube-apiserver', frontendPort: API_PORT, backendPort: API_PORT, probe: { protocol: 'Https', port: API_PORT, requestPath: '/readyz' } }],
      tags,
    });
    this.ingressLoadBalancer = new InternalLoadBalancer(this, 'ingress-lb', {
      name: `lbi-${naming.base}-k8s-ingress`,
      resourceGroupName: rg,
      location: config.location,
      subnetId: subnet.id,
      privateIp: c.ingress.privateIp,
      zones: c.workers.zones,
      ports: [
        { name: 'http', frontendPort: 80, backendPort: c.ingress.httpNodePort, probe: { protocol: 'Tcp', port: c.ingress.httpNodePort } },
        { name: 'https', frontendPort: 443, backendPort: c.ingress.httpsNodePort, probe: { protocol: 'Tcp', port: c.ingress.httpsNodePort } },
      ],
      tags,
    });

    this.dns = new ClusterDns(this, 'dns', {
      zoneName: c.dns.zoneName,
      resourceGroupName: rg,
      links: { hub: props.network.hub.vnet.id, [c.spoke]: spoke.vnet.id },
      records: { [c.apiServer.hostLabel]: c.apiServer.privateIp, ...Object.fromEntries(Object.values(c.ingress.hosts).map((label) => [label, c.ingress.privateIp])) },
      tags,
    });

    const settings: KubeadmClusterSettings = {
      clusterName,
      kubernetesVersion: c.kubernetesVersion,
      apiHost,
      apiPort: API_PORT,
      apiLoadBalancerIp: c.apiServer.privateIp,
      podCidr: c.podCidr,
      serviceCidr: c.serviceCidr,
      dnsDomain: c.dnsDomain,
      bootstrapTokenTtlHours: c.bootstrapToken.ttlHours,
      externalCloudProvider,
    };
    const pki = {
      caCertPem: this.pki.clusterCa.cert.certPem,
      frontProxyCaCertPem: this.pki.frontProxyCa.cert.certPem,
      etcdCaCertPem: this.pki.etcdCa.cert.certPem,
      serviceAccountPublicKeyPem: this.pki.serviceAccountKey.publicKeyPem,
    };
    // A cross-stack reference inside a function call is not turned into remote state by cdktf: go through a local.
    const keyVaultUri = new TerraformLocal(this, 'key_vault_uri', props.keyVault.vaultUri).asString;
    const clientConfig = new DataAzurermClientConfig(this, 'client-config', {});
    const workerCredentialProvider = this.imageCredentialProvider(workerIdentity.clientId, clientConfig.tenantId);
    const customData = (nodeName: string, role: NodeRole, identityClientId: string, joinAfter?: string): string => {
      const doc = renderCloudInit(
        {
          cluster: settings, node: { role, nodeName }, keyVaultUri, identityClientId, secretNames: SECRET_NAMES, pki, bootstrapTokenRotation: c.bootstrapToken.rotation, etcdDiskLun: ETCD_DISK_LUN, apiWaitMinutes: c.readinessTimeoutMinutes, ...(joinAfter ? { joinAfter } : {}),
          ...(role === 'worker' && workerCredentialProvider ? { imageCredentialProvider: workerCredentialProvider } : {}),
        },
        terraformBase64,
      );
      assertTerraformSafe(doc, `cloud-init of ${nodeName}`);
      return Fn.base64encode(doc);
    };
    const zoneOf = (zones: ReadonlyArray<string>, i: number) => (zones.length > 0 ? zones[i % zones.length] : undefined);
    const common = {
      resourceGroupName: rg,
      location: config.location,
      subnetId: subnet.id,
      adminUsername: c.adminUsername,
      sshPublicKey: c.sshPublicKey,
      image: c.image,
      readinessTimeoutMinutes: c.readinessTimeoutMinutes,
      bootstrapTokenRotation: c.bootstrapToken.rotation,
      tags,
    };
    const cloud = cloudIdentity ? [cloudIdentity.id] : [];

    const cpNames = Array.from({ length: c.controlPlane.count }, (_, i) => `vm-${naming.base}-cp-${i}`);
    this.controlPlanes = new ClusterNodePool(this, 'control-plane', {
      ...common,
      role: 'control-plane',
      nodes: cpNames.map((name, i) => ({
        name,
        zone: zoneOf(c.controlPlane.zones, i),
        customData: customData(name, i === 0 ? 'init' : 'control-plane', controlPlaneIdentity.clientId, i === 0 ? undefined : cpNames[i - 1]),
        ensureToken: i === 0,
        onNodeActivity: i === 0 ? 'kubeadm-init' : 'kubeadm-join-control-plane',
      })),
      size: c.controlPlane.size,
      osDiskSizeGb: c.controlPlane.osDiskSizeGb,
      encryptionAtHost: c.controlPlane.encryptionAtHost,
      etcdDiskSizeGb: c.controlPlane.etcdDiskSizeGb,
      identityIds: [controlPlaneIdentity.id, ...cloud],
      backendPoolId: this.apiLoadBalancer.backendPool.id,
      // Every VM is created at once and prepares in parallel; the joins are ordered on the nodes: control plane i joins
      // once control plane i-1 is a healthy etcd member (etcd adds one member at a time). The first one initialises.
      serial: true,
      // The gates (not the VMs) wait for the secrets' reader roles: a gate's timeout then starts once Terraform has
      // created everything the node reads, and the VMs boot during the writer role's wait.
      gateDependsOn: [secrets.secrets['bootstrap-token'], ...secrets.roleAssignments],
      dependsOn: Object.values(this.dns.records),
    });
    const wkNames = Array.from({ length: c.workers.count }, (_, i) => `vm-${naming.base}-wk-${i}`);
    this.workers = new ClusterNodePool(this, 'workers', {
      ...common,
      role: 'worker',
      nodes: wkNames.map((name, i) => ({ name, zone: zoneOf(c.workers.zones, i), customData: customData(name, 'worker', workerIdentity.clientId), onNodeActivity: 'kubeadm-join-worker' })),
      size: c.workers.size,
      osDiskSizeGb: c.workers.osDiskSizeGb,
      encryptionAtHost: c.workers.encryptionAtHost,
      identityIds: [workerIdentity.id, ...cloud],
      backendPoolId: this.ingressLoadBalancer.backendPool.id,
      // Workers boot with the control planes and prepare in parallel; on the node they join once the API server
      // answers and accepts their bootstrap token (k8s-bootstrap.sh wait_for_api), not after a Terraform dependency.
      waitsOnNodeFor: [this.controlPlanes.gates[0]],
      gateDependsOn: secrets.roleAssignments,
      dependsOn: Object.values(this.dns.records),
    });

    this.platformInputs = {
      connection: {
        endpoint: this.apiEndpoint,
        caCertificate: this.pki.clusterCa.cert.certPem,
        clientCertificate: this.pki.adminCert.certPem,
        clientKey: this.pki.adminKey.privateKeyPem,
      },
      // Calico (VXLAN, MTU 1350) is the platform stack's first release; see docs/cluster.md.
      cniInstalledByCluster: false,
      // The platform grants it AcrPull on the environment's registry (workload pods run on workers); the workers'
      // kubelets use it through acr-credential-provider (imageCredentialProvider below).
      kubeletIdentity: { principalId: workerIdentity.principalId, clientId: workerIdentity.clientId },
      ...(cloudIdentity
        ? {
            azureCloud: {
              tenantId: clientConfig.tenantId,
              subscriptionId: clientConfig.subscriptionId,
              resourceGroup: naming.resourceGroup('cluster'),
              location: config.location,
              vnetName: naming.vnet(c.spoke),
              vnetResourceGroup: naming.resourceGroup('network'),
              subnetName: naming.subnet(c.subnet),
              securityGroupName: naming.nsg(c.spoke, c.subnet),
              userAssignedIdentityClientId: cloudIdentity.clientId,
              clusterName,
            },
          }
        : {}),
    };

    const gates = [...this.controlPlanes.gates, ...this.workers.gates].map((g) => g.extension.id);
    new TerraformOutput(this, 'api_endpoint', { value: this.apiEndpoint, description: 'Kubernetes API through the internal load balancer (private DNS name).' });
    new TerraformOutput(this, 'api_server_ip', { value: c.apiServer.privateIp });
    new TerraformOutput(this, 'ingress_ip', { value: c.ingress.privateIp });
    new TerraformOutput(this, 'dns_zone_name', { value: c.dns.zoneName, description: 'Private zone of the API and application names; on-premises DNS forwards it to the resolver inbound endpoint.' });
    new TerraformOutput(this, 'host_names', { value: this.hostNames });
    new TerraformOutput(this, 'ca_cert_pem', { value: this.pki.clusterCa.cert.certPem });
    new TerraformOutput(this, 'admin_client_cert_pem', { value: this.pki.adminCert.certPem });
    new TerraformOutput(this, 'admin_client_key_pem', { value: this.pki.adminKey.privateKeyPem, sensitive: true });
    new TerraformOutput(this, 'control_plane_node_names', { value: this.controlPlanes.nodeNames });
    new TerraformOutput(this, 'worker_node_names', { value: this.workers.nodeNames });
    new TerraformOutput(this, 'node_names', { value: [...this.controlPlanes.nodeNames, ...this.workers.nodeNames] });
    new TerraformOutput(this, 'pod_cidr', { value: c.podCidr });
    new TerraformOutput(this, 'service_cidr', { value: c.serviceCidr });
    new TerraformOutput(this, 'readiness_gates', { value: gates, description: 'Extension ids: known only once every node has bootstrapped.' });
  }

  /**
   * The workers' kubelet image credential provider for the environment's registry (`services.registry`): workload pods
   * run on workers, whose identity gets AcrPull in `<env>-platform`. Control planes get none: only tolerating
   * platform pods run there, from public registries, and their identity (which reads the CA keys) gets no registry
   * role. The binary's SHA-256 has no default (none is published upstream): without it the nodes are rendered without
   * the provider and this precondition fails every plan of the stack, with what to set.
   */
  private imageCredentialProvider(workerClientId: string, tenantId: string): ImageCredentialProviderSettings | undefined {
    const { config } = this;
    if (!config.services.registry) return undefined;
    const { version, sha256 } = config.cluster.imageCredentialProvider;
    const pinned = new TerraformLocal(this, 'acr_credential_provider_sha256', sha256 ?? '');
    new DataResource(this, 'acr-credential-provider-pin', {
      input: { version, sha256: pinned.asString },
      lifecycle: { precondition: [{ condition: Fn.can(Fn.regex('^[0-9a-f]{64}$', pinned.asString)), errorMessage: MISSING_SHA256_MESSAGE(version).replace('<env>', config.name) }] },
    });
    return sha256 ? { version, sha256, tenantId, identityClientId: workerClientId } : undefined;
  }
}
