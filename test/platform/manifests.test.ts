/**
 * The objects Terraform installs through the local platform-manifests chart: the metadata-service block and the
 * workload's Argo CD Application. Rendered with a real Helm 3 and validated with kubernetes-models (ESM-only, so
 * through scripts/validate-manifests.mjs in a child process).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { AZURE_IMDS_EXEMPTIONS, blockedPodsSelector, IMDS_CIDR, metadataEgressPolicy } from '../../constructs/platform/metadata-egress-policy';
import { CHART, helm, setupHelm, validate } from '../charts/helm';
import { built, Json, releases } from './fixtures';

let helmBin: string;
beforeAll(() => {
  helmBin = setupHelm();
});

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'platform-manifests-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const rendered = new Map<string, { text: string; docs: Json[] }>();
/** `helm template` of a synthesized manifests release, exactly as Terraform would install it (rendered once). */
function renderRelease(env: 'dev' | 'prod', name: string): { text: string; docs: Json[] } {
  const key = `${env}/${name}`;
  if (!rendered.has(key)) rendered.set(key, renderReleaseUncached(env, name));
  return rendered.get(key)!;
}

function renderReleaseUncached(env: 'dev' | 'prod', name: string): { text: string; docs: Json[] } {
  const { json, stackDir } = built(env);
  const release = releases(json)[name]!;
  const valuesFile = path.join(tmp, `${env}-${name}.yaml`);
  fs.writeFileSync(valuesFile, release.values[0] as string);
  const chart = path.join(stackDir, release.chart as string);
  const lint = helm(helmBin, ['lint', chart, '-f', valuesFile]);
  expect(lint.stderr + lint.stdout).toMatch(/0 chart\(s\) failed/);
  const r = helm(helmBin, ['template', name, chart, '--namespace', 'kube-system', '-f', valuesFile]);
  if (r.status !== 0) throw new Error(r.stderr);
  return { text: r.stdout, docs: parseAllDocuments(r.stdout).map((d) => d.toJS() as Json).filter(Boolean) };
}

const policyOf = (env: 'dev' | 'prod'): Json => parse(releases(built(env).json)['cluster-policies']!.values[0]).manifests[0];

describe.each(['dev', 'prod'] as const)('%s: cluster-wide block of pod egress to the instance metadata service', (env) => {
  test('a Tier ahead of the default tier, then (a separate release, after it) a GlobalNetworkPolicy in that tier', () => {
    const tier = renderRelease(env, 'cluster-policy-tier').docs;
    const policy = renderRelease(env, 'cluster-policies').docs;
    expect(tier.map((d) => `${d.apiVersion} ${d.kind}`)).toEqual(['projectcalico.org/v3 Tier']);
    expect(policy.map((d) => `${d.apiVersion} ${d.kind}`)).toEqual(['projectcalico.org/v3 GlobalNetworkPolicy']);
    expect(tier[0]!.spec.order).toBeLessThan(1000);
    expect(policy[0]!.spec.tier).toBe(tier[0]!.metadata.name);
    expect(policy[0]!.metadata.name.startsWith(`${tier[0]!.metadata.name}.`)).toBe(true);
    const all = releases(built(env).json);
    expect(all['cluster-policies']!.depends_on).toEqual([expect.stringMatching(/^helm_release\.cluster-policy-tier_release/)]);
  });

  test('egress to 169.254.169.254/32 is denied first; everything else passes on to the namespaces\' own policies', () => {
    const spec = renderRelease(env, 'cluster-policies').docs[0]!.spec;
    expect(spec.types).toEqual(['Egress']);
    expect(spec.egress).toEqual([{ action: 'Deny', destination: { nets: [IMDS_CIDR] } }, { action: 'Pass' }]);
    expect(spec).not.toHaveProperty('ingress');
  });
});

test('dev (no cloud components) blocks every pod; prod exempts exactly the cloud controller manager and the Azure Disk CSI driver', () => {
  const dev = policyOf('dev');
  const prod = policyOf('prod');
  expect(dev.spec.selector).toBe('all()');
  expect(prod.spec.selector).toBe(blockedPodsSelector(AZURE_IMDS_EXEMPTIONS));
  for (const e of AZURE_IMDS_EXEMPTIONS) expect(prod.spec.selector).toContain(`(projectcalico.org/namespace == 'kube-system' && ${e.selector})`);
  expect(prod.spec.selector.startsWith('!(')).toBe(true);
});

describe('exemption selectors', () => {
  test('are scoped to their namespace', () => {
    expect(blockedPodsSelector([{ namespace: 'kube-system', selector: "app == 'x'", reason: 'r' }])).toBe("!((projectcalico.org/namespace == 'kube-system' && app == 'x'))");
  });
  test.each([
    [{ namespace: 'Kube_System', selector: "app == 'x'", reason: 'r' }, /not a Kubernetes namespace/],
    [{ namespace: 'kube-system', selector: ' ', reason: 'r' }, /not a single Calico selector/],
    [{ namespace: 'kube-system', selector: "app == 'x'; all()", reason: 'r' }, /not a single Calico selector/],
  ])('reject %j', (exemption, message) => {
    expect(() => metadataEgressPolicy([exemption])).toThrow(message);
  });
});

describe.each(['dev', 'prod'] as const)('%s: the Argo CD Application of the case-assignment tool', (env) => {
  const rendered = () => renderRelease(env, 'gitops-bootstrap');
  const application = () => ({ text: rendered().text, docs: rendered().docs.filter((d) => d.kind === 'Application') });

  /** The tool's chart rendered with the Application's values files plus the platform's values, as Argo CD would. */
  const renderWorkload = (): { text: string; docs: Json[] } => {
    const app = application().docs[0]!;
    const files = (app.spec.source.helm.valueFiles as string[]).map((f) => path.join(CHART, f));
    for (const f of files) expect(fs.existsSync(f)).toBe(true);
    const platformValues = path.join(tmp, `${env}-app-values.yaml`);
    fs.writeFileSync(platformValues, stringify(app.spec.source.helm.valuesObject));
    const args = ['template', 'case-assigner', CHART, '--namespace', app.spec.destination.namespace];
    for (const f of [...files, platformValues]) args.push('-f', f);
    const r = helm(helmBin, args);
    if (r.status !== 0) throw new Error(r.stderr);
    return { text: r.stdout, docs: parseAllDocuments(r.stdout).map((d) => d.toJS() as Json).filter(Boolean) };
  };

  test('an AppProject fences the tool in: this repository only, its namespace only, no cluster-scoped kind but Namespace', () => {
    const gitops = built(env).stack.config.platform.gitops!;
    const [project] = rendered().docs.filter((d) => d.kind === 'AppProject');
    expect(project!.spec).toMatchObject({
      sourceRepos: [gitops.repoURL],
      destinations: [{ server: 'https://kubernetes.default.svc', namespace: gitops.namespace }],
      clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
    });
    expect(application().docs[0]!.spec.project).toBe(project!.metadata.name);
  });

  test('points at the chart in this repository with the environment\'s values, syncs with a non-blocking finalizer', () => {
    const app = application().docs[0]!;
    const gitops = built(env).stack.config.platform.gitops!;
    expect(app.kind).toBe('Application');
    expect(app.spec.source).toMatchObject({ repoURL: gitops.repoURL, targetRevision: gitops.targetRevision, path: 'charts/case-assigner', helm: { valueFiles: gitops.valueFiles } });
    expect(app.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: gitops.namespace });
    expect(app.metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io/background']);
    expect(app.spec.syncPolicy.syncOptions).toContain('CreateNamespace=true');
  });

  test('the chart renders with those values: ingress on the internal host with the default certificate, monitors, dashboard', () => {
    const { docs } = renderWorkload();
    const ingress = docs.find((d) => d.kind === 'Ingress' && d.metadata.name === 'case-assigner')!;
    const { cluster } = built(env).stack.config;
    expect(ingress.spec.rules[0].host).toBe(`${(cluster.ingress.hosts as Record<string, string>).cases}.${cluster.dns.zoneName}`);
    expect(ingress.spec.ingressClassName).toBe('traefik');
    expect(ingress.spec.tls).toBeUndefined(); // Traefik's default certificate covers *.<zone>
    expect(docs.some((d) => d.kind === 'ServiceMonitor')).toBe(true);
    expect(docs.some((d) => d.kind === 'ConfigMap' && d.metadata.labels?.grafana_dashboard === '1')).toBe(true);
  });

  test('kubernetes-models: the Application, the rendered workload and the policies are valid; only Calico\'s kinds have no schema', () => {
    const text = [application().text, renderWorkload().text, renderRelease(env, 'cluster-policy-tier').text, renderRelease(env, 'cluster-policies').text].join('\n---\n');
    // The sign-in Middleware against the CRD of the Traefik chart the platform installs.
    const crds = path.join(tmp, 'traefik-middlewares.yaml');
    fs.writeFileSync(crds, execFileSync('tar', ['-xzOf', path.join(CHART, '..', 'upstream', 'traefik-41.0.2.tgz'), 'traefik/crds/traefik.io_middlewares.yaml'], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }));
    const result = validate(text, ['--allow-unknown-kinds', `--crds=${crds}`]);
    expect(result.problems).toEqual([]);
    expect(result.warnings.map((w) => `${w.kind}: ${w.message}`)).toEqual([expect.stringMatching(/^Tier: no schema/), expect.stringMatching(/^GlobalNetworkPolicy: no schema/)]);
    expect(renderWorkload().docs.map((d) => d.kind)).toContain('Middleware');
  });
});
