import type { KubernetesObject } from './manifests-release';

/** Azure Instance Metadata Service: hands out managed-identity tokens to anything that can reach it. */
export const IMDS_CIDR = '169.254.169.254/32';
/** Calico tier evaluated before the default tier (where Kubernetes NetworkPolicies live). */
export const SECURITY_TIER = 'platform-security';

/** Pods allowed to reach IMDS, as Calico selectors within a namespace. */
export interface MetadataAccessExemption {
  readonly namespace: string;
  /** Calico selector over the pod's labels, e.g. `component == 'cloud-controller-manager'`. */
  readonly selector: string;
  /** Who this is and why it needs IMDS (reviewed with the policy). */
  readonly reason: string;
}

/**
 * The components that authenticate to Azure with the node's managed identity through IMDS. The charts run them
 * with hostNetwork (Calico workload policy does not apply to host-networked pods), so these exemptions matter only if
 * that changes; they are listed so the policy says explicitly who may reach IMDS.
 */
export const AZURE_IMDS_EXEMPTIONS: ReadonlyArray<MetadataAccessExemption> = [
  { namespace: 'kube-system', selector: "component == 'cloud-controller-manager'", reason: 'Azure cloud controller manager: load balancers, routes and node addresses through the managed identity' },
  { namespace: 'kube-system', selector: "k8s-app == 'cloud-node-manager'", reason: 'Azure cloud node manager: reads the node\'s instance metadata' },
  { namespace: 'kube-system', selector: "app in {'csi-azuredisk-controller', 'csi-azuredisk-node'}", reason: 'Azure Disk CSI driver: attaches and detaches managed disks through the managed identity' },
];

const QUOTED_NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The Calico selector of every pod the block applies to: all of them except the exemptions. */
export function blockedPodsSelector(exemptions: ReadonlyArray<MetadataAccessExemption>): string {
  for (const e of exemptions) {
    if (!QUOTED_NAMESPACE.test(e.namespace)) throw new Error(`exemption namespace "${e.namespace}" is not a Kubernetes namespace name`);
    if (!e.selector.trim() || /[;\n]/.test(e.selector)) throw new Error(`exemption selector "${e.selector}" for ${e.namespace} is not a single Calico selector expression`);
  }
  if (exemptions.length === 0) return 'all()';
  const exempt = exemptions.map((e) => `(projectcalico.org/namespace == '${e.namespace}' && ${e.selector})`).join(' || ');
  return `!(${exempt})`;
}

/**
 * A cluster-wide block of pod egress to IMDS (169.254.169.254), as a Calico GlobalNetworkPolicy in its own tier
 * ahead of the default tier. Why Calico and not per-namespace NetworkPolicies: a NetworkPolicy only exists in the
 * namespaces someone remembered (a namespace Argo CD creates tomorrow is unprotected), and NetworkPolicies are
 * allow-lists that union, so any other policy allowing egress to 0.0.0.0/0 would re-open IMDS. A Deny rule in an
 * earlier tier is final; everything else is passed on (`Pass`) to the default tier, so the namespaces' own
 * NetworkPolicies keep working unchanged. Azure's wireserver (168.63.129.16, DNS) is deliberately not blocked.
 * The tier must exist before a policy names it, and Helm orders unknown kinds alphabetically (GlobalNetworkPolicy
 * before Tier), so the two go into separate releases, the policy's depending on the tier's.
 */
export function metadataEgressPolicy(exemptions: ReadonlyArray<MetadataAccessExemption> = []): { tier: KubernetesObject; policy: KubernetesObject } {
  const labels = { 'app.kubernetes.io/part-of': 'platform', 'app.kubernetes.io/component': 'network-policy' };
  return {
    tier: {
      apiVersion: 'projectcalico.org/v3',
      kind: 'Tier',
      metadata: { name: SECURITY_TIER, labels },
      // Lower order = evaluated first; the default tier comes last. Pass is the tier's fall-through (Calico >= 3.30).
      spec: { order: 100, defaultAction: 'Pass' },
    },
    policy: {
      apiVersion: 'projectcalico.org/v3',
      kind: 'GlobalNetworkPolicy',
      metadata: {
        name: `${SECURITY_TIER}.deny-instance-metadata`,
        labels,
        annotations: { 'platform.example/exempt': exemptions.map((e) => `${e.namespace}: ${e.reason}`).join('; ') || 'none' },
      },
      spec: {
        tier: SECURITY_TIER,
        order: 10,
        selector: blockedPodsSelector(exemptions),
        types: ['Egress'],
        egress: [
          { action: 'Deny', destination: { nets: [IMDS_CIDR] } },
          { action: 'Pass' },
        ],
      },
    },
  };
}
