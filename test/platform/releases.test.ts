import { CHART_VERSIONS, ChartName, chartArchiveName } from '../../constructs/platform/chart-versions';
import { build, built, Json, releases } from './fixtures';

/** release name -> [chart key (undefined: the local manifests chart), namespace] */
const COMMON: Record<string, [ChartName | undefined, string]> = {
  calico: ['calico', 'tigera-operator'],
  'kubelet-csr-approver': ['kubeletCsrApprover', 'kube-system'],
  'cluster-policy-tier': [undefined, 'kube-system'],
  'cluster-policies': [undefined, 'kube-system'],
  'prometheus-operator-crds': ['kubePrometheusStack', 'monitoring'],
  'kube-prometheus-stack': ['kubePrometheusStack', 'monitoring'],
  'metrics-server': ['metricsServer', 'kube-system'],
  traefik: ['traefik', 'traefik'],
  'argo-cd': ['argoCd', 'argocd'],
  'gitops-bootstrap': [undefined, 'argocd'],
};
const EXPECTED = {
  dev: { ...COMMON, 'local-path-provisioner': ['localPathProvisioner', 'local-path-storage'] },
  prod: { ...COMMON, 'cloud-provider-azure': ['cloudProviderAzure', 'kube-system'], 'azuredisk-csi-driver': ['azureDiskCsi', 'kube-system'], 'volume-snapshot-class': [undefined, 'kube-system'] },
} as Record<'dev' | 'prod', Record<string, [ChartName | undefined, string]>>;

/** Namespaces resolve through the kubernetes_namespace_v1 resource (so the namespace exists first) or are literal. */
function namespaceOf(json: Json, release: Json): string {
  const ref = /^\$\{kubernetes_namespace_v1\.([^.]+)\.metadata\[0\]\.name\}$/.exec(release.namespace as string);
  return ref ? (json.resource.kubernetes_namespace_v1[ref[1]!].metadata.name as string) : (release.namespace as string);
}

/** Transitive depends_on closure of a release, as release names. */
function ancestors(json: Json, name: string): Set<string> {
  const byAddress = new Map<string, string>();
  for (const [key, r] of Object.entries(json.resource.helm_release as Record<string, Json>)) byAddress.set(`helm_release.${key}`, r.name as string);
  const all = releases(json);
  const out = new Set<string>();
  const visit = (n: string) => {
    for (const dep of (all[n]!.depends_on ?? []) as string[]) {
      const depName = byAddress.get(dep);
      if (depName && !out.has(depName)) {
        out.add(depName);
        visit(depName);
      }
    }
  };
  visit(name);
  return out;
}

describe.each(['dev', 'prod'] as const)('%s releases', (env) => {
  const json = () => built(env).json;

  test('exactly the expected releases', () => {
    expect(Object.keys(releases(json())).sort()).toEqual(Object.keys(EXPECTED[env]).sort());
  });

  test.each(Object.entries(EXPECTED[env]))('%s: pinned chart in its namespace', (name, [chart, namespace]) => {
    const release = releases(json())[name]!;
    expect(namespaceOf(json(), release)).toBe(namespace);
    if (chart) {
      // The verified archive shipped as a stack asset, never a remote repository.
      expect(release.chart).toMatch(new RegExp(`^assets/chart-${CHART_VERSIONS[chart].chart}/[0-9A-F]+/${chartArchiveName(CHART_VERSIONS[chart])}$`, 'i'));
      expect(release).not.toHaveProperty('repository');
      expect(release.version).toBe(CHART_VERSIONS[chart].version);
    }
  });

  test.each(Object.keys(EXPECTED[env]))('%s: atomic, cleans up, waits, bounded timeout, never creates namespaces, linted at plan', (name) => {
    const release = releases(json())[name]!;
    expect(release).toMatchObject({ atomic: true, cleanup_on_fail: true, wait: true, create_namespace: false, lint: true });
    expect(release.timeout).toBeGreaterThanOrEqual(60);
    expect(release.timeout).toBeLessThanOrEqual(3600);
  });

  test('CNI first: every other release depends on Calico', () => {
    for (const name of Object.keys(EXPECTED[env]).filter((n) => n !== 'calico')) expect(ancestors(json(), name)).toContain('calico');
  });

  test('monitoring CRDs, installed on their own, before everything that ships ServiceMonitors, which does not wait for the monitoring stack', () => {
    for (const name of ['kube-prometheus-stack', 'metrics-server', 'traefik', 'argo-cd', 'gitops-bootstrap']) expect(ancestors(json(), name)).toContain('prometheus-operator-crds');
    for (const name of ['metrics-server', 'traefik', 'argo-cd', 'gitops-bootstrap']) expect(ancestors(json(), name)).not.toContain('kube-prometheus-stack');
  });

  test('Argo CD beside the ingress (its Ingress needs no running controller); the workload after Argo CD', () => {
    expect(ancestors(json(), 'argo-cd')).not.toContain('traefik');
    expect(ancestors(json(), 'gitops-bootstrap')).toContain('argo-cd');
  });

  test('the metadata-service block is in place before monitoring, ingress and Argo CD start pods', () => {
    for (const name of ['kube-prometheus-stack', 'traefik', 'argo-cd', 'gitops-bootstrap']) expect(ancestors(json(), name)).toContain('cluster-policies');
  });

  test('kubelet serving certificates are approved before anything scrapes kubelets', () => {
    for (const name of ['metrics-server', 'kube-prometheus-stack']) expect(ancestors(json(), name)).toContain('kubelet-csr-approver');
  });

  test('Traefik waits for its TLS Secret; the Secret waits for its namespace', () => {
    const r = releases(json()).traefik!;
    expect(r.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^kubernetes_secret_v1\.ingress-tls_secret/)]));
    const secret = Object.values(json().resource.kubernetes_secret_v1 as Record<string, Json>).find((s) => s.type === 'kubernetes.io/tls')!;
    expect(secret.metadata.namespace).toMatch(/^\$\{kubernetes_namespace_v1\.namespace-traefik\./);
  });
});

test('prod: the cloud controller manager goes first after the CNI (until it runs, the nodes\' uninitialized taint blocks every other pod)', () => {
  const { json } = built('prod');
  for (const name of Object.keys(EXPECTED.prod).filter((n) => !['calico', 'cloud-provider-azure'].includes(n))) expect(ancestors(json, name)).toContain('cloud-provider-azure');
  expect(ancestors(json, 'cloud-provider-azure')).toEqual(new Set(['calico']));
});

test('a cluster that brings its own CNI gets no Calico release, and nothing depends on one', () => {
  const { json } = build('dev', { cniInstalledByCluster: true });
  expect(Object.keys(releases(json))).not.toContain('calico');
  expect(ancestors(json, 'argo-cd')).toContain('prometheus-operator-crds');
  expect(json.resource.kubernetes_namespace_v1).not.toHaveProperty('namespace-tigera-operator');
});

test('namespaces enforce Pod Security levels and warn at restricted', () => {
  const namespaces = built('dev').json.resource.kubernetes_namespace_v1 as Record<string, Json>;
  const labels = Object.fromEntries(Object.values(namespaces).map((n) => [n.metadata.name, n.metadata.labels]));
  expect(labels.argocd['pod-security.kubernetes.io/enforce']).toBe('baseline');
  expect(labels.traefik['pod-security.kubernetes.io/enforce']).toBe('baseline');
  expect(labels.monitoring['pod-security.kubernetes.io/enforce']).toBe('privileged');
  for (const l of Object.values(labels) as Json[]) expect(l['pod-security.kubernetes.io/warn']).toBe('restricted');
});
