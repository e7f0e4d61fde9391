#!/usr/bin/env node
// @ts-check
/**
 * Turns `terraform show -json` plans into one markdown comment for a pull request or a run summary.
 *
 *   node scripts/plan-summary.mjs --reduce full-plan.json > dev-network.json
 *   node scripts/plan-summary.mjs --title "Plan: dev" --marker cdktf-plan:dev \
 *     --plan dev-network=plans/dev-network.json --plan dev-vpn=plans/dev-vpn.json \
 *     [--expect dev-cluster] [--manifest cdktf.out/manifest.json --environment dev] [--run-url URL]
 *
 * Only addresses and actions are printed, never attribute values: plans carry sensitive values (generated keys,
 * remote-state outputs). `--reduce` strips a plan down to what the summary needs, so only that leaves the agent
 * that planned. Every stack named with --expect (or found in the cdktf manifest for --environment) but without a
 * plan is listed as "no plan", so a failed plan job cannot pass for "no changes".
 * Dependency-free so pipeline jobs can run it without `npm ci`.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Azure DevOps rejects comments above 150,000 characters; stay well below with room for the header. */
export const MAX_CHARS = 60000;
/** Present in the markdown when something destroys, replaces or failed to plan. */
export const ATTENTION_MARKER = '<!-- plan-needs-attention -->';

/** @typedef {'create' | 'update' | 'delete' | 'replace' | 'read' | 'no-op' | 'forget'} Action */
/** @typedef {{ address: string, type: string, action: Action }} Change */
/** @typedef {{ stack: string, changes: Change[], outputs: number, drift: number, error?: string }} StackPlan */

/**
 * Classifies one `resource_changes[].change.actions` list. Terraform encodes replacement as
 * ["delete","create"] (destroy first) or ["create","delete"] (create_before_destroy).
 * @param {string[]} actions
 * @returns {Action}
 */
export function classify(actions) {
  const key = actions.join(',');
  switch (key) {
    case 'no-op': return 'no-op';
    case 'create': return 'create';
    case 'read': return 'read';
    case 'update': return 'update';
    case 'delete': return 'delete';
    case 'forget': return 'forget';
    case 'delete,create':
    case 'create,delete': return 'replace';
    default: throw new Error(`unknown plan action list ${JSON.stringify(actions)} (terraform show -json format changed?)`);
  }
}

/**
 * Reads the parts of a plan we summarise. Throws on anything that is not a `terraform show -json` plan.
 * @param {string} stack
 * @param {any} plan
 * @returns {StackPlan}
 */
export function parsePlan(stack, plan) {
  if (!plan || typeof plan !== 'object' || typeof plan.format_version !== 'string') {
    throw new Error(`${stack}: not a terraform show -json plan (no format_version)`);
  }
  /** @type {Change[]} */
  const changes = (plan.resource_changes ?? [])
    // Data sources are read on every plan; they are not changes anyone needs to review.
    .filter((/** @type {any} */ rc) => rc.mode !== 'data')
    .map((/** @type {any} */ rc) => ({ address: String(rc.address), type: String(rc.type), action: classify(rc.change?.actions ?? []) }));
  const outputs = Object.values(plan.output_changes ?? {}).filter((/** @type {any} */ oc) => !(oc.actions ?? []).every((/** @type {string} */ a) => a === 'no-op')).length;
  const drift = (plan.resource_drift ?? []).length;
  return { stack, changes, outputs, drift };
}

/**
 * Keeps only what the summary reads: addresses, types, modes and action lists. No before/after values, no
 * sensitivity maps, no configuration: the result is safe to publish as a pipeline artifact.
 * @param {any} plan
 */
export function reducePlan(plan) {
  parsePlan('plan', plan); // same shape checks as the summary
  return {
    format_version: plan.format_version,
    terraform_version: plan.terraform_version,
    resource_changes: (plan.resource_changes ?? []).map((/** @type {any} */ rc) => ({ address: rc.address, mode: rc.mode, type: rc.type, change: { actions: rc.change?.actions ?? [] } })),
    output_changes: Object.fromEntries(Object.entries(plan.output_changes ?? {}).map(([name, oc]) => [name, { actions: /** @type {any} */ (oc).actions ?? [] }])),
    resource_drift: (plan.resource_drift ?? []).map((/** @type {any} */ rd) => ({ address: rd.address, mode: rd.mode, type: rd.type, change: { actions: rd.change?.actions ?? [] } })),
  };
}

/**
 * Stack ids of one environment in a cdktf manifest (`cdktf.out/manifest.json`): stack ids are `<env>-<component>`.
 * @param {any} manifest
 * @param {string} environment
 */
export function manifestStacks(manifest, environment) {
  return Object.keys(manifest?.stacks ?? {}).filter((id) => id.startsWith(`${environment}-`)).sort();
}

/** @param {StackPlan} p */
function counts(p) {
  /** @type {Record<Action, number>} */
  const c = { create: 0, update: 0, delete: 0, replace: 0, read: 0, 'no-op': 0, forget: 0 };
  for (const ch of p.changes) c[ch.action] += 1;
  return c;
}

/**
 * Renders the comment. Destructive changes (delete, replace) come first and are never folded away.
 * @param {{ title: string, marker: string, plans: StackPlan[], runUrl?: string }} input
 * @returns {string}
 */
export function renderSummary({ title, marker, plans, runUrl }) {
  const destructive = plans.flatMap((p) => p.changes.filter((c) => c.action === 'delete' || c.action === 'replace').map((c) => ({ ...c, stack: p.stack })));
  const failed = plans.filter((p) => p.error);
  const lines = [`<!-- ${marker} -->`];
  // Tells pr-comment.mjs to leave the thread active (reviewers must resolve it) rather than closed.
  if (destructive.length > 0 || failed.length > 0) lines.push(ATTENTION_MARKER);
  lines.push(`### ${title}`, '');
  if (failed.length > 0) lines.push(`> **No plan** for ${failed.map((p) => `\`${p.stack}\``).join(', ')}: see the run for the error.`, '');
  if (destructive.length > 0) {
    lines.push(`> **Warning:** ${destructive.length} resource(s) will be destroyed or replaced:`, '>');
    for (const d of destructive) lines.push(`> - **${d.action}** \`${d.address}\` (${d.stack})`);
    lines.push('');
  }
  lines.push('| Stack | Create | Update | Replace | Delete | Outputs | Drift |', '|---|---:|---:|---:|---:|---:|---:|');
  for (const p of plans) {
    if (p.error) {
      lines.push(`| \`${p.stack}\` | - | - | - | - | - | no plan: ${p.error} |`);
      continue;
    }
    const c = counts(p);
    const label = c.create + c.update + c.replace + c.delete === 0 && p.outputs === 0 ? `\`${p.stack}\` (no changes)` : `\`${p.stack}\``;
    lines.push(`| ${label} | ${c.create} | ${c.update} | ${c.replace} | ${c.delete} | ${p.outputs} | ${p.drift} |`);
  }
  lines.push('');
  for (const p of plans) {
    const changed = p.changes.filter((c) => c.action !== 'no-op' && c.action !== 'read');
    if (changed.length === 0) continue;
    lines.push(`<details><summary>${p.stack}: ${changed.length} change(s)</summary>`, '');
    for (const c of [...changed].sort((a, b) => a.action.localeCompare(b.action) || a.address.localeCompare(b.address))) {
      lines.push(`- ${c.action} \`${c.address}\``);
    }
    lines.push('', '</details>', '');
  }
  if (runUrl) lines.push(`Full plans: [pipeline run](${runUrl}) (plan artifacts are sensitive and expire with the run).`);
  let text = lines.join('\n').trimEnd() + '\n';
  if (text.length > MAX_CHARS) {
    const note = `\n\n_Truncated at ${MAX_CHARS} characters; the run has the full plans._\n`;
    text = text.slice(0, MAX_CHARS - note.length) + note;
  }
  return text;
}

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{ title: string, marker: string, plans: Array<[string, string]>, expect: string[], runUrl?: string, reduce?: string, manifest?: string, environment?: string }} */
  const args = { title: 'Terraform plan', marker: 'cdktf-plan-summary', plans: [], expect: [] };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--title') args.title = value;
    else if (flag === '--marker') args.marker = value;
    else if (flag === '--run-url') args.runUrl = value;
    else if (flag === '--expect') args.expect.push(value);
    else if (flag === '--reduce') args.reduce = value;
    else if (flag === '--manifest') args.manifest = value;
    else if (flag === '--environment') args.environment = value;
    else if (flag === '--plan') {
      const eq = value.indexOf('=');
      if (eq <= 0) throw new Error(`--plan takes <stack-id>=<plan.json>, got "${value}"`);
      args.plans.push([value.slice(0, eq), value.slice(eq + 1)]);
    } else throw new Error(`unknown option ${flag} (allowed: --reduce, --title, --marker, --plan, --expect, --manifest, --environment, --run-url)`);
  }
  if ((args.manifest === undefined) !== (args.environment === undefined)) throw new Error('--manifest and --environment go together');
  return args;
}

/** @param {string[]} argv */
export function main(argv) {
  const args = parseArgs(argv);
  if (args.reduce) return JSON.stringify(reducePlan(JSON.parse(readFileSync(args.reduce, 'utf8')))) + '\n';
  if (args.manifest && args.environment) args.expect.push(...manifestStacks(JSON.parse(readFileSync(args.manifest, 'utf8')), args.environment));
  /** @type {StackPlan[]} */
  const plans = args.plans.map(([stack, file]) => parsePlan(stack, JSON.parse(readFileSync(file, 'utf8'))));
  for (const stack of args.expect) {
    if (!plans.some((p) => p.stack === stack)) plans.push({ stack, changes: [], outputs: 0, drift: 0, error: 'the plan job failed or was skipped' });
  }
  plans.sort((a, b) => a.stack.localeCompare(b.stack));
  return renderSummary({ title: args.title, marker: args.marker, plans, ...(args.runUrl ? { runUrl: args.runUrl } : {}) });
}

// Run as a script (also through a symlinked checkout, where argv[1] and import.meta.url differ until resolved).
const invokedAs = process.argv[1] ? realpathSync(process.argv[1]) : '';
if (invokedAs === realpathSync(fileURLToPath(import.meta.url))) {
  try {
    process.stdout.write(main(process.argv.slice(2)));
  } catch (error) {
    process.stderr.write(`plan-summary: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
