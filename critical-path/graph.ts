import * as fs from 'fs';
import * as path from 'path';
import { CRITICAL_PATH_HINT_KEY, CriticalPathHint } from '../constructs/critical-path-hint';

/**
 * The synthesized stacks (`cdktf.out/stacks/<stack>/cdk.tf.json`) read as the graph Terraform will walk: every
 * resource, data source and local with what it references or `depends_on`, and per stack the stacks it reads
 * (remote state, manifest dependencies). Work the graph cannot see (the kubeadm init/joins a readiness gate waits
 * for on the node) comes from the `"//": { "criticalPath": ... }` comment the readiness gate construct writes.
 */

export interface ResourceNode {
  readonly address: string;
  readonly type: string;
  readonly deps: ReadonlySet<string>;
  readonly hint?: CriticalPathHint;
  /** Literal create_duration of a time_sleep, in minutes. */
  readonly sleepMinutes?: number;
  /** Does nothing on create (an azapi_resource_action with `when = "destroy"`): zero minutes. */
  readonly destroyOnly?: boolean;
}

export interface StackGraph {
  readonly name: string;
  readonly environment: string;
  /** Stacks that must be applied first: remote state reads and the manifest's dependencies. */
  readonly dependsOn: ReadonlyArray<string>;
  readonly resources: ReadonlyMap<string, ResourceNode>;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const ADDRESS = /(?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+/g;
const REMOTE_STATE = /^cross-stack-reference-input-(.+)$/;

function collectStrings(value: Json, out: string[]): void {
  if (typeof value === 'string') {
    if (value.includes('${')) out.push(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collectStrings(v, out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (k !== '//') collectStrings(v, out);
  }
}

/** Addresses a block refers to: `${...}` references (any depth, inside function calls too) and depends_on. */
function references(block: { [k: string]: Json }, known: ReadonlySet<string>): Set<string> {
  const deps = new Set<string>();
  const texts: string[] = [];
  collectStrings(block, texts);
  for (const text of texts) for (const m of text.matchAll(ADDRESS)) if (known.has(m[0])) deps.add(m[0]);
  for (const d of (block.depends_on as string[] | undefined) ?? []) deps.add(d);
  return deps;
}

function parseDuration(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const parts = [...value.matchAll(/([0-9.]+)(h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value) return undefined;
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * (unit === 'h' ? 60 : unit === 'm' ? 1 : 1 / 60), 0);
}

/** One stack's resources, data sources and locals with their dependencies. */
export function parseStack(name: string, doc: { [k: string]: Json }, manifestDependencies: ReadonlyArray<string> = []): StackGraph {
  const blocks: Array<{ address: string; type: string; body: { [k: string]: Json } }> = [];
  for (const [type, items] of Object.entries((doc.resource ?? {}) as Record<string, Record<string, { [k: string]: Json }>>)) {
    for (const [id, body] of Object.entries(items)) blocks.push({ address: `${type}.${id}`, type, body });
  }
  for (const [type, items] of Object.entries((doc.data ?? {}) as Record<string, Record<string, { [k: string]: Json }>>)) {
    for (const [id, body] of Object.entries(items)) blocks.push({ address: `data.${type}.${id}`, type: `data.${type}`, body });
  }
  for (const [id, value] of Object.entries((doc.locals ?? {}) as Record<string, Json>)) {
    blocks.push({ address: `local.${id}`, type: 'local', body: { value } });
  }
  const known = new Set(blocks.map((b) => b.address));
  const resources = new Map<string, ResourceNode>();
  for (const b of blocks) {
    const comment = b.body['//'] as { [k: string]: Json } | undefined;
    const hint = comment?.[CRITICAL_PATH_HINT_KEY] as CriticalPathHint | undefined;
    const sleepMinutes = b.type === 'time_sleep' ? parseDuration(b.body.create_duration) : undefined;
    const destroyOnly = b.body.when === 'destroy';
    const deps = references(b.body, known);
    deps.delete(b.address);
    resources.set(b.address, { address: b.address, type: b.type, deps, ...(hint ? { hint } : {}), ...(sleepMinutes !== undefined ? { sleepMinutes } : {}), ...(destroyOnly ? { destroyOnly } : {}) });
  }
  const remote = Object.keys(((doc.data ?? {}) as Record<string, Record<string, unknown>>).terraform_remote_state ?? {})
    .map((id) => REMOTE_STATE.exec(id)?.[1])
    .filter((s): s is string => Boolean(s));
  const dependsOn = [...new Set([...manifestDependencies, ...remote])].filter((s) => s !== name).sort();
  return { name, environment: name.split('-')[0], dependsOn, resources };
}

/** Every stack of a synth output directory (`cdktf.out`). */
export function loadStacks(outdir: string): StackGraph[] {
  const stacksDir = path.join(outdir, 'stacks');
  if (!fs.existsSync(stacksDir)) throw new Error(`${stacksDir} does not exist: run \`npm run synth\` first (or pass --outdir <synth output>)`);
  const manifestFile = path.join(outdir, 'manifest.json');
  const manifest = fs.existsSync(manifestFile)
    ? (JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { stacks: Record<string, { dependencies?: string[] }> }).stacks
    : {};
  return fs
    .readdirSync(stacksDir)
    .filter((s) => fs.existsSync(path.join(stacksDir, s, 'cdk.tf.json')))
    .sort()
    .map((s) => parseStack(s, JSON.parse(fs.readFileSync(path.join(stacksDir, s, 'cdk.tf.json'), 'utf8')), manifest[s]?.dependencies ?? []));
}
