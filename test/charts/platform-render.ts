/**
 * Renders every helm_release of `<env>-platform` the way a first apply installs it: the chart file the release
 * names (the archive shipped as a stack asset), exactly the values synthesized into cdk.tf.json (Terraform
 * references resolved from the other stacks' synthesized configuration), `--kube-version` = the cluster's version
 * and `--api-versions` = the CRDs the releases it depends on have installed (plus its own crds/ directory, which
 * Helm installs first). Then checks the result: Helm's own schema enforcement, values keys unknown to the chart,
 * rendered objects against kubernetes-models / the CRDs' OpenAPI schemas (scripts/validate-manifests.mjs), custom
 * resources whose CRD is not installed before the release, and Pod Security levels of the target namespaces.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Testing } from 'cdktf';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { loadEnvironments } from '../../config';
import { buildApp } from '../../stacks/app';
import { podSecurityViolations, PodSecurityLevel } from './pod-security';
import { Manifest, podSpec, ROOT, setupHelm } from './helm';

const run = promisify(execFile);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

/** Stand-in for values Terraform only knows at apply (passwords, hashes): Helm sees a string where one goes. */
export const SENSITIVE_PLACEHOLDER = 'sensitive-value-set-at-apply';
/** Stand-in for a reference this harness cannot compute from configuration (reported per release). */
export const UNRESOLVED = 'unresolved-terraform-reference';

/**
 * APIs that are served by an aggregated API server a release starts (no CRD): the release that provides them.
 * Calico's API server (enabled in values/calico.yaml) serves projectcalico.org/v3 once the operator has run.
 */
export const AGGREGATED_APIS: Record<string, { release: string; kinds: string[] }> = {
  'projectcalico.org/v3': { release: 'calico', kinds: ['Tier', 'GlobalNetworkPolicy', 'NetworkPolicy', 'GlobalNetworkSet', 'NetworkSet'] },
};

/** API groups served by kube-apiserver itself. */
const BUILTIN_GROUPS = new Set(['', 'apps', 'batch', 'policy', 'autoscaling', 'rbac.authorization.k8s.io', 'networking.k8s.io', 'storage.k8s.io', 'apiextensions.k8s.io', 'admissionregistration.k8s.io', 'scheduling.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'node.k8s.io', 'certificates.k8s.io', 'apiregistration.k8s.io', 'flowcontrol.apiserver.k8s.io', 'resource.k8s.io', 'authentication.k8s.io', 'authorization.k8s.io', 'events.k8s.io']);

export interface Finding {
  readonly release: string;
  readonly check: 'render' | 'lint' | 'values' | 'schema' | 'ordering' | 'pod-security' | 'references';
  readonly message: string;
}

export interface RenderedRelease {
  readonly name: string;
  readonly namespace: string;
  /** Chart file or directory, absolute. */
  readonly chart: string;
  /** The values as Helm receives them (references resolved). */
  readonly values: Json;
  readonly valuesText: string;
  readonly sensitive: string[];
  readonly ancestors: string[];
  readonly apiVersions: string[];
  readonly text: string;
  readonly docs: Manifest[];
  readonly error?: string;
  /** Chart defaults: the chart's values.yaml with every subchart's values.yaml under its key. */
  readonly defaults: Json;
}

export interface PlatformRender {
  readonly env: 'dev' | 'prod';
  readonly helm: string;
  readonly kubeVersion: string;
  readonly stacks: Record<string, Json>;
  readonly platform: Json;
  readonly releases: Record<string, RenderedRelease>;
  /** Pod Security `enforce` level per namespace (kube-system and unlabelled namespaces: privileged). */
  readonly namespaceLevels: Record<string, PodSecurityLevel>;
  readonly crds: Json[];
  /** Each Argo CD Application whose chart is in this repository, rendered as Argo CD renders it. */
  readonly applications: Record<string, { readonly namespace: string; readonly text: string; readonly docs: Manifest[] }>;
  readonly findings: Finding[];
  /** Pass-through patterns (`<chart>:<pattern>`) that matched a synthesized value: a listed one that never does is stale. */
  readonly passThroughUsed: Set<string>;
  /** Rendered text of every release, in a temporary directory (for the validator). */
  readonly dir: string;
}

/** Temporary directories this module created (synth output, extracted charts, renders): removed by cleanupRenders(). */
const temporary: string[] = [];

/** Removes every temporary directory the renders of this process created. */
export function cleanupRenders(): void {
  for (const dir of temporary.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  extracted.clear();
}

function synthesize(env: 'dev' | 'prod'): { stacks: Record<string, Json>; outdir: string } {
  const app = Testing.app();
  temporary.push(app.outdir);
  buildApp(app, loadEnvironments([env]));
  app.synth();
  const dir = path.join(app.outdir, 'stacks');
  const stacks = Object.fromEntries(fs.readdirSync(dir).map((id) => [id, JSON.parse(fs.readFileSync(path.join(dir, id, 'cdk.tf.json'), 'utf8'))]));
  return { stacks, outdir: app.outdir };
}

/** `a[0].b` / `a.b` -> value of a synthesized block (blocks with [0] are single objects in cdk.tf.json). */
function attribute(resource: Json, attr: string): unknown {
  let cur: unknown = resource;
  for (const part of attr.split('.')) {
    const m = /^([^[]+)(\[(\d+)\])?$/.exec(part);
    if (!m || cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Json)[m[1]!];
    if (m[3] !== undefined && Array.isArray(cur)) cur = cur[Number(m[3])];
  }
  return cur;
}

/**
 * Resolves Terraform references in a synthesized string the way apply will: cross-stack outputs through the other
 * stack's output value, resource attributes set in configuration, and the computed attributes whose value follows
 * from configuration (an ACR's login_server is `<name>.azurecr.io`).
 */
export function resolveReferences(text: string, stackId: string, stacks: Record<string, Json>, unresolved: string[]): string {
  return text.replace(/\$\{([^{}]+)\}/g, (whole, expr: string) => resolveExpression(expr.trim(), stackId, stacks, unresolved) ?? (unresolved.push(whole), UNRESOLVED));
}

function resolveExpression(expr: string, stackId: string, stacks: Record<string, Json>, unresolved: string[]): string | undefined {
  const stack = stacks[stackId];
  const remote = /^data\.terraform_remote_state\.cross-stack-reference-input-([^.]+)\.outputs\.([^.]+)$/.exec(expr);
  if (remote) {
    const output = stacks[remote[1]!]?.output?.[remote[2]!];
    if (!output) return undefined;
    return typeof output.value === 'string' ? resolveReferences(output.value, remote[1]!, stacks, unresolved) : undefined;
  }
  const ref = /^([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.(.+)$/.exec(expr);
  if (!ref || !stack) return undefined;
  const [, type, name, attr] = ref;
  const resource = stack.resource?.[type!]?.[name!];
  if (!resource) return undefined;
  if (type === 'azurerm_container_registry' && attr === 'login_server') return `${String(resource.name).toLowerCase()}.azurecr.io`;
  const value = attribute(resource, attr!.replace(/^metadata\[0\]/, 'metadata'));
  return typeof value === 'string' || typeof value === 'number' ? resolveReferences(String(value), stackId, stacks, unresolved) : undefined;
}

/** Transitive depends_on of every release, as release names. */
function ancestry(platform: Json): Record<string, string[]> {
  const all = (platform.resource?.helm_release ?? {}) as Record<string, Json>;
  const byAddress = new Map(Object.entries(all).map(([key, r]) => [`helm_release.${key}`, r.name as string]));
  const direct = new Map(Object.values(all).map((r) => [r.name as string, ((r.depends_on ?? []) as string[]).map((d) => byAddress.get(d)).filter((d): d is string => Boolean(d))]));
  const out: Record<string, string[]> = {};
  const visit = (name: string, seen: Set<string>) => {
    for (const d of direct.get(name) ?? []) {
      if (!seen.has(d)) {
        seen.add(d);
        visit(d, seen);
      }
    }
    return seen;
  };
  for (const name of direct.keys()) out[name] = [...visit(name, new Set())].sort();
  return out;
}

const extracted = new Map<string, string>();
/** Extracts a chart archive once per process (keyed by content); a chart directory is used as is. */
function chartDir(chart: string): string {
  if (fs.statSync(chart).isDirectory()) return chart;
  const key = createHash('sha256').update(fs.readFileSync(chart)).digest('hex').slice(0, 16);
  let dir = extracted.get(key);
  if (!dir) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), `chart-${key}-`));
    temporary.push(dir);
    execFileSync('tar', ['-xzf', chart, '-C', dir]);
    const [top] = fs.readdirSync(dir);
    dir = path.join(dir, top!);
    extracted.set(key, dir);
  }
  return dir;
}

const parsedChunks = new Map<string, Manifest | null>();
/**
 * Multi-document YAML -> objects, one document at a time with a cache keyed by the document's text: the same CRDs
 * (megabytes) come out of several releases and both environments, and parsing them is most of the harness's CPU.
 */
export function parseManifests(text: string): Manifest[] {
  const out: Manifest[] = [];
  for (const chunk of text.split(/^---[ \t]*$/m)) {
    const body = chunk.replace(/^#.*$/gm, '').trim();
    if (!body) continue;
    const key = createHash('sha1').update(body).digest('hex');
    let doc = parsedChunks.get(key);
    if (doc === undefined) {
      const value = parseAllDocuments(body, { logLevel: 'error' })[0]?.toJS() as Manifest | null | undefined;
      doc = value && typeof value === 'object' ? value : null;
      parsedChunks.set(key, doc);
    }
    // Shared, read-only objects: nothing here mutates rendered documents.
    if (doc) out.push(doc);
  }
  return out;
}

const readYaml = (file: string): Json => (fs.existsSync(file) ? ((parse(fs.readFileSync(file, 'utf8'), { logLevel: 'error' }) as Json | null) ?? {}) : {});

/** The chart's values.yaml with each subchart's defaults under its alias (recursively), as Helm merges them. */
export function chartDefaults(dir: string): Json {
  const values = readYaml(path.join(dir, 'values.yaml'));
  const deps = ((readYaml(path.join(dir, 'Chart.yaml')).dependencies ?? []) as Json[]);
  const subDir = path.join(dir, 'charts');
  if (fs.existsSync(subDir)) {
    for (const entry of fs.readdirSync(subDir)) {
      const sub = path.join(subDir, entry);
      if (!fs.statSync(sub).isDirectory()) continue;
      const name = readYaml(path.join(sub, 'Chart.yaml')).name as string;
      const key = (deps.find((d) => d.name === name)?.alias as string | undefined) ?? name;
      values[key] = deepMerge(chartDefaults(sub), (values[key] as Json | undefined) ?? {});
    }
  }
  return values;
}

function deepMerge(a: Json, b: Json): Json {
  const out: Json = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = isMap(out[k]) && isMap(v) ? deepMerge(out[k], v) : v;
  return out;
}
const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** CRDs in a chart's crds/ directories (Helm installs them before the templates), subcharts included. */
function crdsDirCrds(dir: string): Json[] {
  const out: Json[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(entry.name) && path.basename(path.dirname(p)) === 'crds') {
        for (const v of parseManifests(fs.readFileSync(p, 'utf8'))) if (v.kind === 'CustomResourceDefinition') out.push(v);
      }
    }
  };
  walk(dir);
  return out;
}

/**
 * Schemas for the aggregated APIs: Calico's projectcalico.org/v3 kinds have the same spec as their
 * crd.projectcalico.org/v1 CRDs (the API server stores them there), so those schemas validate them.
 */
function aggregatedApiSchemas(crds: Json[]): Json[] {
  const out: Json[] = [];
  for (const [gv, api] of Object.entries(AGGREGATED_APIS)) {
    const [group, version] = gv.split('/');
    for (const c of crds) {
      if (c.spec?.group !== `crd.${group}` || !api.kinds.includes(c.spec.names?.kind)) continue;
      const served = ((c.spec.versions ?? []) as Json[]).find((v) => v.served !== false);
      if (served) out.push({ ...c, metadata: { name: `${c.spec.names.plural}.${group}` }, spec: { ...c.spec, group, versions: [{ ...served, name: version }] } });
    }
  }
  return out;
}

/** `group/version` and `group/version/Kind` for every served version of the CRDs. */
function crdApiVersions(crds: Json[]): string[] {
  return crds.flatMap((c) => ((c.spec?.versions ?? []) as Json[]).filter((v) => v.served !== false).flatMap((v) => [`${c.spec.group}/${v.name}`, `${c.spec.group}/${v.name}/${c.spec.names.kind}`]));
}

/**
 * Values paths the chart passes through whole (keys below them are not chart values), `/`-separated because keys
 * may contain dots (`grafana.ini`); `*` matches one key. The value says why.
 */
export type PassThrough = Record<string, string>;

/**
 * Keys of `values` absent from the chart's defaults, as `/`-separated paths. Below a pass-through path nothing is
 * checked. Where a default is a list or a scalar and the value a map, the chart's schema (or template) is the judge.
 */
export function unknownValueKeys(values: Json, defaults: Json, passThrough: PassThrough, prefix: string[] = [], used?: Set<string>): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    const p = [...prefix, key];
    const pattern = matchingPassThrough(p, passThrough);
    if (pattern) {
      used?.add(pattern);
      continue;
    }
    if (!(key in defaults)) {
      out.push(p.join('/'));
      continue;
    }
    const d = defaults[key];
    if (isMap(value) && isMap(d)) out.push(...unknownValueKeys(value, d, passThrough, p, used));
  }
  return out;
}

function matchingPassThrough(p: string[], passThrough: PassThrough): string | undefined {
  return Object.keys(passThrough).find((pattern) => {
    const segments = pattern.split('/');
    return segments.length === p.length && segments.every((s, i) => s === '*' || s === p[i]);
  });
}

async function pool<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: Math.min(size, queue.length) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  }));
}

export interface RenderOptions {
  /** Values pass-through paths per chart name (Chart.yaml name). */
  readonly passThrough: Record<string, PassThrough>;
  /** Overrides of a release's values (merged over the synthesized ones): to prove a check fails on old values. */
  readonly edit?: Record<string, (values: Json) => Json>;
}

/** Renders and checks every release of `<env>-platform`; see the file comment. */
export async function renderPlatform(env: 'dev' | 'prod', options: RenderOptions): Promise<PlatformRender> {
  const helm = setupHelm();
  const t0 = Date.now();
  const timing: Record<string, number> = {};
  const { stacks, outdir } = synthesize(env);
  timing.synth = Date.now() - t0;
  const stackId = `${env}-platform`;
  const platform = stacks[stackId]!;
  const stackDir = path.join(outdir, 'stacks', stackId);
  const kubeVersion = loadEnvironments([env])[0]!.config.cluster.kubernetesVersion;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `render-${env}-`));
  temporary.push(dir);
  const findings: Finding[] = [];
  const parents = ancestry(platform);

  const namespaceLevels: Record<string, PodSecurityLevel> = {};
  for (const ns of Object.values((platform.resource?.kubernetes_namespace_v1 ?? {}) as Record<string, Json>)) {
    namespaceLevels[ns.metadata.name as string] = (ns.metadata.labels?.['pod-security.kubernetes.io/enforce'] as PodSecurityLevel | undefined) ?? 'privileged';
  }

  interface Pending { name: string; namespace: string; chart: string; values: Json; valuesText: string; sensitive: string[]; ancestors: string[] }
  const pending: Pending[] = Object.values((platform.resource?.helm_release ?? {}) as Record<string, Json>).map((r) => {
    const unresolved: string[] = [];
    const name = r.name as string;
    const namespace = resolveReferences(r.namespace as string, stackId, stacks, unresolved);
    let valuesText = resolveReferences(((r.values ?? []) as string[]).join('\n'), stackId, stacks, unresolved);
    let values = (parse(valuesText, { version: '1.1' }) as Json | null) ?? {};
    if (options.edit?.[name]) {
      values = options.edit[name]!(values);
      valuesText = stringify(values, { version: '1.1', lineWidth: 0 });
    }
    for (const u of unresolved) findings.push({ release: name, check: 'references', message: `cannot resolve ${u} from the synthesized stacks` });
    return { name, namespace, chart: path.join(stackDir, r.chart as string), values, valuesText, sensitive: ((r.set_sensitive ?? []) as Json[]).map((s) => s.name as string), ancestors: parents[name] ?? [] };
  });

  const rendered: Record<string, RenderedRelease> = {};
  const allCrds: Json[] = [];
  // CRDs each release makes available to the ones after it (its crds/ directory and its templates).
  const provides = new Map<string, Json[]>();
  const done = new Set<string>();
  while (done.size < pending.length) {
    const wave = pending.filter((p) => !done.has(p.name) && p.ancestors.every((a) => done.has(a)));
    if (wave.length === 0) throw new Error(`depends_on cycle among ${pending.filter((p) => !done.has(p.name)).map((p) => p.name).join(', ')}`);
    await pool(wave, 2, async (p) => {
      const dirOfChart = chartDir(p.chart);
      const own = crdsDirCrds(dirOfChart);
      const available = [...p.ancestors.flatMap((a) => provides.get(a) ?? []), ...own];
      const aggregated = Object.entries(AGGREGATED_APIS).filter(([, a]) => p.ancestors.includes(a.release)).flatMap(([gv, a]) => [gv, ...a.kinds.map((k) => `${gv}/${k}`)]);
      const apiVersions = [...new Set([...crdApiVersions(available), ...aggregated])].sort();
      const valuesFile = path.join(dir, `${p.name}.values.yaml`);
      fs.writeFileSync(valuesFile, p.valuesText);
      const args = ['template', p.name, p.chart, '--namespace', p.namespace, '-f', valuesFile, '--kube-version', kubeVersion, '--include-crds'];
      for (const s of p.sensitive) args.push('--set-string', `${s}=${SENSITIVE_PLACEHOLDER}`);
      for (const a of apiVersions) args.push('--api-versions', a);
      let text = '';
      let error: string | undefined;
      try {
        text = (await run(helm, args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 })).stdout;
      } catch (err) {
        error = String((err as { stderr?: string }).stderr ?? err).trim();
        findings.push({ release: p.name, check: 'render', message: error });
      }
      // The validator gets everything but the CRDs (verbatim upstream files, large, and their schemas are used, not judged).
      // What plan runs (helm_release lint = true: `helm lint` with the values, default capabilities, errors only).
      const lintArgs = ['lint', p.chart, '-f', valuesFile, ...p.sensitive.flatMap((s) => ['--set-string', `${s}=${SENSITIVE_PLACEHOLDER}`])];
      try {
        await run(helm, lintArgs, { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
      } catch (err) {
        findings.push({ release: p.name, check: 'lint', message: String((err as { stdout?: string }).stdout ?? err).split('\n').filter((l) => /\[ERROR\]|Error/.test(l)).join('; ') });
      }
      fs.writeFileSync(path.join(dir, `${p.name}.yaml`), text.split(/^---$/m).filter((d) => !/^kind: CustomResourceDefinition$/m.test(d)).join('---'));
      const docs = parseManifests(text);
      const crds = docs.filter((d) => d.kind === 'CustomResourceDefinition');
      provides.set(p.name, [...own, ...crds]);
      allCrds.push(...crds);
      rendered[p.name] = { ...p, apiVersions, text, docs, error, defaults: chartDefaults(dirOfChart) };
    });
    for (const p of wave) done.add(p.name);
  }

  timing.render = Date.now() - t0 - timing.synth!;
  const passThroughUsed = new Set<string>();
  for (const r of Object.values(rendered)) {
    const chartName = readYaml(path.join(chartDir(r.chart), 'Chart.yaml')).name as string;
    const used = new Set<string>();
    const unknown = unknownValueKeys(r.values, r.defaults, options.passThrough[chartName] ?? {}, [], used);
    for (const u of used) passThroughUsed.add(`${chartName}:${u}`);
    for (const key of unknown) {
      findings.push({ release: r.name, check: 'values', message: `${key}: not a value of chart ${chartName} (values.yaml); a typo, a renamed key, or a pass-through map to list` });
    }
    for (const m of missingCrds(r.docs, r.apiVersions)) findings.push({ release: r.name, check: 'ordering', message: m });
    for (const d of r.docs) {
      const spec = podSpec(d);
      if (!spec) continue;
      const ns = d.metadata.namespace ?? r.namespace;
      const level = namespaceLevels[ns] ?? 'privileged';
      for (const v of podSecurityViolations(spec, level)) findings.push({ release: r.name, check: 'pod-security', message: `${d.kind}/${d.metadata.name} in ${ns} (enforce=${level}): ${v}` });
    }
  }

  // The Applications' charts from this repository, as Argo CD renders them (path, value files, valuesObject), with
  // every API the platform installs available (they sync after it).
  const applications: PlatformRender['applications'] = {};
  const everyApi = [...new Set(Object.values(rendered).flatMap((x) => [...x.apiVersions, ...crdApiVersions(x.docs.filter((d) => d.kind === 'CustomResourceDefinition'))]))];
  for (const app of Object.values(rendered).flatMap((x) => x.docs.filter((d) => d.kind === 'Application'))) {
    const src = app.spec?.source;
    const chart = path.join(ROOT, String(src?.path ?? ''));
    if (!src?.path || !fs.existsSync(path.join(chart, 'Chart.yaml'))) continue;
    const name = `application-${app.metadata.name}`;
    const namespace = app.spec.destination.namespace as string;
    const objectFile = path.join(dir, `${name}.values-object.yaml`);
    fs.writeFileSync(objectFile, stringify(src.helm?.valuesObject ?? {}));
    const args = ['template', src.helm?.releaseName ?? app.metadata.name, chart, '--namespace', namespace, '--kube-version', kubeVersion];
    for (const f of (src.helm?.valueFiles ?? []) as string[]) args.push('-f', path.join(chart, f));
    args.push('-f', objectFile);
    for (const a of everyApi) args.push('--api-versions', a);
    const out = spawnSync(helm, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (out.status !== 0) findings.push({ release: name, check: 'render', message: out.stderr.trim() });
    const text = out.status === 0 ? out.stdout : '';
    const docs = parseManifests(text);
    fs.writeFileSync(path.join(dir, `${name}.yaml`), text);
    applications[app.metadata.name] = { namespace, text, docs };
    const level = namespaceLevels[namespace] ?? 'privileged';
    for (const d of docs) {
      const spec = podSpec(d);
      if (spec) for (const v of podSecurityViolations(spec, level)) findings.push({ release: name, check: 'pod-security', message: `${d.kind}/${d.metadata.name} in ${namespace} (enforce=${level}): ${v}` });
    }
  }

  // Objects of every release in one validator run (one process start): built-in kinds against kubernetes-models,
  // custom resources against the CRDs the platform installs.
  // One copy per CRD (several releases may ship the same ones), as JSON: megabytes of schemas parse fast.
  const crdFile = path.join(dir, 'crds.json');
  const unique = [...new Map([...allCrds, ...aggregatedApiSchemas(allCrds)].map((c) => [c.metadata.name as string, c])).values()];
  fs.writeFileSync(crdFile, JSON.stringify(unique));
  const files = [...Object.keys(rendered).filter((n) => rendered[n]!.text), ...Object.entries(applications).filter(([, a]) => a.text).map(([n]) => `application-${n}`)].map((n) => path.join(dir, `${n}.yaml`));
  if (files.length > 0) {
    const v = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'validate-manifests.mjs'), '--json', `--crds=${crdFile}`, ...files], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (v.status === 2 || !v.stdout) throw new Error(`validate-manifests failed to run: ${v.stderr}`);
    const result = JSON.parse(v.stdout) as { problems: { where: string; kind: string; name: string; path: string; message: string }[] };
    for (const p of result.problems) {
      const release = path.basename(p.where.split('#')[0]!).replace(/\.yaml$/, '');
      findings.push({ release, check: 'schema', message: `${p.kind}/${p.name} ${p.path}: ${p.message} (${p.where.split(' ').slice(1).join(' ')})` });
    }
  }

  timing.total = Date.now() - t0;
  if (process.env.RENDER_TIMING) console.log(env, timing);
  return { env, helm, kubeVersion, stacks, platform, releases: rendered, namespaceLevels, crds: allCrds, applications, findings, passThroughUsed, dir };
}

/**
 * Renders one release again with other values (same chart, namespace, kube and API versions), and runs the values
 * check: to prove a check fails on a defect's old values without rendering the whole platform again.
 */
export function renderOne(render: PlatformRender, name: string, values: Json, passThrough: PassThrough = {}, apiVersions?: string[]): { error?: string; docs: Manifest[]; unknownKeys: string[] } {
  const r = render.releases[name];
  if (!r) throw new Error(`no release ${name} in ${render.env}-platform`);
  const file = path.join(render.dir, `${name}.edited.values.yaml`);
  fs.writeFileSync(file, stringify(values, { version: '1.1', lineWidth: 0 }));
  const args = ['template', name, r.chart, '--namespace', r.namespace, '-f', file, '--kube-version', render.kubeVersion];
  for (const s of r.sensitive) args.push('--set-string', `${s}=${SENSITIVE_PLACEHOLDER}`);
  for (const a of apiVersions ?? r.apiVersions) args.push('--api-versions', a);
  const out = spawnSync(render.helm, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const docs = out.status === 0 ? parseAllDocuments(out.stdout, { logLevel: 'error' }).map((d) => d.toJS() as Manifest | null).filter((d): d is Manifest => d !== null && typeof d === 'object') : [];
  return { ...(out.status === 0 ? {} : { error: out.stderr.trim() }), docs, unknownKeys: unknownValueKeys(values, r.defaults, passThrough) };
}

/**
 * Custom resources of a release whose API is not installed before it. The API must come from a release it depends
 * on, or from its own crds/ directory (both in `apiVersions`). CRDs in the release's own templates do not count
 * (Helm maps every kind of the manifest before creating anything), except for post-install/upgrade hooks, which
 * are created after the templates.
 */
export function missingCrds(docs: ReadonlyArray<Manifest>, apiVersions: ReadonlyArray<string>): string[] {
  const available = new Set(apiVersions.filter((a) => a.split('/').length === 3));
  const ownTemplates = new Set(crdApiVersions(docs.filter((d) => d.kind === 'CustomResourceDefinition')));
  const out: string[] = [];
  for (const d of docs) {
    const group = d.apiVersion.includes('/') ? d.apiVersion.split('/')[0]! : '';
    if (BUILTIN_GROUPS.has(group)) continue;
    const key = `${d.apiVersion}/${d.kind}`;
    const postHook = /post-(install|upgrade)/.test(d.metadata.annotations?.['helm.sh/hook'] ?? '');
    if (available.has(key) || (postHook && ownTemplates.has(key))) continue;
    out.push(`${d.kind}/${d.metadata.name} (${d.apiVersion}): its CRD is not installed by a release this one depends on`);
  }
  return out;
}

/** Findings formatted one per line, for readable test failures. */
export function formatFindings(findings: ReadonlyArray<Finding>): string[] {
  return findings.map((f) => `${f.release} [${f.check}] ${f.message}`);
}
