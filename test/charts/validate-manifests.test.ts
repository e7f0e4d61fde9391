// scripts/validate-manifests.mjs on hand-written manifests: each check with a compliant and a failing case.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, validate } from './helm';

const deployment = (spec: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
${spec}`;

const GOOD_DEPLOYMENT = deployment(`  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web }, annotations: { anything: goes } }
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports: [{ name: http, containerPort: 8080 }]
          livenessProbe: { httpGet: { path: /healthz, port: http } }
          securityContext: { capabilities: { drop: [ALL] } }
`);

const GOOD_CRDS = `apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: { name: web, labels: { release: kps } }
spec:
  selector: { matchLabels: { app: web } }
  endpoints: [{ port: metrics, interval: 30s }]
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: web, namespace: argocd }
spec:
  project: default
  destination: { server: https://kubernetes.default.svc, namespace: web }
  source:
    repoURL: https://git.example/repo.git
    path: charts/web
    helm: { valuesObject: { free: { form: [1, 2] } } }
`;

// The validator's child processes are slow to start (TypeScript and the models load); batch several cases per run.
describe('validate-manifests.mjs', () => {
  it('accepts valid core and CRD manifests (free-form maps included) and the Application example in docs/chart.md', () => {
    const docExample = /```yaml\n(apiVersion: argoproj\.io\/v1alpha1\nkind: Application\n[\s\S]*?)```/.exec(readFileSync(join(ROOT, 'docs', 'chart.md'), 'utf8'))?.[1];
    expect(docExample).toBeDefined();
    const r = validate(`${GOOD_DEPLOYMENT}---\n${GOOD_CRDS}---\n# only a comment\n---\n${docExample}`);
    expect(r.problems).toEqual([]);
    expect(r.status).toBe(0);
    expect(r.documents).toBe(4);
  });

  it('reports schema errors, unknown fields at any depth, duplicates and unknown kinds, each with kind/name/path', () => {
    const bad = deployment(`  replica: 2
  selector: { matchLabels: { app: web } }
  template:
    spec:
      containers:
        - name: web
          image: nginx
          imagePullPolicy: Sometimes
          livenessprobe: { httpGet: { path: /, port: 80 } }
          ports: [{ containerPort: "80" }]
          securityContext: { capabilities: { dropp: [ALL] } }
`);
    const text = [
      bad,
      GOOD_CRDS.replace('interval: 30s', 'intervall: 30s'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\n',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\n',
      'apiVersion: traefik.io/v1alpha1\nkind: IngressRoute\nmetadata: { name: r }\n',
      'kind: Service\nmetadata: { name: x }\n',
      'apiVersion: v1\nkind: Service\nmetadata: { labels: { a: b } }\nspec: {}\n',
    ].join('---\n');
    const r = validate(text);
    expect(r.status).toBe(1);
    const lines = r.problems.map((p) => `${p.kind}/${p.name} ${p.path}: ${p.message.split(' (')[0]}`);
    expect(lines).toEqual([
      'Deployment/web .spec.template.spec.containers[0].imagePullPolicy: must be equal to one of the allowed values',
      'Deployment/web .spec.template.spec.containers[0].ports[0].containerPort: must be integer',
      'Deployment/web .spec.replica: unknown field',
      'Deployment/web .spec.template.spec.containers[0].livenessprobe: unknown field',
      'Deployment/web .spec.template.spec.containers[0].securityContext.capabilities.dropp: unknown field',
      'ServiceMonitor/web .spec.endpoints[0].intervall: unknown field',
      'ConfigMap/web .metadata.name: duplicate of stdin#4',
      'IngressRoute/r (root): no schema for traefik.io/v1alpha1 IngressRoute',
      'Service/x (root): apiVersion and kind are required strings',
      'Service/? .metadata.name: required field is missing',
    ]);
    expect(r.problems[0].where).toBe('stdin#1');
    // The field shapes come from a cache after the first run; building them afresh gives the same findings.
    expect(validate(text, [], { VALIDATE_MANIFESTS_CACHE: '0' }).problems).toEqual(r.problems);
  });

  it('--allow-unknown-kinds turns a missing schema into a warning; YAML syntax errors are problems', () => {
    const r = validate('apiVersion: traefik.io/v1alpha1\nkind: IngressRoute\nmetadata: { name: r }\n', ['--allow-unknown-kinds']);
    expect(r.status).toBe(0);
    expect(r.warnings.map((w) => w.kind)).toEqual(['IngressRoute']);
    const broken = validate('apiVersion: v1\nkind: ConfigMap\nmetadata: { name: [unclosed\n');
    expect(broken.status).toBe(1);
    expect(broken.problems[0].message).toMatch(/^YAML: /);
  });

  it('reads files, names them (with the helm "# Source:" template) in its text output, and exits 2 on bad usage', () => {
    const dir = mkdtempSync(join(tmpdir(), 'validate-'));
    try {
      const file = join(dir, 'rendered.yaml');
      writeFileSync(file, `---\n# Source: web/templates/deployment.yaml\n${GOOD_DEPLOYMENT.replace('replicas: 2', 'replicas: two')}`);
      const script = join(ROOT, 'scripts', 'validate-manifests.mjs');
      const r = spawnSync(process.execPath, [script, file], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stdout).toContain(`${file}#1 (web/templates/deployment.yaml) Deployment/web .spec.replicas: must be integer`);
      expect(r.stdout).toMatch(/1 document\(s\), 1 problem\(s\)/);
      expect(spawnSync(process.execPath, [script, '--frobnicate', file], { encoding: 'utf8' }).status).toBe(2);
      expect(spawnSync(process.execPath, [script, join(dir, 'missing.yaml')], { encoding: 'utf8' }).status).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('validate-manifests.mjs --crds (custom resources against their CRD\'s OpenAPI schema)', () => {
  const CRD = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.io' },
    spec: {
      group: 'example.io',
      names: { kind: 'Widget', plural: 'widgets' },
      scope: 'Namespaced',
      versions: [{
        name: 'v1', served: true, storage: true,
        schema: { openAPIV3Schema: { type: 'object', required: ['spec'], properties: { spec: { type: 'object', required: ['size'], properties: {
          size: { type: 'string', enum: ['small', 'large'] },
          port: { 'x-kubernetes-int-or-string': true },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          note: { type: 'string', pattern: '(?i)^ok$' },
          free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        } } } } },
      }],
    },
  };
  const widget = (spec: string) => `apiVersion: example.io/v1\nkind: Widget\nmetadata: { name: w, namespace: n }\nspec:\n${spec}`;

  it('accepts a valid resource (int-or-string, free-form maps, RE2 (?i) patterns, nulls the API server prunes) and reports schema errors and pruned fields', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crds-'));
    try {
      const crds = join(dir, 'crds.json');
      writeFileSync(crds, JSON.stringify([CRD]));
      const good = validate(widget('  size: small\n  port: http\n  labels: { a: b, c: }\n  note: OK\n  free: { any: { thing: 1 } }\n'), [`--crds=${crds}`]);
      expect(good.problems).toEqual([]);
      const bad = validate(widget('  size: medium\n  sise: small\n  labels: { a: 1 }\n  note: nope\n'), [`--crds=${crds}`]);
      expect(bad.problems.map((p) => `${p.path}: ${p.message.split(' (')[0]}`)).toEqual([
        '.spec.size: must be equal to one of the allowed values',
        '.spec.labels.a: must be string',
        '.spec.note: must match pattern "^[oO][kK]$"',
        '.spec.sise: unknown field',
      ]);
      // Without the CRD the kind has no schema at all.
      expect(validate(widget('  size: small\n')).problems[0]!.message).toMatch(/no schema for example\.io\/v1 Widget/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
