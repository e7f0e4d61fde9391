import type { KubernetesObject } from './manifests-release';

export interface CaseAssignerApplicationProps {
  readonly repoURL: string;
  readonly targetRevision: string;
  readonly chartPath: string;
  /** Values files inside the chart (the environment's settings), applied before `values`. */
  readonly valueFiles: ReadonlyArray<string>;
  readonly namespace: string;
  readonly automated: boolean;
  /** Values for the chart computed from the platform (ingress host, storage class, environment). */
  readonly values: Record<string, unknown>;
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
      project: 'default',
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
        // The chart's pods meet Pod Security "restricted" (docs/chart.md): enforce it on the namespace Argo CD creates.
        managedNamespaceMetadata: { labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' } },
        retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
      },
    },
  };
}
