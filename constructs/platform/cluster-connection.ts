/**
 * What the platform needs from the cluster, as the cluster stack exposes it. Every string may be a token that
 * refers to another stack (cdktf turns it into a remote-state lookup), so the platform stack never holds a
 * credential of its own and never reads a kubeconfig from disk.
 */
export interface ClusterConnection {
  /** API server URL, e.g. `https://10.20.0.4:6443` (private: reached from the VNet or over the VPN). */
  readonly endpoint: string;
  /** PEM of the cluster CA that signed the API server certificate. */
  readonly caCertificate: string;
  /** PEM of a client certificate in `kubeadm:cluster-admins` (or `system:masters`). */
  readonly clientCertificate: string;
  /** PEM private key of that client certificate (sensitive). */
  readonly clientKey: string;
}

/**
 * Azure cloud provider configuration (azure.json) for the cloud controller manager and the Azure Disk CSI driver.
 * It must match what the nodes were built with: kubelet `--cloud-provider=external`, node names equal to VM names,
 * and the user-assigned identity attached to every VM. No secret inside: the identity authenticates through IMDS.
 */
export interface AzureCloudConfig {
  readonly tenantId: string;
  readonly subscriptionId: string;
  /** Resource group of the VMs, NICs and disks. */
  readonly resourceGroup: string;
  readonly location: string;
  readonly vnetName: string;
  readonly vnetResourceGroup: string;
  readonly subnetName: string;
  readonly securityGroupName: string;
  /** Client id of the user-assigned managed identity attached to the nodes. */
  readonly userAssignedIdentityClientId: string;
  /** Kubernetes cluster name the CCM tags Azure resources with. */
  readonly clusterName: string;
}

/**
 * Everything the platform stack takes from the cluster stack. The cluster's shape (workers, pod CIDR, ingress
 * NodePorts, host names) is read from the same environment file the cluster stack was built from.
 */
export interface PlatformClusterInputs {
  readonly connection: ClusterConnection;
  /** Required when `platform.storage.provider` is `azure-disk`. */
  readonly azureCloud?: AzureCloudConfig;
  /** True when the cluster stack installs the CNI itself; the platform then skips Calico. @default false */
  readonly cniInstalledByCluster?: boolean;
  /**
   * The managed identity the workers' kubelets pull images with: the platform grants it AcrPull on the
   * environment's registry. @default no registry access is granted
   */
  readonly kubeletIdentity?: { readonly principalId: string; readonly clientId: string };
}
