/**
 * Real `terraform show -json` plans, made offline at test time with terraform 1.11+ and `terraform_data` resources
 * (the builtin provider needs no download; local state). Each resource's attributes travel JSON-encoded in
 * `input`, the attributes whose change forces a replacement in `triggers_replace`; after the real plan the
 * resources are renamed to the azurerm types the rule table knows and the attributes are unpacked into
 * before/after. Actions, action_reason, replace_paths (re-pointed at the trigger attributes that changed), drift
 * and the plan envelope are Terraform's own.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export interface FakeResource {
  /** Terraform resource name (the cdktf construct-path-derived name, e.g. `site-to-site_gateway_0196671B`). */
  readonly name: string;
  /** The azurerm type it stands for in the converted plan. */
  readonly type: string;
  /** Attributes; a change here is an in-place update. */
  readonly attrs?: Record<string, unknown>;
  /** Attributes whose change forces a replacement (like ForceNew attributes). */
  readonly replaceOn?: Record<string, unknown>;
  /** lifecycle.create_before_destroy: the replacement shows as ["create","delete"]. */
  readonly createBeforeDestroy?: boolean;
  /** Attribute names Terraform should mark sensitive in before/after_sensitive. */
  readonly sensitive?: string[];
}

const tfEnv = (dir: string) => ({
  ...process.env,
  CHECKPOINT_DISABLE: '1',
  TF_IN_AUTOMATION: '1',
  TF_INPUT: '0',
  TF_CLI_CONFIG_FILE: path.join(dir, 'empty.tfrc'),
  TF_CLI_ARGS: '',
});

export function terraform(dir: string, args: string[]): string {
  return execFileSync('terraform', args, { cwd: dir, env: tfEnv(dir), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
}

/** Writes the terraform_data configuration for these resources (main.tf.json, with root outputs) into dir. */
export function writeConfig(dir: string, resources: readonly FakeResource[], outputs: Record<string, string> = {}): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'empty.tfrc'), '');
  const blocks: Record<string, unknown> = {};
  for (const r of resources) {
    blocks[r.name] = {
      input: JSON.stringify({ attrs: r.attrs ?? {}, sensitive: r.sensitive ?? [] }),
      ...(r.replaceOn ? { triggers_replace: JSON.stringify(r.replaceOn) } : {}),
      ...(r.createBeforeDestroy ? { lifecycle: { create_before_destroy: true } } : {}),
    };
  }
  const output = Object.fromEntries(Object.entries(outputs).map(([name, value]) => [name, { value }]));
  fs.writeFileSync(path.join(dir, 'main.tf.json'), JSON.stringify({
    ...(resources.length > 0 ? { resource: { terraform_data: blocks } } : {}),
    ...(Object.keys(output).length > 0 ? { output } : {}),
  }, null, 1));
}

export interface Outputs {
  readonly before?: Record<string, string>;
  readonly after?: Record<string, string>;
}

/** Applies `before` (if any), then plans `after` into dir/tfplan; returns the raw `terraform show -json` output. */
export function rawPlan(dir: string, before: readonly FakeResource[], after: readonly FakeResource[], outputs: Outputs = {}): any {
  writeConfig(dir, before, outputs.before);
  terraform(dir, ['init', '-input=false', '-no-color']);
  if (before.length > 0 || outputs.before) terraform(dir, ['apply', '-auto-approve', '-input=false', '-no-color']);
  writeConfig(dir, after, outputs.after);
  terraform(dir, ['plan', '-input=false', '-no-color', '-out=tfplan']);
  return JSON.parse(terraform(dir, ['show', '-json', 'tfplan']));
}

const decode = (v: unknown): { attrs: Record<string, unknown>; sensitive: string[] } | undefined => {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'object' && v !== null && 'input' in v) {
    const input = (v as { input: unknown }).input;
    return typeof input === 'string' ? JSON.parse(input) : undefined;
  }
  return undefined;
};
const triggers = (v: unknown): Record<string, unknown> => {
  const t = v && typeof v === 'object' ? (v as { triggers_replace?: unknown }).triggers_replace : undefined;
  return typeof t === 'string' ? JSON.parse(t) : {};
};

/** Converts a real terraform_data plan into the azurerm-typed plan the rule table reads (see the file comment). */
export function toAzurerm(plan: any, resources: readonly FakeResource[]): any {
  const byName = new Map(resources.map((r) => [r.name, r]));
  const convert = (rc: any) => {
    if (rc.type !== 'terraform_data') return rc;
    const spec = byName.get(rc.name);
    if (!spec) throw new Error(`no spec for ${rc.address}`);
    const before = decode(rc.change.before);
    const after = decode(rc.change.after);
    const tb = triggers(rc.change.before);
    const ta = triggers(rc.change.after);
    const sensitiveMap = (s?: { sensitive: string[] }) => Object.fromEntries((s?.sensitive ?? []).map((k) => [k, true]));
    const change: any = {
      ...rc.change,
      before: before ? { ...before.attrs, ...tb } : null,
      after: after ? { ...after.attrs, ...ta } : null,
      after_unknown: {},
      before_sensitive: before ? sensitiveMap(before) : false,
      after_sensitive: after ? sensitiveMap(after) : false,
    };
    if (Array.isArray(rc.change.replace_paths)) {
      const changed = [...new Set([...Object.keys(tb), ...Object.keys(ta)])].filter((k) => JSON.stringify(tb[k]) !== JSON.stringify(ta[k]));
      change.replace_paths = rc.change.replace_paths.flatMap((p: unknown[]) => (p[0] === 'triggers_replace' ? changed.map((k) => [k]) : [p]));
    }
    return { ...rc, type: spec.type, address: `${spec.type}.${rc.name}`, change };
  };
  return { ...plan, resource_changes: (plan.resource_changes ?? []).map(convert), resource_drift: (plan.resource_drift ?? []).map(convert) };
}

/** A real plan of `after` against the applied `before`, converted to azurerm types. */
export function azurermPlan(dir: string, before: readonly FakeResource[], after: readonly FakeResource[], outputs: Outputs = {}): any {
  return toAzurerm(rawPlan(dir, before, after, outputs), [...before, ...after]);
}
