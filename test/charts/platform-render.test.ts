// Every helm_release of dev and prod rendered from the in-repo archives with the synthesized values: see
// platform-render.ts for what is checked, docs/chart.md ("What the render test guarantees") for why.
import { formatFindings, PassThrough, PlatformRender, renderPlatform } from './platform-render';

/** Maps each chart passes through whole (rendered as given), per chart name; the value says where it goes. */
export const PASS_THROUGH: Record<string, PassThrough> = {
  'tigera-operator': {
    'installation/cni': 'Installation spec (operator.tigera.io/v1), checked against the CRD schema',
    'installation/calicoNetwork': 'Installation spec (operator.tigera.io/v1), checked against the CRD schema',
  },
  'cloud-provider-azure': {
    'cloudControllerManager/cloudConfigSecretName': 'documented (commented) in values.yaml; templates: --cloud-config-secret-name',
    'cloudControllerManager/enableDynamicReloading': 'documented (commented) in values.yaml; templates: --enable-dynamic-reloading',
  },
  'kube-prometheus-stack': {
    'prometheus/prometheusSpec/storageSpec/volumeClaimTemplate': 'Prometheus CR spec.storage, checked against the CRD schema',
    'alertmanager/alertmanagerSpec/storage/volumeClaimTemplate': 'Alertmanager CR spec.storage, checked against the CRD schema',
    'prometheus/ingress/pathType': 'documented (commented) in values.yaml; templates/prometheus/ingress.yaml',
    'alertmanager/ingress/pathType': 'documented (commented) in values.yaml; templates/alertmanager/ingress.yaml',
    'grafana/persistence/storageClassName': 'documented (commented) in the grafana subchart values.yaml',
    'grafana/ingress/ingressClassName': 'documented (commented) in the grafana subchart values.yaml',
    'grafana/grafana.ini/*': 'grafana.ini sections, rendered into grafana.ini as given',
  },
  traefik: {
    'affinity/*': 'pod affinity, rendered as given (PodSpec, checked by kubernetes-models)',
    'service/spec/*': 'Service spec fields, rendered as given (checked by kubernetes-models)',
    'ports/*/http/redirections/entryPoint/*': 'entry point redirection options (to, scheme, permanent), documented in values.yaml',
    'tlsStore/*': 'TLSStore objects by name (traefik.io/v1alpha1), checked against the CRD schema',
  },
  'argo-cd': {
    'configs/cm/*': 'argocd-cm keys, passed to the ConfigMap as given',
    'configs/params/*': 'argocd-cmd-params-cm keys, passed to the ConfigMap as given',
  },
};

const ENVS = ['dev', 'prod'] as const;
const renders: Partial<Record<(typeof ENVS)[number], PlatformRender>> = {};

beforeAll(async () => {
  for (const env of ENVS) renders[env] = await renderPlatform(env, { passThrough: PASS_THROUGH });
});

describe.each(ENVS)('%s-platform', (env) => {
  const r = () => renders[env]!;
  test('every release renders, and nothing the checks find', () => {
    expect(formatFindings(r().findings)).toEqual([]);
  });
});
