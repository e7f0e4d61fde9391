import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { LinuxVirtualMachine } from '@cdktf/provider-azurerm/lib/linux-virtual-machine';
import { ManagedDisk } from '@cdktf/provider-azurerm/lib/managed-disk';
import { NetworkInterface } from '@cdktf/provider-azurerm/lib/network-interface';
import { NetworkInterfaceBackendAddressPoolAssociation } from '@cdktf/provider-azurerm/lib/network-interface-backend-address-pool-association';
import { VirtualMachineDataDiskAttachment } from '@cdktf/provider-azurerm/lib/virtual-machine-data-disk-attachment';
import { suppress } from '../../policy/suppress';
import { ReadinessGate } from './readiness-gate';

export interface MarketplaceImage {
  readonly publisher: string;
  readonly offer: string;
  readonly sku: string;
  readonly version: string;
}

export interface NodeSpec {
  /** VM name = computer name = Kubernetes node name (the cloud controller manager relies on the equality). */
  readonly name: string;
  /** Availability zone, or undefined for regional placement. */
  readonly zone?: string;
  /** Base64 cloud-init document. */
  readonly customData: string;
  /** Control plane 0's gate also registers the current bootstrap token. */
  readonly ensureToken?: boolean;
  /** What the node's bootstrap does (`kubeadm-init`, `kubeadm-join-control-plane`, `kubeadm-join-worker`), for the time estimate. @default none */
  readonly onNodeActivity?: string;
}

export interface ClusterNodePoolProps {
  /** `control-plane` or `worker` (resource names and NIC names derive from it). */
  readonly role: 'control-plane' | 'worker';
  readonly nodes: ReadonlyArray<NodeSpec>;
  readonly size: string;
  readonly osDiskSizeGb: number;
  /** @default true */
  readonly encryptionAtHost?: boolean;
  /** A separate Premium SSD at LUN 0 for etcd (control planes). @default none */
  readonly etcdDiskSizeGb?: number;
  readonly resourceGroupName: string;
  readonly location: string;
  readonly subnetId: string;
  readonly adminUsername: string;
  /** OpenSSH public key: the only way in (password authentication is disabled). */
  readonly sshPublicKey: string;
  readonly image: MarketplaceImage;
  /** User-assigned identities attached to every node of the pool. */
  readonly identityIds: ReadonlyArray<string>;
  /** Load balancer backend pool every node's NIC joins. */
  readonly backendPoolId: string;
  readonly readinessTimeoutMinutes: number;
  readonly bootstrapTokenRotation: number;
  /**
   * Nodes join one after another (control planes: etcd adds one member at a time). The order is kept on the nodes
   * (each bootstrap waits until the previous node is healthy, see k8s-bootstrap.sh and NodeCloudInitProps.joinAfter),
   * not in Terraform: every VM is created at once and prepares in parallel. Here it only records the order for the
   * time estimate. @default false
   */
  readonly serial?: boolean;
  /** Gates of other nodes every node of this pool waits for on the node (workers: control plane 0's API server), for the time estimate. @default [] */
  readonly waitsOnNodeFor?: ReadonlyArray<ReadinessGate>;
  /**
   * Resources every readiness gate waits for: the role assignments on the secrets the node reads (so the gate's
   * timeout starts once they exist, while the VM boots and prepares before), and for control plane 0 the bootstrap
   * token secret: after a rotation its gate must read the new token from Key Vault, not the previous version. @default []
   */
  readonly gateDependsOn?: ReadonlyArray<ITerraformDependable>;
  /** Resources every VM waits for (e.g. the API server's DNS record). Not the secrets or their roles: the node retries for them. */
  readonly dependsOn?: ReadonlyArray<ITerraformDependable>;
  readonly tags?: Record<string, string>;
}

export const ETCD_DISK_LUN = 0;

/**
 * VMs of one role: NIC (private IP only, no public IP, accelerated networking), Ubuntu VM with SSH key only,
 * the role's user-assigned identities, encryption at host, Trusted Launch, boot diagnostics, and for control
 * planes an etcd data disk. Each node gets a readiness gate. custom_data is ignored after creation: nodes are
 * replaced deliberately (`terraform apply -replace`, one at a time), never all at once because a template changed.
 */
export class ClusterNodePool extends Construct {
  readonly vms: LinuxVirtualMachine[] = [];
  readonly nics: NetworkInterface[] = [];
  readonly gates: ReadinessGate[] = [];

  constructor(scope: Construct, id: string, props: ClusterNodePoolProps) {
    super(scope, id);
    this.names = props.nodes.map((n) => n.name);
    if (props.nodes.length === 0) throw new Error(`${this.node.path}: no nodes; allowed: one or more`);
    if (props.identityIds.length === 0) throw new Error(`${this.node.path}: no identities; allowed: the role's user-assigned identity`);
    if (!/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+) /.test(props.sshPublicKey)) {
      throw new Error(`${this.node.path}: sshPublicKey is not an OpenSSH public key; allowed: "ssh-ed25519 AAAA..." or RSA/ECDSA`);
    }
    let previousGate: ReadinessGate | undefined;
    props.nodes.forEach((spec, i) => {
      const nic = new NetworkInterface(this, `nic-${i}`, {
        name: `nic-${spec.name}`,
        resourceGroupName: props.resourceGroupName,
        location: props.location,
        acceleratedNetworkingEnabled: true,
        ipConfiguration: [{ name: 'ipconfig', primary: true, subnetId: props.subnetId, privateIpAddressAllocation: 'Dynamic', privateIpAddressVersion: 'IPv4' }],
        tags: props.tags,
      });
      new NetworkInterfaceBackendAddressPoolAssociation(this, `lb-${i}`, {
        networkInterfaceId: nic.id,
        ipConfigurationName: 'ipconfig',
        backendAddressPoolId: props.backendPoolId,
      });
      const dependsOn = [...(props.dependsOn ?? [])];
      const vm = new LinuxVirtualMachine(this, `vm-${i}`, {
        name: spec.name,
        computerName: spec.name,
        resourceGroupName: props.resourceGroupName,
        location: props.location,
        size: props.size,
        zone: spec.zone,
        networkInterfaceIds: [nic.id],
        adminUsername: props.adminUsername,
        disablePasswordAuthentication: true,
        adminSshKey: [{ username: props.adminUsername, publicKey: props.sshPublicKey }],
        identity: { type: 'UserAssigned', identityIds: [...props.identityIds] },
        encryptionAtHostEnabled: props.encryptionAtHost ?? true,
        secureBootEnabled: true,
        vtpmEnabled: true,
        osDisk: { name: `osdisk-${spec.name}`, caching: 'ReadWrite', storageAccountType: 'Premium_LRS', diskSizeGb: props.osDiskSizeGb },
        sourceImageReference: { ...props.image },
        customData: spec.customData,
        bootDiagnostics: {},
        provisionVmAgent: true,
        lifecycle: { ignoreChanges: ['custom_data', 'source_image_reference'] },
        dependsOn: dependsOn.length > 0 ? dependsOn : undefined,
        tags: { ...props.tags, 'k8s-role': props.role },
      });
      this.nics.push(nic);
      this.vms.push(vm);

      const gateDependsOn: ITerraformDependable[] = [...(props.gateDependsOn ?? [])];
      if (props.etcdDiskSizeGb !== undefined) {
        const disk = new ManagedDisk(this, `etcd-disk-${i}`, {
          name: `disk-${spec.name}-etcd`,
          resourceGroupName: props.resourceGroupName,
          location: props.location,
          zone: spec.zone,
          storageAccountType: 'Premium_LRS',
          createOption: 'Empty',
          diskSizeGb: props.etcdDiskSizeGb,
          publicNetworkAccessEnabled: false,
          networkAccessPolicy: 'DenyAll',
          tags: props.tags,
        });
        suppress(disk, 'AZ-DSK-001', 'Encryption at host on the VM plus the platform key; a disk encryption set is an opt-in not needed for etcd here.');
        gateDependsOn.push(
          new VirtualMachineDataDiskAttachment(this, `etcd-disk-${i}-attachment`, {
            managedDiskId: disk.id,
            virtualMachineId: vm.id,
            lun: ETCD_DISK_LUN,
            // etcd fsyncs every write: host caching would only add latency.
            caching: 'None',
          }),
        );
      }

      const gate = new ReadinessGate(this, `ready-${i}`, {
        nodeName: spec.name,
        virtualMachineId: vm.id,
        timeoutMinutes: props.readinessTimeoutMinutes,
        ensureToken: spec.ensureToken ?? false,
        rotation: props.bootstrapTokenRotation,
        dependsOn: gateDependsOn,
        ...(spec.onNodeActivity
          ? { onNode: { activity: spec.onNodeActivity, waitsFor: [...(props.waitsOnNodeFor ?? []), ...(props.serial && previousGate ? [previousGate] : [])] } }
          : {}),
        tags: props.tags,
      });
      this.gates.push(gate);
      previousGate = gate;
    });
  }

  /** Node names (= VM names) in index order, as plain strings. */
  get nodeNames(): string[] {
    return this.names.slice();
  }

  private readonly names: string[];
}
