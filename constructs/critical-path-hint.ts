import { TerraformResource } from 'cdktf';

/**
 * Key under a resource's `"//"` comment that tells `npm run plan:critical-path` (critical-path/graph.ts)
 * about time the Terraform graph cannot show. Terraform ignores it: HCL's JSON syntax reserves `//` for comments,
 * and cdktf already keeps its own metadata there.
 */
export const CRITICAL_PATH_HINT_KEY = 'criticalPath';

export interface CriticalPathHint {
  /**
   * An entry of `activities` in critical-path/times.json used instead of the resource type's time, for a
   * resource whose type says little about its duration (e.g. `helm-manifests`: a release without pods).
   */
  readonly activity?: string;
  /** An entry of `onNode`: the kubeadm work a readiness gate waits for on its node. */
  readonly onNode?: string;
  /** Terraform addresses of the gates whose nodes must be healthy before this node joins (ordered on the nodes). */
  readonly waitsOnNodeFor?: ReadonlyArray<string>;
}

/** Records `hint` on `resource` (a comment in the synthesized JSON; no effect on plan or apply). */
export function markCriticalPath(resource: TerraformResource, hint: CriticalPathHint): void {
  resource.addOverride(`//.${CRITICAL_PATH_HINT_KEY}`, hint);
}

/** `type.name` address of a resource in its stack. */
export function terraformAddress(resource: TerraformResource): string {
  return `${resource.terraformResourceType}.${resource.friendlyUniqueId}`;
}
