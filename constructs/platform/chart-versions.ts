/**
 * Every Helm chart the platform installs, pinned in one place. Reviewers see version bumps here and nowhere else;
 * test/platform/chart-versions.test.ts fails on a range, a `latest` or a release whose version is not from this map.
 * Versions were checked against the upstream release notes and chart indexes available when they were pinned;
 * `upgradeNotes` records what to read before bumping.
 *
 * The bytes installed are the archive `charts/upstream/<chart>-<version>.tgz` (checksum in charts/upstream/SHA256SUMS,
 * provenance in SOURCE.md), shipped with the synthesized stack: apply needs no chart repository, and the archive the
 * render test (test/charts/platform-render.test.ts) renders is the one installed. `scripts/refresh-chart.sh <key>`
 * fetches a new archive from `repository` after a bump and records its checksum.
 */
export interface ChartPin {
  /**
   * Where scripts/refresh-chart.sh fetches the chart from (https): a Helm repository, or with `git`, the Git
   * repository whose tag is packaged (for projects that publish no Helm repository).
   */
  readonly repository: string;
  /** Set when `repository` is a Git repository: the chart's directory and the tag packaged. */
  readonly git?: { readonly path: string; readonly ref: string };
  /** Chart name in that repository. */
  readonly chart: string;
  /** Exact chart version (never a range). */
  readonly version: string;
  /** What to check before bumping. */
  readonly upgradeNotes: string;
}

export const CHART_VERSIONS = {
  calico: {
    repository: 'https://docs.tigera.io/calico/charts',
    chart: 'tigera-operator',
    version: 'v3.31.3',
    upgradeNotes: 'Calico release notes; the operator upgrades calico-node in place (VXLAN stays).',
  },
  kubeletCsrApprover: {
    repository: 'https://postfinance.github.io/kubelet-csr-approver',
    chart: 'kubelet-csr-approver',
    version: '1.1.0',
    upgradeNotes: 'Approves kubelet-serving CSRs (kubelets run serverTLSBootstrap); 1.2.0 was reverted by adopters (upstream issue 253), check its successors.',
  },
  traefik: {
    repository: 'https://traefik.github.io/charts',
    chart: 'traefik',
    version: '41.0.2',
    upgradeNotes: 'Chart majors rename values (40.0: service.spec.*, providers.kubernetesIngressNGINX). CRDs are not upgraded by helm.',
  },
  localPathProvisioner: {
    // The project's own chart (Apache-2.0): it publishes no Helm repository, so the archive is packaged from the tag.
    repository: 'https://github.com/rancher/local-path-provisioner',
    git: { path: 'deploy/chart/local-path-provisioner', ref: 'v0.0.35' },
    chart: 'local-path-provisioner',
    version: '0.0.35',
    upgradeNotes: 'rancher/local-path-provisioner release notes; the chart version follows the app version. Keep helperImage pinned (the chart defaults to busybox:latest).',
  },
  cloudProviderAzure: {
    repository: 'https://raw.githubusercontent.com/kubernetes-sigs/cloud-provider-azure/master/helm/repo',
    chart: 'cloud-provider-azure',
    version: '1.36.0',
    upgradeNotes: 'The chart picks the CCM image by the cluster\'s minor; keep the chart minor equal to cluster.kubernetesVersion\'s (tested).',
  },
  azureDiskCsi: {
    repository: 'https://raw.githubusercontent.com/kubernetes-sigs/azuredisk-csi-driver/master/charts',
    chart: 'azuredisk-csi-driver',
    version: '1.33.1',
    upgradeNotes: 'Driver changelog. With snapshot.enabled the chart installs the snapshot.storage.k8s.io CRDs (as templates) and the snapshot controller: compare them with kubernetes-csi/external-snapshotter before bumping.',
  },
  metricsServer: {
    repository: 'https://kubernetes-sigs.github.io/metrics-server/',
    chart: 'metrics-server',
    version: '3.13.1',
    upgradeNotes: 'Chart CHANGELOG.md; never add --kubelet-insecure-tls (kubelets serve CA-signed certificates).',
  },
  kubePrometheusStack: {
    repository: 'https://prometheus-community.github.io/helm-charts',
    chart: 'kube-prometheus-stack',
    version: '88.5.3',
    upgradeNotes: 'A major bump means CRD changes: apply the new CRDs first (README "Upgrading Chart").',
  },
  argoCd: {
    repository: 'https://argoproj.github.io/argo-helm',
    chart: 'argo-cd',
    version: '10.1.1',
    upgradeNotes: 'argo-helm charts/argo-cd README "Upgrading"; 10.0 turned global.networkPolicy.create on.',
  },
} as const satisfies Record<string, ChartPin>;

export type ChartName = keyof typeof CHART_VERSIONS;

/** A version is pinned when it is one exact SemVer version, optionally `v`-prefixed (no range, wildcard or tag). */
export const PINNED_VERSION = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$/;

/** File name of a pin's archive in charts/upstream/ (what `helm package` / `helm pull` write). */
export function chartArchiveName(pin: Pick<ChartPin, 'chart' | 'version'>): string {
  return `${pin.chart}-${pin.version}.tgz`;
}
