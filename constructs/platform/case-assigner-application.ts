import type { KubernetesObject } from './manifests-release';

export interface CaseAssignerApplicationProps {
  readonly repoURL: string;
  readonly targetRevision: string;
  readonly chartPath: string;
  /** Values files inside the chart (the environment's settings), applied before `values`. */
  readonly valueFiles: ReadonlyArray<string>;
  readonly namespace: string;
  readonly automated: boolean;
  /** Terraform created the namespace (with its Pod Security labels); Argo CD then leaves its metadata alone. */
  readonly namespaceManagedByTerraform?: boolean;
  /** Values for the chart computed from the platform (ingress host, storage class, environment). */
  readonly values: Record<string, unknown>;
}

/** Argo CD project the tool's Application belongs to. */
export const CASE_ASSIGNER_PROJECT = 'case-assigner';

/**
 * The AppProject that fences the tool in: only this repository as a source, only its namespace as a destination,
 * and no cluster-scoped object except the Namespace Argo CD creates for it. A compromised or mistaken chart change
 * cannot touch the platform's namespaces or cluster RBAC through Argo CD.
 */
export function caseAssignerProject(props: Pick<CaseAssignerApplicationProps, 'repoURL' | 'namespace'>): KubernetesObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: CASE_ASSIGNER_PROJECT, namespace: 'argocd', labels: { 'app.kubernetes.io/part-of': 'platform', 'app.kubernetes.io/component': 'workload' } },
    spec: {
      description: 'The case-assignment tool (charts/case-assigner)',
      sourceRepos: [props.repoURL],
      destinations: [{ server: 'https://kubernetes.default.svc', namespace: props.namespace }],
      clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
    },
  };
}

/**
 * The Argo CD Application that deploys the case-assignment tool from its chart in this repository. Terraform only
 * bootstraps this one object; from then on Argo CD owns the workload (GitOps). The finalizer is the background one,
 * so deleting the Application never blocks a `terraform destroy` on a namespace stuck in Terminating.
 */
export function caseAssignerApplication(props: CaseAssignerApplicationProps): KubernetesObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: 'case-assigner',
      namespace: 'argocd',
      labels: { 'app.kubernetes.io/part-of': 'platform', 'app.kubernetes.io/component': 'workload' },
      finalizers: ['resources-finalizer.argocd.argoproj.io/background'],
    },
    spec: {
      project: CASE_ASSIGNER_PROJECT,
      source: {
        repoURL: props.repoURL,
        targetRevision: props.targetRevision,
        path: props.chartPath,
        helm: { releaseName: 'case-assigner', valueFiles: [...props.valueFiles], valuesObject: props.values },
      },
      destination: { server: 'https://kubernetes.default.svc', namespace: props.namespace },
      syncPolicy: {
        ...(props.automated ? { automated: { prune: true, selfHeal: true } } : {}),
        // ServerSideApply: the chart's ServiceMonitor/HPA apply cleanly next to other managers (kubectl, HPA controller).
        syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'],
        // The chart's pods meet Pod Security "restricted" (docs/chart.md): enforce it on the namespace Argo CD creates
        // (unless Terraform created it, with the same labels, to put the database Secret there first).
        ...(props.namespaceManagedByTerraform
          ? {}
          : { managedNamespaceMetadata: { labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' } } }),
        retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
      },
    },
  };
}
