import { Fn, ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import { StorageClassV1 } from '@cdktf/provider-kubernetes/lib/storage-class-v1';
import type { PlatformStorageConfig } from '../../config/schema/platform';
import type { AzureCloudConfig } from './cluster-connection';
import { ManifestsRelease } from './manifests-release';
import { PlatformRelease } from './platform-release';

/** The VolumeSnapshotClass of the Azure Disk CSI driver (incremental snapshots in the disk's resource group). */
export const VOLUME_SNAPSHOT_CLASS = 'csi-azuredisk-vsc';

/** Secret the cloud controller manager and the Azure Disk CSI driver both read their cloud config from. */
export const AZURE_CLOUD_CONFIG_SECRET = 'azure-cloud-provider';

export interface PlatformStorageProps {
  readonly storage: PlatformStorageConfig;
  /** Required for `azure-disk`: the cloud config matching the nodes (identity, VNet, resource group). */
  readonly azureCloud?: AzureCloudConfig;
  /** Pod CIDR (the CCM is told not to allocate node CIDRs or program routes: Calico does both). */
  // The CCM and cloud-node-manager tolerate the uninitialized taint and run host-networked; `dependsOn` is the CNI only.
  readonly podCidr: string;
  /** Namespace of local-path-provisioner (created by the stack). */
  readonly localPathNamespace: string;
  readonly dependsOn?: ITerraformDependable[];
  readonly helm: HelmProvider;
  readonly kubernetes: KubernetesProvider;
}

/**
 * The default StorageClass for the platform's volumes.
 * - `local-path`: rancher local-path-provisioner, class `local-path`. Volumes are directories on one node: the data
 *   is lost with the node and the pod is pinned to it. Honest for dev, wrong for anything that must survive.
 * - `azure-disk`: the Azure cloud controller manager (node lifecycle, provider IDs, and the
 *   `node.cloudprovider.kubernetes.io/uninitialized` taint that kubelet's `--cloud-provider=external` sets) plus the
 *   Azure Disk CSI driver, both on the nodes' user-assigned managed identity; class `managed-csi`, volumes are
 *   managed disks that reattach to another node in the zone (ZRS SKUs: any zone). Volume snapshots: the CSI chart
 *   installs the snapshot.storage.k8s.io CRDs and the snapshot controller; the VolumeSnapshotClass is a release of
 *   its own after it (the chart's own hook template fails `helm lint`, which plan runs).
 */
export class PlatformStorage extends Construct {
  readonly storageClassName: string;
  /** Everything that must be ready before a PVC can bind. */
  readonly ready: ITerraformDependable[] = [];
  /**
   * What must run before ordinary pods can schedule at all: with `--cloud-provider=external` every node carries the
   * `node.cloudprovider.kubernetes.io/uninitialized` taint until the cloud controller manager has initialised it.
   * Empty without a CCM.
   */
  readonly nodesInitialized: ITerraformDependable[] = [];
  readonly releases: PlatformRelease[] = [];
  /** azure-disk only: the VolumeSnapshotClass, after the CSI driver has installed the snapshot CRDs. */
  readonly snapshotClass?: ManifestsRelease;

  constructor(scope: Construct, id: string, props: PlatformStorageProps) {
    super(scope, id);
    const { storage } = props;

    if (storage.provider === 'local-path') {
      this.storageClassName = 'local-path';
      const release = new PlatformRelease(this, 'local-path-provisioner', {
        chart: 'localPathProvisioner',
        namespace: props.localPathNamespace,
        computedValues: { storageClass: { name: this.storageClassName, defaultClass: true, reclaimPolicy: storage.reclaimPolicy } },
        dependsOn: props.dependsOn,
        provider: props.helm,
      });
      this.releases.push(release);
      this.ready.push(release.release);
      return;
    }

    const cloud = props.azureCloud;
    if (!cloud) {
      throw new Error('platform.storage.provider is "azure-disk" but the cluster stack provides no Azure cloud config (azureCloud); allowed: provide it, or use "local-path"');
    }
    this.storageClassName = 'managed-csi';
    // No client secret: useManagedIdentityExtension makes both components fetch tokens for the nodes' identity from IMDS.
    const cloudConfig = new SecretV1(this, 'cloud-config', {
      provider: props.kubernetes,
      metadata: { name: AZURE_CLOUD_CONFIG_SECRET, namespace: 'kube-system', labels: { 'app.kubernetes.io/part-of': 'platform' } },
      data: {
        'cloud-config': Fn.jsonencode({
          cloud: 'AzurePublicCloud',
          tenantId: cloud.tenantId,
          subscriptionId: cloud.subscriptionId,
          resourceGroup: cloud.resourceGroup,
          location: cloud.location,
          vnetName: cloud.vnetName,
          vnetResourceGroup: cloud.vnetResourceGroup,
          subnetName: cloud.subnetName,
          securityGroupName: cloud.securityGroupName,
          vmType: 'standard',
          loadBalancerSku: 'standard',
          useManagedIdentityExtension: true,
          userAssignedIdentityID: cloud.userAssignedIdentityClientId,
          useInstanceMetadata: true,
        }),
      },
    });
    const dependsOn = [...(props.dependsOn ?? []), cloudConfig];
    const ccm = new PlatformRelease(this, 'cloud-provider-azure', {
      chart: 'cloudProviderAzure',
      namespace: 'kube-system',
      computedValues: {
        infra: { clusterName: cloud.clusterName },
        cloudControllerManager: { cloudConfigSecretName: AZURE_CLOUD_CONFIG_SECRET, clusterCIDR: props.podCidr },
      },
      dependsOn,
      provider: props.helm,
    });
    const csi = new PlatformRelease(this, 'azuredisk-csi-driver', {
      chart: 'azureDiskCsi',
      namespace: 'kube-system',
      computedValues: {
        controller: { cloudConfigSecretName: AZURE_CLOUD_CONFIG_SECRET, cloudConfigSecretNamespace: 'kube-system' },
        node: { cloudConfigSecretName: AZURE_CLOUD_CONFIG_SECRET, cloudConfigSecretNamespace: 'kube-system' },
      },
      // The CSI controller only schedules once the CCM has removed the uninitialized taint from the nodes.
      dependsOn: [...dependsOn, ccm.release],
      provider: props.helm,
    });
    const storageClass = new StorageClassV1(this, 'default-class', {
      provider: props.kubernetes,
      metadata: {
        name: this.storageClassName,
        annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
        labels: { 'app.kubernetes.io/part-of': 'platform' },
      },
      storageProvisioner: 'disk.csi.azure.com',
      parameters: { skuName: storage.azureDiskSku, cachingMode: 'ReadOnly' },
      reclaimPolicy: storage.reclaimPolicy,
      // Bind where the pod lands, so zonal disks are created in the pod's zone.
      volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: true,
      dependsOn: [csi.release],
    });
    this.snapshotClass = new ManifestsRelease(this, 'volume-snapshot-class', {
      releaseName: 'volume-snapshot-class',
      namespace: 'kube-system',
      manifests: [{
        apiVersion: 'snapshot.storage.k8s.io/v1',
        kind: 'VolumeSnapshotClass',
        metadata: { name: VOLUME_SNAPSHOT_CLASS, labels: { 'app.kubernetes.io/part-of': 'platform' } },
        driver: 'disk.csi.azure.com',
        deletionPolicy: 'Delete',
        parameters: { incremental: 'true' },
      }],
      dependsOn: [csi.release],
      provider: props.helm,
    });
    this.releases.push(ccm, csi);
    this.nodesInitialized.push(ccm.release);
    this.ready.push(csi.release, storageClass);
  }
}
