// The case-assigner chart rendered by a real Helm 3 with development and production values, validated against the
// Kubernetes/CRD schemas (scripts/validate-manifests.mjs) and checked for the structure the platform relies on.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CHART, DEV_VALUES, LOCAL_VALUES, Manifest, PLATFORM_AUTH_VALUES, PROD_VALUES, ROOT, find, helm, one, podSpec, podTemplateAnnotations, render, setupHelm, validate } from './helm';

/** The environments' values as the platform completes them (its valuesObject adds the sign-in settings). */
const DEV = [DEV_VALUES, PLATFORM_AUTH_VALUES];
const PROD = [PROD_VALUES, PLATFORM_AUTH_VALUES];

let bin: string;
let dev: { text: string; docs: Manifest[] };
let prod: { text: string; docs: Manifest[] };
let local: { text: string; docs: Manifest[] };

beforeAll(() => {
  bin = setupHelm();
  dev = render(bin, DEV);
  prod = render(bin, PROD);
  local = render(bin, [DEV_VALUES, LOCAL_VALUES]);
});

const workloads = (docs: Manifest[]) => docs.filter((d) => podSpec(d) !== undefined);
/** The tool's own workloads (not the oauth2-proxy in front of it). */
const toolWorkloads = (docs: Manifest[]) => workloads(docs).filter((d) => d.metadata.labels?.['app.kubernetes.io/component'] !== 'oauth2-proxy');
/** The Traefik chart the platform installs: its Middleware CRD validates the chart's Middleware. */
const TRAEFIK_CHART = join(ROOT, 'charts', 'upstream', 'traefik-41.0.2.tgz');

/** Whether a ServiceMonitor's label selector (matchLabels and In expressions) matches a Service. */
function selects(sm: Manifest, svc: Manifest): boolean {
  const labels = svc.metadata.labels ?? {};
  const { matchLabels = {}, matchExpressions = [] } = sm.spec.selector as { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values: string[] }[] };
  return Object.entries(matchLabels).every(([k, v]) => labels[k] === v) && matchExpressions.every((e) => e.operator === 'In' && e.values.includes(labels[e.key]));
}

describe('helm lint --strict', () => {
  it.each([
    ['dev', DEV],
    ['prod', PROD],
    ['local (dev + local overlay)', [DEV_VALUES, LOCAL_VALUES]],
  ])('passes with %s values', (_env, values) => {
    const r = helm(bin, ['lint', '--strict', CHART, ...values.flatMap((v) => ['-f', v])]);
    expect(r.stderr + r.stdout).toContain('0 chart(s) failed');
    expect(r.status).toBe(0);
  });
});

describe('rendered manifests pass schema and unknown-field validation', () => {
  it('dev, prod, local and worker-mode renders (one validator run; release names keep them apart)', () => {
    const renders = [
      render(bin, DEV, {}, 'ca-dev'),
      render(bin, PROD, {}, 'ca-prod'),
      render(bin, [DEV_VALUES, LOCAL_VALUES], {}, 'ca-local'),
      render(bin, PROD, { 'assigner.mode': 'worker' }, 'ca-worker'),
    ];
    // The Middleware against Traefik's own CRD (the chart version the platform installs, charts/upstream).
    const crds = join(mkdtempSync(join(tmpdir(), 'traefik-crds-')), 'middlewares.yaml');
    writeFileSync(crds, spawnSync('tar', ['-xzOf', TRAEFIK_CHART, 'traefik/crds/traefik.io_middlewares.yaml'], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }).stdout);
    const r = validate(renders.map((x) => x.text).join('\n---\n'), [`--crds=${crds}`]);
    rmSync(dirname(crds), { recursive: true, force: true });
    expect(r.problems).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.status).toBe(0);
    expect(r.documents).toBe(renders.reduce((n, x) => n + x.docs.length, 0));
  });
});

describe('roles', () => {
  it('renders the expected kinds in production', () => {
    const kinds = prod.docs.map((d) => d.kind).sort();
    expect(kinds).toEqual(
      // Second Deployment, Service, Ingress (/oauth2) and NetworkPolicy, and the Middleware: the sign-in in front of the API.
      ['ConfigMap', 'ConfigMap', 'CronJob', 'Deployment', 'Deployment', 'HorizontalPodAutoscaler', 'Ingress', 'Ingress', 'Job', 'Middleware', 'NetworkPolicy', 'NetworkPolicy', 'PodDisruptionBudget', 'PodDisruptionBudget', 'Pod', 'PrometheusRule', 'Service', 'Service', 'ServiceAccount', 'ServiceMonitor'].sort(),
    );
  });

  it('the api Deployment serves, with liveness /healthz, readiness /readyz and a startup probe on the named port', () => {
    const api = one(prod.docs, 'Deployment', '-api');
    const c = podSpec(api).containers[0];
    expect(c.args).toEqual(['serve']);
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }, { name: 'metrics', containerPort: 9464, protocol: 'TCP' }]);
    // Probes (and /metrics) are on the operations listener, apart from the public API.
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    expect(c.startupProbe.httpGet.path).toBe('/healthz');
    expect(c.startupProbe.failureThreshold * c.startupProbe.periodSeconds).toBeGreaterThanOrEqual(30);
    expect(c.resources.requests).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
    expect(c.resources.limits.memory).toBeDefined();
    // Drains without dropped requests: a preStop pause shorter than the grace period.
    expect(c.lifecycle.preStop.exec.command).toEqual(['sleep', '5']);
    expect(podSpec(api).terminationGracePeriodSeconds).toBeGreaterThan(5);
  });

  it('only the api is autoscaled (autoscaling/v2), and then the Deployment leaves replicas to the HPA', () => {
    const hpas = find(prod.docs, 'HorizontalPodAutoscaler');
    expect(hpas).toHaveLength(1);
    const api = one(prod.docs, 'Deployment', '-api');
    expect(hpas[0].apiVersion).toBe('autoscaling/v2');
    expect(hpas[0].spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: api.metadata.name });
    expect(hpas[0].spec.metrics[0].resource).toEqual({ name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } });
    expect(api.spec.replicas).toBeUndefined();
    // Without autoscaling (dev) the replica count is explicit and no HPA exists.
    expect(find(dev.docs, 'HorizontalPodAutoscaler')).toHaveLength(0);
    expect(one(dev.docs, 'Deployment', '-api').spec.replicas).toBe(1);
  });

  it('the api has a PodDisruptionBudget of maxUnavailable 1 selecting exactly the api pods', () => {
    const pdb = one(prod.docs, 'PodDisruptionBudget', '-api');
    const api = one(prod.docs, 'Deployment', '-api');
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.minAvailable).toBeUndefined();
    expect(pdb.spec.selector.matchLabels).toEqual(api.spec.selector.matchLabels);
    expect(pdb.spec.selector.matchLabels['app.kubernetes.io/component']).toBe('api');
  });

  it('the assignment cycle is a CronJob running assign --once, never overlapping, with deadlines and history limits', () => {
    const cj = one(prod.docs, 'CronJob');
    expect(cj.spec.concurrencyPolicy).toBe('Forbid');
    expect(cj.spec.startingDeadlineSeconds).toBeGreaterThanOrEqual(10);
    expect(cj.spec.startingDeadlineSeconds).toBeLessThan(60); // below the one-minute schedule period
    expect(cj.spec.successfulJobsHistoryLimit).toBe(3);
    expect(cj.spec.failedJobsHistoryLimit).toBe(5);
    expect(cj.spec.timeZone).toBe('Etc/UTC');
    expect(cj.spec.jobTemplate.spec.activeDeadlineSeconds).toBeGreaterThan(0);
    expect(cj.spec.jobTemplate.spec.backoffLimit).toBe(0);
    const pod = podSpec(cj);
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0].args).toEqual(['assign', '--once']);
    expect(find(prod.docs, 'Deployment', '-worker')).toHaveLength(0);
  });

  it('worker mode replaces the CronJob by one Recreate replica, probed and scraped, not autoscaled and without a PDB', () => {
    const { docs } = render(bin, PROD, { 'assigner.mode': 'worker' });
    const worker = one(docs, 'Deployment', '-worker');
    expect(worker.spec.replicas).toBe(1);
    expect(worker.spec.strategy).toEqual({ type: 'Recreate' });
    const c = podSpec(worker).containers[0];
    expect(c.args).toEqual(['serve', '--with-worker']);
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    // Its Service carries only the metrics port (no API traffic), and the ServiceMonitor selects it.
    const svc = one(docs, 'Service', '-worker');
    expect(svc.spec.selector).toEqual(worker.spec.selector.matchLabels);
    expect(svc.spec.ports.map((p: { name: string }) => p.name)).toEqual(['metrics']);
    expect(selects(one(docs, 'ServiceMonitor'), svc)).toBe(true);
    expect(selects(one(docs, 'ServiceMonitor'), one(docs, 'Service', '-case-assigner'))).toBe(true);
    expect(find(docs, 'CronJob')).toHaveLength(0);
    expect(find(docs, 'HorizontalPodAutoscaler').map((h) => h.spec.scaleTargetRef.name)).toEqual([one(docs, 'Deployment', '-api').metadata.name]);
    expect(find(docs, 'PodDisruptionBudget').map((p) => p.spec.selector.matchLabels['app.kubernetes.io/component']).sort()).toEqual(['api', 'oauth2-proxy']);
  });

  it('migrations run in a pre-install/pre-upgrade hook Job that needs neither the release ServiceAccount nor the ConfigMap', () => {
    const job = one(prod.docs, 'Job', '-migrate');
    expect(job.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    expect(job.metadata.annotations?.['helm.sh/hook-delete-policy']).toBe('before-hook-creation');
    const pod = podSpec(job);
    expect(pod.containers[0].args).toEqual(['migrate']);
    expect(pod.serviceAccountName).toBe('default');
    expect(pod.volumes.map((v: { name: string }) => v.name)).not.toContain('settings');
    expect(pod.containers[0].env).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'DATABASE_URL' })]));
  });
});

describe('pod security (Pod Security Standard "restricted")', () => {
  it.each([
    ['dev', () => dev.docs, ['CronJob', 'Deployment', 'Deployment', 'Job', 'Pod']],
    ['prod', () => prod.docs, ['CronJob', 'Deployment', 'Deployment', 'Job', 'Pod']],
    ['local', () => local.docs, ['CronJob', 'Deployment', 'Job', 'Pod']],
  ])('every container of every workload in %s (the oauth2-proxy too)', (_env, get, kinds) => {
    const all = workloads(get());
    expect(all.map((w) => w.kind).sort()).toEqual(kinds);
    for (const w of all) {
      const pod = podSpec(w);
      expect(pod.securityContext).toEqual(expect.objectContaining({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }));
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.hostNetwork ?? false).toBe(false);
      for (const c of pod.containers) {
        expect({ workload: w.metadata.name, sc: c.securityContext }).toEqual({
          workload: w.metadata.name,
          sc: expect.objectContaining({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } }),
        });
        expect(c.resources?.limits?.memory).toBeDefined();
      }
    }
  });

  it('the tool\'s pods get a writable /tmp (emptyDir with a size limit) and the settings mounted read-only', () => {
    for (const w of toolWorkloads(prod.docs).filter((d) => d.kind !== 'Pod')) {
      const pod = podSpec(w);
      const c = pod.containers[0];
      expect(c.volumeMounts).toEqual(expect.arrayContaining([{ name: 'tmp', mountPath: '/tmp' }]));
      expect(pod.volumes).toEqual(expect.arrayContaining([{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]));
    }
    for (const w of [one(prod.docs, 'Deployment', '-api'), one(prod.docs, 'CronJob')]) {
      const pod = podSpec(w);
      expect(pod.containers[0].volumeMounts).toEqual(expect.arrayContaining([{ name: 'settings', mountPath: '/app/config', readOnly: true }]));
      expect(pod.volumes).toEqual(expect.arrayContaining([{ name: 'settings', configMap: { name: 'ca-case-assigner-settings' } }]));
      expect(pod.containers[0].env).toEqual(expect.arrayContaining([{ name: 'CASE_ASSIGNER_SETTINGS', value: '/app/config/settings.yaml' }]));
    }
  });
});

describe('settings ConfigMap and rollout checksum', () => {
  it('holds settings.yaml from values, and the tool\'s own settings schema accepts it (dev and prod)', () => {
    // Loaded at run time (not a static import): the root typecheck does not compile the app workspace.
    const { parseSettings } = require(join(ROOT, 'app', 'src', 'settings')) as { parseSettings: (input: unknown, source?: string) => { engineerList: unknown[] } };
    for (const [env, r] of [['dev', dev], ['prod', prod]] as const) {
      const cm = one(r.docs, 'ConfigMap', '-settings');
      const settings = parseYaml(cm.data['settings.yaml']);
      expect(() => parseSettings(settings, `${env} settings.yaml`)).not.toThrow();
      expect(JSON.stringify(settings)).not.toMatch(/"token"\s*:/);
    }
  });

  const checksum = (docs: Manifest[], kind: string, suffix = '') => podTemplateAnnotations(one(docs, kind, suffix))['checksum/config'];

  it('changes the api and CronJob pod templates when (and only when) the settings change', () => {
    const base = render(bin, PROD).docs;
    const changed = render(bin, PROD, { 'settings.pollIntervalSeconds': '30' }).docs;
    const unrelated = render(bin, PROD, { 'api.autoscaling.maxReplicas': '9' }).docs;
    for (const [kind, suffix] of [['Deployment', '-api'], ['CronJob', '']] as const) {
      expect(checksum(base, kind, suffix)).toMatch(/^[a-f0-9]{64}$/);
      expect(checksum(changed, kind, suffix)).not.toBe(checksum(base, kind, suffix));
      expect(checksum(unrelated, kind, suffix)).toBe(checksum(base, kind, suffix));
    }
  });

  it('also rolls pods when the development Secret changes', () => {
    const a = podTemplateAnnotations(one(local.docs, 'Deployment', '-api'))['checksum/secret'];
    const b = podTemplateAnnotations(one(render(bin, [DEV_VALUES, LOCAL_VALUES], { 'secret.devValues.DATABASE_URL': 'postgres://other/db' }).docs, 'Deployment', '-api'))['checksum/secret'];
    expect(podTemplateAnnotations(one(dev.docs, 'Deployment', '-api'))['checksum/secret']).toBeUndefined();
    expect(a).toMatch(/^[a-f0-9]{64}$/);
    expect(b).not.toBe(a);
  });
});

describe('secrets', () => {
  const secretRefs = (docs: Manifest[]) =>
    toolWorkloads(docs)
      .filter((w) => w.kind !== 'Pod')
      .flatMap((w) => podSpec(w).containers.flatMap((c: { env?: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }[] }) => (c.env ?? []).filter((e) => e.valueFrom?.secretKeyRef).map((e) => ({ workload: w.metadata.name, env: e.name, ...e.valueFrom!.secretKeyRef! }))));

  it('the environments read everything from existingSecret and render no Secret', () => {
    expect(find(prod.docs, 'Secret')).toHaveLength(0);
    expect(find(dev.docs, 'Secret')).toHaveLength(0);
    expect(new Set(secretRefs(dev.docs).map((r) => r.name))).toEqual(new Set(['case-assigner-runtime']));
    const refs = secretRefs(prod.docs);
    expect(new Set(refs.map((r) => r.name))).toEqual(new Set(['case-assigner-runtime']));
    expect(new Set(refs.map((r) => r.workload))).toEqual(new Set(['ca-case-assigner-api', 'ca-case-assigner-assign', 'ca-case-assigner-migrate']));
    expect(refs.find((r) => r.env === 'DATABASE_URL')?.optional).toBe(false);
  });

  it('a token the settings reference (tokenEnv) is a required Secret key; others stay optional', () => {
    const api = secretRefs(prod.docs).filter((r) => r.workload === 'ca-case-assigner-api');
    expect(api.find((r) => r.env === 'QUEUE_API_TOKEN')?.optional).toBe(false);
    expect(api.find((r) => r.env === 'ASSIGNMENT_API_TOKEN')?.optional).toBe(false);
    const devApi = secretRefs(dev.docs).filter((r) => r.workload === 'ca-case-assigner-api');
    expect(devApi.find((r) => r.env === 'QUEUE_API_TOKEN')?.optional).toBe(true); // simulated queue: no token
  });

  it('a local cluster gets its Secret rendered only when asked, as an earlier hook than the migrate Job', () => {
    const secret = one(local.docs, 'Secret');
    expect(secret.metadata.name).toBe('ca-case-assigner-dev');
    expect(Object.keys(secret.stringData)).toEqual(['DATABASE_URL']);
    const job = one(local.docs, 'Job', '-migrate');
    expect(secret.metadata.annotations?.['helm.sh/hook']).toBe(job.metadata.annotations?.['helm.sh/hook']);
    expect(Number(secret.metadata.annotations?.['helm.sh/hook-weight'])).toBeLessThan(Number(job.metadata.annotations?.['helm.sh/hook-weight']));
    expect(new Set(secretRefs(local.docs).map((r) => r.name))).toEqual(new Set(['ca-case-assigner-dev']));
  });
});

describe('networking', () => {
  it('the Service exposes http and a named metrics port, both to the api pods', () => {
    const svc = one(prod.docs, 'Service', '-case-assigner');
    const api = one(prod.docs, 'Deployment', '-api');
    expect(svc.spec.selector).toEqual(api.spec.selector.matchLabels);
    expect(svc.spec.ports.map((p: { name: string; targetPort: string }) => [p.name, p.targetPort])).toEqual([
      ['http', 'http'],
      ['metrics', 'metrics'],
    ]);
  });

  it('the NetworkPolicy admits the http port only from the ingress controller; the metrics port from the release\'s pods and Prometheus', () => {
    const np = one(prod.docs, 'NetworkPolicy', '-case-assigner');
    expect(np.spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'case-assigner', 'app.kubernetes.io/instance': 'ca' });
    // The proxy has its own policy: this one must not widen what reaches it.
    expect(np.spec.podSelector.matchExpressions).toEqual([{ key: 'app.kubernetes.io/component', operator: 'NotIn', values: ['oauth2-proxy'] }]);
    expect(np.spec.policyTypes).toEqual(['Ingress']); // egress open unless rules are given
    const peers = (rule: { from: { namespaceSelector?: { matchLabels: Record<string, string> } }[] }) => rule.from.map((p) => p.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] ?? 'release pods');
    expect(np.spec.ingress.map((r: { ports: unknown }) => r.ports)).toEqual([[{ port: 'http', protocol: 'TCP' }], [{ port: 'metrics', protocol: 'TCP' }]]);
    expect(peers(np.spec.ingress[0])).toEqual(['traefik']);
    expect(peers(np.spec.ingress[1])).toEqual(['release pods', 'monitoring']);
    expect(find(dev.docs, 'NetworkPolicy')).toHaveLength(0);
  });

  it('the Ingress uses the traefik class, the internal host and its TLS Secret', () => {
    const ing = one(prod.docs, 'Ingress', '-case-assigner');
    expect(ing.spec.ingressClassName).toBe('traefik');
    expect(ing.spec.tls).toEqual([{ hosts: ['case-assigner.prod.internal.example'], secretName: 'internal-wildcard-tls' }]);
    expect(ing.spec.rules[0].host).toBe('case-assigner.prod.internal.example');
    expect(ing.spec.rules[0].http.paths[0].backend.service).toEqual({ name: one(prod.docs, 'Service', '-case-assigner').metadata.name, port: { name: 'http' } });
  });
});

describe('authentication (auth.mode forward-auth behind the Ingress)', () => {
  const selects = (selector: Record<string, string>, d: Manifest) => Object.entries(selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v);
  const proxy = (docs: Manifest[]) => one(docs, 'Deployment', '-oauth2-proxy');

  it.each([['dev', () => dev.docs], ['prod', () => prod.docs]])('%s: the Ingress runs every request through the Traefik ForwardAuth middleware, which asks the oauth2-proxy', (_env, get) => {
    const docs = get();
    const middleware = one(docs, 'Middleware');
    expect(middleware.apiVersion).toBe('traefik.io/v1alpha1');
    expect(one(docs, 'Ingress', '-case-assigner').metadata.annotations?.['traefik.ingress.kubernetes.io/router.middlewares']).toBe(`support-${middleware.metadata.name}@kubernetescrd`);
    const svc = one(docs, 'Service', '-oauth2-proxy');
    expect(middleware.spec.forwardAuth.address).toBe(`http://${svc.metadata.name}.support.svc:4180/`);
    // The header the tool trusts is one Traefik overwrites from the proxy's answer.
    expect(middleware.spec.forwardAuth.authResponseHeaders).toContain('X-Auth-Request-Email');
    expect(middleware.spec.forwardAuth.trustForwardHeader).toBeUndefined();
    expect(selects(svc.spec.selector, proxy(docs))).toBe(true);
  });

  it('the tool runs with api.auth.mode forward-auth and the same header, and its settings schema accepts that', () => {
    const { parseSettings } = require(join(ROOT, 'app', 'src', 'settings')) as { parseSettings: (input: unknown, source?: string) => { api: { auth: { mode: string; userHeader: string } } } };
    for (const r of [dev, prod]) {
      const settings = parseSettings(parseYaml(one(r.docs, 'ConfigMap', '-settings').data['settings.yaml']), 'settings.yaml');
      expect(settings.api.auth).toEqual(expect.objectContaining({ mode: 'forward-auth', userHeader: 'X-Auth-Request-Email' }));
      expect(one(r.docs, 'Middleware').spec.forwardAuth.authResponseHeaders).toContain(settings.api.auth.userHeader);
    }
    const local = parseYaml(one(render(bin, [DEV_VALUES, LOCAL_VALUES]).docs, 'ConfigMap', '-settings').data['settings.yaml']);
    expect(local.api.auth.mode).toBe('none');
  });

  it('oauth2-proxy: pinned by digest, Entra ID issuer from the tenant, callback on the tool\'s host, secrets only from the existing Secret', () => {
    const c = podSpec(proxy(prod.docs)).containers[0];
    expect(c.image).toMatch(/^quay\.io\/oauth2-proxy\/oauth2-proxy@sha256:[a-f0-9]{64}$/);
    expect(c.args).toEqual(expect.arrayContaining([
      '--provider=entra-id',
      '--oidc-issuer-url=https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0',
      '--client-id=66666666-7777-8888-9999-000000000000',
      '--redirect-url=https://case-assigner.prod.internal.example/oauth2/callback',
      '--reverse-proxy=true',
      '--upstream=static://202',
      '--set-xauthrequest=true',
      '--cookie-secure=true',
    ]));
    expect(c.args.filter((a: string) => /secret/i.test(a))).toEqual([]);
    expect(c.env).toEqual([
      { name: 'OAUTH2_PROXY_CLIENT_SECRET', valueFrom: { secretKeyRef: { name: 'case-assigner-oauth2-proxy', key: 'client-secret' } } },
      { name: 'OAUTH2_PROXY_COOKIE_SECRET', valueFrom: { secretKeyRef: { name: 'case-assigner-oauth2-proxy', key: 'cookie-secret' } } },
    ]);
    expect(find(prod.docs, 'Secret')).toEqual([]);
    const groups = podSpec(proxy(render(bin, PROD, { 'auth.entraId.allowedGroups[0]': 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' }).docs)).containers[0].args;
    expect(groups).toContain('--allowed-group=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee');
  });

  it('the proxy\'s own routes (/oauth2: callback, sign-out) are a second Ingress on the host, without the middleware', () => {
    const ing = one(prod.docs, 'Ingress', '-oauth2');
    expect(ing.metadata.annotations?.['traefik.ingress.kubernetes.io/router.middlewares']).toBeUndefined();
    expect(ing.spec.rules).toEqual([{ host: 'case-assigner.prod.internal.example', http: { paths: [{ path: '/oauth2', pathType: 'Prefix', backend: { service: { name: one(prod.docs, 'Service', '-oauth2-proxy').metadata.name, port: { name: 'http' } } } }] } }]);
    expect(ing.spec.tls).toEqual(one(prod.docs, 'Ingress', '-case-assigner').spec.tls);
  });

  it('only the ingress controller reaches the proxy; the tool\'s Service, PDB and NetworkPolicy never select its pods', () => {
    const np = one(prod.docs, 'NetworkPolicy', '-oauth2-proxy');
    expect(selects(np.spec.podSelector.matchLabels, proxy(prod.docs))).toBe(true);
    expect(np.spec.ingress).toEqual([{ ports: [{ port: 'http', protocol: 'TCP' }], from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'traefik' } } }] }]);
    const labels = proxy(prod.docs).spec.template.metadata.labels;
    expect(selects(one(prod.docs, 'Service', '-case-assigner').spec.selector, proxy(prod.docs))).toBe(false);
    expect(selects(one(prod.docs, 'PodDisruptionBudget', '-api').spec.selector.matchLabels, proxy(prod.docs))).toBe(false);
    expect(selects(one(prod.docs, 'PodDisruptionBudget', '-oauth2-proxy').spec.selector.matchLabels, proxy(prod.docs))).toBe(true);
    expect(one(prod.docs, 'NetworkPolicy', '-case-assigner').spec.podSelector.matchExpressions[0].values).toContain(labels['app.kubernetes.io/component']);
    // No peers given: the proxy admits nobody (an empty `from` would admit everyone).
    expect(one(render(bin, PROD, { 'networkPolicy.ingressFrom': 'null' }).docs, 'NetworkPolicy', '-oauth2-proxy').spec.ingress).toEqual([]);
  });

  it('a middleware the values name still runs, after the sign-in', () => {
    const { docs } = render(bin, PROD, { 'ingress.annotations.traefik\\.ingress\\.kubernetes\\.io/router\\.middlewares': 'support-headers@kubernetescrd' });
    expect(one(docs, 'Ingress', '-case-assigner').metadata.annotations?.['traefik.ingress.kubernetes.io/router.middlewares']).toBe('support-ca-case-assigner-auth@kubernetescrd,support-headers@kubernetescrd');
  });

  it('bearer mode: no proxy, no middleware; the tool checks tokens itself', () => {
    const { docs } = render(bin, PROD, { 'auth.mode': 'bearer', 'settings.api.auth.tokensFile': '/var/run/secrets/api/tokens' });
    expect(find(docs, 'Middleware')).toEqual([]);
    expect(find(docs, 'Deployment', '-oauth2-proxy')).toEqual([]);
    expect(parseYaml(one(docs, 'ConfigMap', '-settings').data['settings.yaml']).api.auth).toEqual({ mode: 'bearer', tokensFile: '/var/run/secrets/api/tokens' });
  });
});

describe('monitoring', () => {
  it('the ServiceMonitor scrapes the Service\'s metrics port at /metrics, with the configured interval and labels', () => {
    const sm = one(prod.docs, 'ServiceMonitor');
    const svc = one(prod.docs, 'Service', '-case-assigner');
    expect(selects(sm, svc)).toBe(true);
    expect(svc.spec.ports.map((p: { name: string }) => p.name)).toContain(sm.spec.endpoints[0].port);
    expect(sm.spec.jobLabel).toBe('app.kubernetes.io/instance'); // job="<release>" for the dashboard and alerts
    expect(sm.spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s', scrapeTimeout: '10s' }]);
    expect(sm.spec.namespaceSelector).toEqual({ matchNames: ['support'] });
    expect(sm.metadata.labels?.release).toBe('kube-prometheus-stack');
    expect(sm.metadata.annotations?.['argocd.argoproj.io/sync-options']).toBe('SkipDryRunOnMissingResource=true');
    expect(find(render(bin, PROD, { 'metrics.serviceMonitor.enabled': 'false' }).docs, 'ServiceMonitor')).toHaveLength(0);
  });

  it('the Grafana dashboard ConfigMap carries grafana_dashboard: "1" and a dashboard over the tool\'s metrics', () => {
    const cm = one(prod.docs, 'ConfigMap', '-dashboard');
    expect(cm.metadata.labels?.grafana_dashboard).toBe('1');
    const dash = JSON.parse(cm.data['case-assigner.json']);
    expect(dash.uid).toBe('case-assigner');
    const exprs: string[] = dash.panels.flatMap((p: { targets: { expr: string }[] }) => p.targets.map((t) => t.expr));
    const titles: string[] = dash.panels.map((p: { title: string }) => p.title);
    for (const metric of [
      'case_assigner_assignments_total',
      'case_assigner_queue_depth',
      'case_assigner_oldest_unassigned_age_seconds',
      'case_assigner_unassignable_cases',
      'case_assigner_cycle_duration_seconds_bucket',
      'case_assigner_last_successful_cycle_timestamp_seconds',
    ]) {
      expect(exprs.some((e) => e.includes(metric))).toBe(true);
    }
    expect(exprs.some((e) => /sum by \(engineer\)/.test(e))).toBe(true);
    expect(exprs.some((e) => /sum by \(product\)/.test(e))).toBe(true);
    expect(titles).toEqual(expect.arrayContaining(['Queue depth', 'Oldest unassigned', 'Unassignable', 'Since last successful cycle', 'Assignment cycle duration']));
    // Every query selects the release through the dashboard variables, with balanced brackets (no promtool offline).
    for (const e of exprs) {
      expect({ e, release: /job="\$release"|job_name=~"\$release/.test(e) }).toEqual({ e, release: true });
      let depth = 0;
      for (const ch of e.replace(/"[^"]*"/g, '""')) {
        depth += '({['.includes(ch) ? 1 : ')}]'.includes(ch) ? -1 : 0;
        expect(depth).toBeGreaterThanOrEqual(0);
      }
      expect({ e, depth }).toEqual({ e, depth: 0 });
    }
    expect(dash.templating.list.map((v: { name: string }) => v.name)).toEqual(['datasource', 'namespace', 'release']);
    // Panels do not overlap on the 24-column grid.
    const cells = new Set<string>();
    for (const { gridPos: g } of dash.panels as { gridPos: { x: number; y: number; w: number; h: number } }[]) {
      expect(g.x + g.w).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x++) for (let y = g.y; y < g.y + g.h; y++) {
        expect(cells.has(`${x},${y}`)).toBe(false);
        cells.add(`${x},${y}`);
      }
    }
    expect(find(render(bin, PROD, { 'metrics.dashboard.enabled': 'false' }).docs, 'ConfigMap', '-dashboard')).toHaveLength(0);
  });

  it('every case_assigner_* series used by the dashboard and the alerts is one the tool exports', () => {
    const source = readFileSync(join(ROOT, 'app', 'src', 'metrics.ts'), 'utf8');
    const exported = new Set([...source.matchAll(/name: '(case_assigner_[a-z_]+)'/g)].map((m) => m[1]));
    expect(exported.size).toBeGreaterThan(5);
    const dashboard = readFileSync(join(CHART, 'files', 'dashboard.json'), 'utf8');
    const rules = JSON.stringify(one(prod.docs, 'PrometheusRule').spec);
    const used = new Set([...`${dashboard}\n${rules}`.matchAll(/case_assigner_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, '')));
    expect([...used].filter((m) => !exported.has(m))).toEqual([]);
  });
});

describe('labels and notes', () => {
  it('every resource carries the standard labels', () => {
    for (const d of prod.docs) {
      expect({ name: `${d.kind}/${d.metadata.name}`, labels: d.metadata.labels }).toEqual({
        name: `${d.kind}/${d.metadata.name}`,
        labels: expect.objectContaining({
          'app.kubernetes.io/name': 'case-assigner',
          'app.kubernetes.io/instance': 'ca',
          'app.kubernetes.io/version': '0.1.0',
          'app.kubernetes.io/managed-by': 'Helm',
          'helm.sh/chart': 'case-assigner-0.1.0',
        }),
      });
    }
  });

  it('helm test pod (Argo CD: PostSync hook) checks /readyz and /metrics through the Service', () => {
    const pod = one(prod.docs, 'Pod', '-test');
    expect(pod.metadata.annotations?.['helm.sh/hook']).toBe('test');
    // Argo CD skips Helm test hooks; its own annotation turns the pod into a post-sync smoke test there.
    expect(pod.metadata.annotations?.['argocd.argoproj.io/hook']).toBe('PostSync');
    expect(pod.spec.containers[0].args[0]).toContain("'http://ca-case-assigner:9464'");
    expect(pod.spec.containers[0].args[0]).toContain('/readyz');
  });

  it('NOTES.txt tells how to reach the tool and run a cycle now', () => {
    // `helm install --dry-run` needs a cluster; render NOTES.txt through a copy of the chart that wraps it in a ConfigMap.
    const copy = mkdtempSync(join(tmpdir(), 'chart-notes-'));
    try {
      cpSync(CHART, copy, { recursive: true });
      const notes = readFileSync(join(copy, 'templates', 'NOTES.txt'), 'utf8');
      rmSync(join(copy, 'templates', 'NOTES.txt'));
      writeFileSync(join(copy, 'templates', '_notes.tpl'), `{{- define "test.notes" -}}\n${notes}{{- end }}\n`);
      writeFileSync(join(copy, 'templates', 'notes.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: |\n    {{- include "test.notes" . | nindent 4 }}\n');
      const r = helm(bin, ['template', 'ca', copy, '-n', 'support', '-f', PROD_VALUES, '-f', PLATFORM_AUTH_VALUES, '--show-only', 'templates/notes.yaml']);
      expect(r.stderr).toBe('');
      const text = (parseYaml(r.stdout) as { data: { notes: string } }).data.notes;
      expect(text).toContain('https://case-assigner.prod.internal.example/');
      expect(text).toContain('redirect URI must be https://case-assigner.prod.internal.example/oauth2/callback');
      expect(text).toContain('kubectl -n support create job --from=cronjob/ca-case-assigner-assign');
      expect(text).toContain('Secret "case-assigner-runtime"');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

describe('packaging and cluster version', () => {
  it('helm package ships templates, schema and dashboard, but not the CI/environment values or lint config', () => {
    const out = mkdtempSync(join(tmpdir(), 'chart-package-'));
    try {
      const r = helm(bin, ['package', CHART, '--destination', out]);
      expect(r.status).toBe(0);
      const tgz = join(out, 'case-assigner-0.1.0.tgz');
      const list = spawnSync('tar', ['-tzf', tgz], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
      expect(list).toEqual(expect.arrayContaining(['case-assigner/Chart.yaml', 'case-assigner/values.yaml', 'case-assigner/values.schema.json', 'case-assigner/files/dashboard.json', 'case-assigner/templates/NOTES.txt']));
      expect(list.filter((f) => f.includes('/ci/') || f.endsWith('.yamllint'))).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('refuses clusters older than 1.27 (CronJob timeZone, PDB unhealthyPodEvictionPolicy)', () => {
    const old = helm(bin, ['template', 'ca', CHART, '-f', PROD_VALUES, '-f', PLATFORM_AUTH_VALUES, '--kube-version', '1.26.0']);
    expect(old.status).not.toBe(0);
    expect(old.stderr).toMatch(/chart requires kubeVersion: >=1\.27\.0-0 which is incompatible with Kubernetes v1\.26\.0/);
    expect(helm(bin, ['template', 'ca', CHART, '-f', PROD_VALUES, '-f', PLATFORM_AUTH_VALUES, '--kube-version', '1.27.0']).status).toBe(0);
  });
});

