#!/usr/bin/env node
// @ts-check
/**
 * Turns `terraform show -json` plans into one markdown comment for a pull request or a run summary.
 *
 *   node scripts/plan-summary.mjs --reduce full-plan.json > dev-network.json
 *   node scripts/plan-summary.mjs --title "Plan: dev" --marker cdktf-plan:dev \
 *     --plan dev-network=plans/dev-network.json --plan dev-vpn=plans/dev-vpn.json \
 *     [--expect dev-cluster] [--manifest cdktf.out/manifest.json --environment dev] [--run-url URL] \
 *     [--commit SHA] [--time "2026-12-02 08:30 UTC"] [--critical-path estimate.json] [--verdict verdict.json]
 *
 * The order and the consequence rules are in scripts/plan-review/ (render.mjs, rules.mjs); reading and reducing
 * plans in plan.mjs. Only addresses, actions, Terraform's replacement reasons and attribute names are printed,
 * never attribute values. `--reduce` strips a plan to what the summary needs, so only that leaves the agent that
 * planned. A stack named with --expect (or in the cdktf manifest for --environment) without a plan, or whose plan
 * cannot be read or is not a plan, is listed by name as "no plan", so a failed plan job cannot pass for "no
 * changes". `--verdict` writes what the pipeline acts on (needsApproval, hasChanges, the stacks deferred to a later
 * run because they read outputs that change in this one: from the manifest's dependencies) as JSON.
 * Dependency-free so pipeline jobs can run it without `npm ci`.
 */
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { manifestStacks, parseJson, parsePlan, reducePlan } from './plan-review/plan.mjs';
import { renderSummary, verdictOf } from './plan-review/render.mjs';

export { classify, manifestStacks, parsePlan, reducePlan } from './plan-review/plan.mjs';
export { ATTENTION_MARKER, deferredStacks, MAX_CHARS, renderSummary, verdictOf } from './plan-review/render.mjs';
export { findDangerous, RULES } from './plan-review/rules.mjs';

/** @typedef {import('./plan-review/plan.mjs').StackPlan} StackPlan */

const OPTIONS = ['--reduce', '--title', '--marker', '--plan', '--expect', '--manifest', '--environment', '--run-url', '--commit', '--time', '--critical-path', '--verdict'];

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{ title: string, marker: string, plans: Array<[string, string]>, expect: string[], runUrl?: string, reduce?: string, manifest?: string, environment?: string, commit?: string, time?: string, criticalPath?: string, verdict?: string }} */
  const args = { title: 'Terraform plan', marker: 'cdktf-plan-summary', plans: [], expect: [] };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (!OPTIONS.includes(flag)) throw new Error(`unknown option ${flag} (allowed: ${OPTIONS.join(', ')})`);
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--title') args.title = value;
    else if (flag === '--marker') args.marker = value;
    else if (flag === '--run-url') args.runUrl = value;
    else if (flag === '--expect') args.expect.push(value);
    else if (flag === '--reduce') args.reduce = value;
    else if (flag === '--manifest') args.manifest = value;
    else if (flag === '--environment') args.environment = value;
    else if (flag === '--commit') args.commit = value;
    else if (flag === '--time') args.time = value;
    else if (flag === '--critical-path') args.criticalPath = value;
    else if (flag === '--verdict') args.verdict = value;
    else {
      const eq = value.indexOf('=');
      if (eq <= 0) throw new Error(`--plan takes <stack-id>=<plan.json>, got "${value}"`);
      args.plans.push([value.slice(0, eq), value.slice(eq + 1)]);
    }
  }
  if ((args.manifest === undefined) !== (args.environment === undefined) && !(args.environment && args.criticalPath)) throw new Error('--manifest and --environment go together');
  return args;
}

/**
 * One stack's plan, or the reason it could not be read (named in the summary, never fatal for the others).
 * @param {string} stack
 * @param {string} file
 * @returns {StackPlan}
 */
function readStackPlan(stack, file) {
  let json;
  try {
    json = parseJson(readFileSync(file, 'utf8'), basename(file));
  } catch (error) {
    const code = /** @type {{ code?: string }} */ (error).code;
    return { stack, changes: [], outputs: 0, drift: 0, error: `could not read ${basename(file)}: ${code === 'ENOENT' ? 'no such file' : code ?? (error instanceof Error ? error.message : String(error))}` };
  }
  try {
    return parsePlan(stack, json);
  } catch (error) {
    return { stack, changes: [], outputs: 0, drift: 0, error: (error instanceof Error ? error.message : String(error)).replace(`${stack}: `, '') };
  }
}

/** `2026-12-02 08:30 UTC` */
const utcMinute = (/** @type {Date} */ d) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** @param {string[]} argv */
export function main(argv) {
  const args = parseArgs(argv);
  if (args.reduce) return JSON.stringify(reducePlan(parseJson(readFileSync(args.reduce, 'utf8'), basename(args.reduce)))) + '\n';
  /** @type {Record<string, string[]>} */
  let dependencies = {};
  if (args.manifest && args.environment) {
    const manifest = parseJson(readFileSync(args.manifest, 'utf8'), basename(args.manifest));
    args.expect.push(...manifestStacks(manifest, args.environment));
    dependencies = Object.fromEntries(Object.entries(manifest.stacks ?? {}).map(([id, s]) => [id, Array.isArray(/** @type {any} */ (s).dependencies) ? /** @type {any} */ (s).dependencies.map(String) : []]));
  }
  const plans = args.plans.map(([stack, file]) => readStackPlan(stack, file));
  for (const p of plans) if (p.error) process.stderr.write(`plan-summary: ${p.stack}: ${p.error}\n`);
  for (const stack of args.expect) {
    if (!plans.some((p) => p.stack === stack)) plans.push({ stack, changes: [], outputs: 0, drift: 0, error: 'the plan job failed or was skipped' });
  }
  plans.sort((a, b) => a.stack.localeCompare(b.stack));

  // The critical-path estimate (#15's `npm run plan:critical-path`) is optional: an unreadable file is reported, not fatal.
  /** @type {{ estimate?: any, estimateError?: string }} */
  const estimate = {};
  if (args.criticalPath) {
    try {
      estimate.estimate = parseJson(readFileSync(args.criticalPath, 'utf8'), 'the file');
      if (typeof estimate.estimate?.environments !== 'object') throw new Error('no "environments" object');
    } catch (error) {
      delete estimate.estimate;
      estimate.estimateError = `${basename(args.criticalPath)}: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  const markdown = renderSummary({
    title: args.title, marker: args.marker, plans, time: args.time ?? utcMinute(new Date()),
    ...(args.runUrl ? { runUrl: args.runUrl } : {}), ...(args.commit ? { commit: args.commit } : {}),
    ...(args.environment ? { environment: args.environment } : {}), ...estimate, dependencies,
  });
  if (args.verdict) writeFileSync(args.verdict, JSON.stringify(verdictOf(plans, undefined, dependencies)) + '\n');
  return markdown;
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
