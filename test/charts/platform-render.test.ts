// Every helm_release of dev and prod rendered from the in-repo archives with the synthesized values: see
// platform-render.ts for what is checked, docs/chart.md ("What the render test guarantees") for why.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { loadEnvironments } from '../../config';
import { cleanupRenders, formatFindings, Json, missingCrds, PassThrough, PlatformRender, renderOne, renderPlatform, resolveReferences } from './platform-render';
import { podSpec, ROOT } from './helm';
import { podSecurityViolations } from './pod-security';

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
afterAll(() => cleanupRenders());

describe.each(ENVS)('%s-platform', (env) => {
  const r = () => renders[env]!;
  test('every release renders, and nothing the checks find', () => {
    expect(formatFindings(r().findings)).toEqual([]);
  });
});

test('every pass-through path is used by a synthesized value (a stale entry would hide a future typo there)', () => {
  const used = new Set([...renders.dev!.passThroughUsed, ...renders.prod!.passThroughUsed]);
  const listed = Object.entries(PASS_THROUGH).flatMap(([chart, paths]) => Object.keys(paths).map((p) => `${chart}:${p}`));
  expect(listed.filter((l) => !used.has(l))).toEqual([]);
});

// --- Each fix, on the rendered objects: every test fails on the values the platform shipped before. ---

type Doc = PlatformRender['releases'][string]['docs'][number];
const docsOf = (env: (typeof ENVS)[number], release: string): Doc[] => renders[env]!.releases[release]!.docs;
const pick = (docs: Doc[], kind: string, name?: RegExp): Doc[] => docs.filter((d) => d.kind === kind && (!name || name.test(d.metadata.name)));
const only = (docs: Doc[], kind: string, name?: RegExp): Doc => {
  const hits = pick(docs, kind, name);
  if (hits.length !== 1) throw new Error(`expected one ${kind} ${name ?? ''}, found ${hits.map((h) => h.metadata.name).join(', ') || 'none'}`);
  return hits[0]!;
};
const args = (d: Doc, container?: string): string[] => {
  const cs = d.spec.template.spec.containers as { name: string; args?: string[] }[];
  return (container ? cs.find((c) => c.name === container) : cs[0])?.args ?? [];
};
const config = (env: (typeof ENVS)[number]) => loadEnvironments([env])[0]!.config;

describe.each(ENVS)('%s: the rendered platform', (env) => {
  test('Traefik: access log on (chart 41 `accessLog`), Ingress status = the internal ingress load balancer\'s IP', () => {
    const a = args(only(docsOf(env, 'traefik'), 'Deployment'));
    expect(a).toContain('--accesslog=true');
    expect(a).toContain(`--providers.kubernetesingress.ingressendpoint.ip=${config(env).cluster.ingress.privateIp}`);
    expect(a.filter((x) => x.includes('publishedservice'))).toEqual([]);
  });

  test('kubelet-csr-approver runs the replicas its values ask for (`replicas`; `replicaCount` is not a key of the chart)', () => {
    expect(only(docsOf(env, 'kubelet-csr-approver'), 'Deployment').spec.replicas).toBe(1);
  });

  test('metrics-server: the ServiceMonitor exists and /metrics is open to it (metrics.enabled)', () => {
    const docs = docsOf(env, 'metrics-server');
    expect(pick(docs, 'ServiceMonitor')).toHaveLength(1);
    expect(args(only(docs, 'Deployment'))).toContain('--authorization-always-allow-paths=/metrics');
  });

  test('Grafana files dashboards in the folder their ConfigMap\'s grafana_folder annotation names', () => {
    const docs = docsOf(env, 'kube-prometheus-stack');
    const grafana = only(docs, 'StatefulSet', /grafana$/);
    const sidecar = (grafana.spec.template.spec.containers as { name: string; env?: { name: string; value?: string }[] }[]).find((c) => c.name === 'grafana-sc-dashboard')!;
    expect(sidecar.env).toEqual(expect.arrayContaining([{ name: 'FOLDER_ANNOTATION', value: 'grafana_folder' }]));
    const provider = pick(docs, 'ConfigMap').find((c) => Object.keys(c.data ?? {}).includes('provider.yaml'))!;
    expect(provider.data['provider.yaml']).toMatch(/foldersFromFilesStructure: true/);
  });

  test('Prometheus and Alertmanager announce the https URL Traefik serves them on', () => {
    const docs = docsOf(env, 'kube-prometheus-stack');
    const { cluster } = config(env);
    const host = (key: 'prometheus' | 'alertmanager') => `${cluster.ingress.hosts[key]}.${cluster.dns.zoneName}`;
    expect(only(docs, 'Prometheus').spec.externalUrl).toBe(`https://${host('prometheus')}/`);
    expect(only(docs, 'Alertmanager').spec.externalUrl).toBe(`https://${host('alertmanager')}/`);
  });

  test('Argo CD\'s Redis is scraped in the mode the environment runs (redis metrics single-node, redis-ha exporter in HA)', () => {
    const docs = docsOf(env, 'argo-cd');
    const monitors = pick(docs, 'ServiceMonitor').map((m) => m.metadata.name);
    if (env === 'prod') {
      const redisHa = only(docs, 'StatefulSet', /redis-ha-server$/);
      expect((redisHa.spec.template.spec.containers as { name: string }[]).map((c) => c.name)).toContain('redis-exporter');
      expect(monitors.some((m) => /redis-ha/.test(m))).toBe(true);
    } else {
      expect(monitors.some((m) => /redis/.test(m))).toBe(true);
      expect(pick(docs, 'StatefulSet', /redis-ha/)).toEqual([]);
    }
  });
});

test('prod: volume snapshots work: CRDs and snapshot controller with the CSI driver, then a VolumeSnapshotClass for disk.csi.azure.com', () => {
  const docs = docsOf('prod', 'azuredisk-csi-driver');
  expect(pick(docs, 'CustomResourceDefinition').map((c) => c.metadata.name).sort()).toEqual(['volumesnapshotclasses.snapshot.storage.k8s.io', 'volumesnapshotcontents.snapshot.storage.k8s.io', 'volumesnapshots.snapshot.storage.k8s.io']);
  expect(pick(docs, 'Deployment', /snapshot-controller/)).toHaveLength(1);
  // Its own release after the CSI driver (the ordering check above proves the CRD is installed before it).
  const vsc = only(docsOf('prod', 'volume-snapshot-class'), 'VolumeSnapshotClass');
  expect(vsc.driver).toBe('disk.csi.azure.com');
  expect(renders.prod!.releases['volume-snapshot-class']!.ancestors).toContain('azuredisk-csi-driver');
});

test('prod: the chart\'s own VolumeSnapshotClass hook would fail plan (helm lint), which is why it is not used', () => {
  const r = renders.prod!.releases['azuredisk-csi-driver']!;
  const file = `${renders.prod!.dir}/azuredisk.with-class.values.yaml`;
  writeFileSync(file, stringify({ ...r.values, snapshot: { ...r.values.snapshot, VolumeSnapshotClass: { enabled: true } } }));
  const lint = spawnSync(renders.prod!.helm, ['lint', r.chart, '-f', file], { encoding: 'utf8' });
  expect(lint.status).not.toBe(0);
  expect(lint.stdout).toMatch(/invalid Yaml document separator/);
});

test('dev: local-path-provisioner is rancher\'s own chart, the default class, with a pinned helper image', () => {
  const r = renders.dev!.releases['local-path-provisioner']!;
  expect(r.defaults.image.repository).toBe('rancher/local-path-provisioner');
  const sc = only(r.docs, 'StorageClass');
  expect(sc.metadata.name).toBe('local-path');
  expect(sc.metadata.annotations?.['storageclass.kubernetes.io/is-default-class']).toBe('true');
  expect(sc.volumeBindingMode).toBe('WaitForFirstConsumer');
  const cm = only(r.docs, 'ConfigMap', /local-path-config/);
  expect(cm.data['helperPod.yaml']).toMatch(/image: "?busybox:1\.37\.0"?/);
});

// --- The checks themselves fail on the old values (so a defect put back is caught). ---

describe('the checks catch the old defects', () => {
  const values = (env: (typeof ENVS)[number], release: string) => structuredClone(renders[env]!.releases[release]!.values);

  test('Traefik with chart 40\'s `logs.access`: Helm\'s schema rejects it, and `helm lint` (plan with lint = true) too', () => {
    const old: Json = { ...values('dev', 'traefik'), logs: { access: { enabled: true } } };
    delete old.accessLog;
    expect(renderOne(renders.dev!, 'traefik', old).error).toMatch(/Additional property logs is not allowed/);
    const r = renders.dev!.releases.traefik!;
    const file = `${renders.dev!.dir}/traefik.old.values.yaml`;
    writeFileSync(file, stringify(old, { version: '1.1' }));
    const lint = spawnSync(renders.dev!.helm, ['lint', r.chart, '-f', file], { encoding: 'utf8' });
    expect(lint.status).not.toBe(0);
    expect(lint.stdout).toMatch(/Additional property logs is not allowed/);
    expect(spawnSync(renders.dev!.helm, ['lint', r.chart, '-f', `${renders.dev!.dir}/traefik.values.yaml`], { encoding: 'utf8' }).status).toBe(0);
  });

  test('kubelet-csr-approver `replicaCount` is reported as unknown, and the chart runs its default 2', () => {
    const old = values('dev', 'kubelet-csr-approver');
    delete old.replicas;
    old.replicaCount = 1;
    const r = renderOne(renders.dev!, 'kubelet-csr-approver', old, PASS_THROUGH['kubelet-csr-approver']);
    expect(r.unknownKeys).toEqual(['replicaCount']);
    expect(pick(r.docs, 'Deployment')[0]!.spec.replicas).toBe(2);
  });

  test('metrics-server without metrics.enabled renders no ServiceMonitor', () => {
    const old = values('dev', 'metrics-server');
    delete old.metrics;
    expect(pick(renderOne(renders.dev!, 'metrics-server', old).docs, 'ServiceMonitor')).toEqual([]);
  });

  test('a release whose ServiceMonitor CRD is not installed before it (depends_on cut) is refused: Traefik fails to render, the ordering check names the object', () => {
    const r = renders.dev!.releases.traefik!;
    const withoutMonitoring = r.apiVersions.filter((a) => !a.startsWith('monitoring.coreos.com/'));
    const out = renderOne(renders.dev!, 'traefik', r.values, {}, withoutMonitoring);
    expect(out.error ?? missingCrds(r.docs, withoutMonitoring).join('\n')).toMatch(/monitoring\.coreos\.com/);
    expect(missingCrds(docsOf('dev', 'gitops-bootstrap'), [])).toEqual([
      expect.stringMatching(/^AppProject\/case-assigner \(argoproj\.io\/v1alpha1\): its CRD is not installed/),
      expect.stringMatching(/^Application\/case-assigner \(argoproj\.io\/v1alpha1\): its CRD is not installed/),
    ]);
  });

  test('a pod that breaks its namespace\'s level is reported (Traefik on the host network in baseline `traefik`)', () => {
    const r = renderOne(renders.dev!, 'traefik', { ...values('dev', 'traefik'), hostNetwork: true });
    const deployment = only(r.docs, 'Deployment');
    expect(podSecurityViolations(deployment.spec.template.spec, renders.dev!.namespaceLevels.traefik!)).toContain('hostNetwork: true');
  });

  test('Prometheus without an explicit external URL would announce http://', () => {
    const old = values('dev', 'kube-prometheus-stack');
    delete old.prometheus.prometheusSpec.externalUrl;
    expect(only(renderOne(renders.dev!, 'kube-prometheus-stack', old).docs, 'Prometheus').spec.externalUrl).toMatch(/^http:\/\//);
  });
});

// --- The workload as Argo CD renders it from the Application (what Synced/Healthy depends on offline). Its
// validation against models/CRDs and Pod Security is part of "nothing the checks find" above (release
// `application-case-assigner`); here what it must pull and where it is published. ---

describe.each(ENVS)('%s: the case-assigner Application', (env) => {
  const workload = () => renders[env]!.applications['case-assigner']!;

  test('renders from the repository path with its value files and the platform\'s values, in a namespace enforcing restricted', () => {
    expect(workload().docs.length).toBeGreaterThan(5);
    expect(renders[env]!.namespaceLevels[workload().namespace]).toBe('restricted');
    expect(renders[env]!.findings.filter((f) => f.release === 'application-case-assigner')).toEqual([]);
  });

  test('pulls <environment registry>/case-assigner:<commit>, and its Ingress uses the class Traefik serves on the cases host', () => {
    const { docs } = workload();
    const images = new Set(docs.flatMap((d) => (podSpec(d) ? [...(podSpec(d).initContainers ?? []), ...podSpec(d).containers].map((c: { image: string }) => c.image) : [])));
    // The tool from the environment's registry; the sign-in proxy from quay.io, pinned by digest.
    expect([...images].sort()).toEqual([expect.stringMatching(/^[a-z0-9]+\.azurecr\.io\/case-assigner:[0-9a-f]{40}$/), expect.stringMatching(/^quay\.io\/oauth2-proxy\/oauth2-proxy@sha256:[0-9a-f]{64}$/)]);
    const ingress = only(docs, 'Ingress', /^case-assigner$/);
    const traefikClass = only(docsOf(env, 'traefik'), 'IngressClass');
    expect(pick(docs, 'Ingress').map((i) => i.spec.ingressClassName)).toEqual([traefikClass.metadata.name, traefikClass.metadata.name]);
    const { cluster } = config(env);
    expect(ingress.spec.rules.map((r: { host: string }) => r.host)).toEqual([`${cluster.ingress.hosts.cases}.${cluster.dns.zoneName}`]);
  });
});

describe.each(ENVS)('%s: sign-in in front of the case-assigner Application', (env) => {
  const workload = () => renders[env]!.applications['case-assigner']!;

  test('its Ingress runs through the Traefik ForwardAuth Middleware to the oauth2-proxy (Entra ids from configuration, secrets from the Terraform Secret); the tool trusts the header', () => {
    const { docs, namespace } = workload();
    const middleware = only(docs, 'Middleware');
    expect(only(docs, 'Ingress', /^case-assigner$/).metadata.annotations?.['traefik.ingress.kubernetes.io/router.middlewares']).toBe(`${namespace}-${middleware.metadata.name}@kubernetescrd`);
    const proxySvc = only(docs, 'Service', /oauth2-proxy$/);
    expect(middleware.spec.forwardAuth.address).toBe(`http://${proxySvc.metadata.name}.${namespace}.svc:4180/`);
    const { auth } = config(env).platform.gitops!;
    const { cluster } = config(env);
    const proxy = only(docs, 'Deployment', /oauth2-proxy$/).spec.template.spec.containers[0];
    expect(proxy.args).toEqual(expect.arrayContaining([`--oidc-issuer-url=https://login.microsoftonline.com/${auth.tenantId}/v2.0`, `--client-id=${auth.clientId}`, `--redirect-url=https://${cluster.ingress.hosts.cases}.${cluster.dns.zoneName}/oauth2/callback`]));
    // The Secret the proxy reads is the one Terraform writes into that namespace.
    const refs = new Set((proxy.env as { valueFrom: { secretKeyRef: { name: string; key: string } } }[]).map((e) => `${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`));
    const written = Object.values(renders[env]!.platform.resource.kubernetes_secret_v1 as Record<string, Json>).find((x) => x.metadata.name === 'case-assigner-oauth2-proxy')!;
    expect(new Set(Object.keys(written.data).map((k) => `case-assigner-oauth2-proxy/${k}`))).toEqual(refs);
    const settings = parse(only(docs, 'ConfigMap', /settings$/).data['settings.yaml']) as Json;
    expect(settings.api.auth).toEqual({ mode: 'forward-auth', userHeader: 'X-Auth-Request-Email' });
    expect(middleware.spec.forwardAuth.authResponseHeaders).toContain(settings.api.auth.userHeader);
    // Only Traefik's namespace reaches the proxy and the API port.
    const traefikNs = renders[env]!.releases.traefik!.namespace;
    expect(only(docs, 'NetworkPolicy', /oauth2-proxy$/).spec.ingress[0].from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': traefikNs } } }]);
    expect(only(docs, 'NetworkPolicy', /^case-assigner$/).spec.ingress[0]).toEqual({ ports: [{ port: 'http', protocol: 'TCP' }], from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': traefikNs } } }] });
  });

  test('the same Application values with auth.mode none (no allowAnonymous) do not render: no anonymous Ingress', () => {
    const app = only(docsOf(env, 'gitops-bootstrap'), 'Application');
    const chart = path.join(ROOT, app.spec.source.path);
    const args = ['template', 'case-assigner', chart, '--namespace', workload().namespace];
    for (const f of app.spec.source.helm.valueFiles as string[]) args.push('-f', path.join(chart, f));
    const object = `${renders[env]!.dir}/anonymous.values-object.yaml`;
    writeFileSync(object, stringify({ ...app.spec.source.helm.valuesObject, auth: { ...app.spec.source.helm.valuesObject.auth, mode: 'none' } }));
    const refused = spawnSync(renders[env]!.helm, [...args, '-f', object], { encoding: 'utf8' });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/auth\.allowAnonymous/);
  });
});

test('references resolve through the other stacks as apply would, and an unresolvable one is reported, not guessed', () => {
  const stacks = {
    'e-platform': { resource: { kubernetes_namespace_v1: { ns: { metadata: { name: 'argocd' } } } } },
    'e-services': { output: { login: { value: '${azurerm_container_registry.reg.login_server}' } }, resource: { azurerm_container_registry: { reg: { name: 'crHybDev' } } } },
  };
  const unresolved: string[] = [];
  const text = 'ns: ${kubernetes_namespace_v1.ns.metadata[0].name}\nimage: ${data.terraform_remote_state.cross-stack-reference-input-e-services.outputs.login}/x\nkey: ${random_password.p.result}';
  expect(resolveReferences(text, 'e-platform', stacks, unresolved)).toBe('ns: argocd\nimage: crhybdev.azurecr.io/x\nkey: unresolved-terraform-reference');
  expect(unresolved).toEqual(['${random_password.p.result}']);
});
