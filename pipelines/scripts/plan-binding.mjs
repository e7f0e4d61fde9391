#!/usr/bin/env node
// @ts-check
/**
 * Binds a saved plan to what it was made from, and refuses to apply it when any of that moved (a stale plan).
 *
 *   record: after `terraform plan -out`, in the plan job. Writes <out>/<stack>.binding.json:
 *           commit, run, SHA-256 of the binary plan, of the reduced JSON and of the synthesized cdk.tf.json, the
 *           provider lock hash, the state serial + lineage the plan was made against (from the plan file's own
 *           prior-state snapshot) and whether there is anything to apply.
 *   verify --phase artifact: in the deploy job before any Azure call: same commit, same synthesized config,
 *           artifact files unchanged. Exit 3 = verified, but the plan has no changes (the caller skips apply).
 *   verify --phase target: after `terraform init` and `terraform state pull`: same provider lock, same state
 *           serial and lineage. Terraform's own "Saved plan is stale" check stays as the last guard under the lock.
 *
 * Every refusal says what differs and that nothing was applied. Dependency-free (runs before `npm ci`).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const NOTHING_TO_APPLY = 3;

/**
 * JSON.parse without echoing the input (Node quotes a piece of it; a state holds secrets).
 * @param {string} text
 * @param {string} what
 */
function parseJson(text, what) {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what} is not valid JSON`);
  }
}

/** @param {string} file */
const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');
/** The provider lock hash; a stack with only builtin providers has no lock file. */
const lockHash = (/** @type {string} */ stackDir) => {
  const lock = join(stackDir, '.terraform.lock.hcl');
  return existsSync(lock) ? sha256(lock) : 'none';
};

/**
 * serial + lineage of a state JSON (`terraform state pull`, or the plan file's `tfstate`). Empty input or serial 0
 * with no lineage = no state yet.
 * @param {string | undefined} file
 */
function stateOf(file) {
  const text = file && existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  if (!text) return { serial: 0, lineage: '' };
  const state = parseJson(text, String(file));
  if (typeof state.serial !== 'number' || typeof state.lineage !== 'string') throw new Error(`${file} is not a Terraform state (no serial/lineage)`);
  return { serial: state.serial, lineage: state.lineage };
}

/** @param {string[]} argv */
function parseArgs(argv) {
  const [command, ...rest] = argv;
  /** @type {Record<string, string>} */
  const args = {};
  for (let i = 0; i < rest.length; i += 2) {
    const flag = rest[i] ?? '';
    if (!flag.startsWith('--') || rest[i + 1] === undefined) throw new Error(`usage: plan-binding.mjs record|verify --stack ID --dir DIR --stack-dir DIR --commit SHA ... (bad "${flag}")`);
    args[flag.slice(2)] = /** @type {string} */ (rest[i + 1]);
  }
  for (const required of ['stack', 'dir', 'stack-dir', 'commit']) if (!args[required]) throw new Error(`--${required} is required`);
  return { command, args };
}

/** @param {Record<string, string>} a */
const paths = (a) => ({
  binding: join(a.dir, `${a.stack}.binding.json`),
  tfplan: join(a.dir, `${a.stack}.tfplan`),
  reduced: join(a.dir, `${a.stack}.json`),
  config: join(a['stack-dir'], 'cdk.tf.json'),
});

/** @param {Record<string, string>} a */
function record(a) {
  const p = paths(a);
  const binding = {
    stack: a.stack,
    commit: a.commit,
    run: a.run ?? '',
    createdAt: new Date().toISOString(),
    hasChanges: a['has-changes'] === 'true',
    state: stateOf(a['plan-state']),
    providerLock: lockHash(a['stack-dir']),
    sha256: { tfplan: sha256(p.tfplan), reduced: sha256(p.reduced), config: sha256(p.config) },
  };
  writeFileSync(p.binding, JSON.stringify(binding, null, 2) + '\n');
  return `${a.stack}: plan bound to commit ${a.commit.slice(0, 12)}, state serial ${binding.state.serial}${binding.state.lineage ? ` (lineage ${binding.state.lineage})` : ' (no state yet)'}, provider lock ${binding.providerLock.slice(0, 12)}`;
}

/**
 * @param {Record<string, string>} a
 * @returns {{ message: string, code: number }}
 */
function verify(a) {
  const p = paths(a);
  if (!existsSync(p.binding)) throw new Refusal(`no ${a.stack}.binding.json in ${a.dir}: the plan stage did not save a plan for this stack`);
  const b = parseJson(readFileSync(p.binding, 'utf8'), p.binding);
  /** @type {string[]} */
  const problems = [];
  if (a.phase === 'artifact') {
    if (b.stack !== a.stack) problems.push(`the saved plan is for ${b.stack}, not ${a.stack}`);
    if (b.commit !== a.commit) problems.push(`it was planned at commit ${String(b.commit).slice(0, 12)}, this run deploys ${a.commit.slice(0, 12)}`);
    for (const [what, file] of /** @type {const} */ ([['tfplan', p.tfplan], ['reduced', p.reduced], ['config', p.config]])) {
      if (!existsSync(file)) problems.push(`${file} is missing`);
      else if (sha256(file) !== b.sha256?.[what]) problems.push(what === 'config' ? `the synthesized ${a.stack}/cdk.tf.json differs from the one that was planned` : `${file} does not match its recorded SHA-256 (changed after the plan)`);
    }
    if (problems.length === 0 && !b.hasChanges) return { message: `${a.stack}: the reviewed plan has no changes: nothing to apply`, code: NOTHING_TO_APPLY };
  } else if (a.phase === 'target') {
    const lock = lockHash(a['stack-dir']);
    if (lock !== b.providerLock) problems.push(`the provider lock changed since the plan (${String(b.providerLock).slice(0, 12)} -> ${lock.slice(0, 12)}): a provider release or lock edit`);
    const now = stateOf(a.state);
    if (now.lineage !== b.state.lineage) problems.push(`the state lineage changed (${b.state.lineage || 'no state'} -> ${now.lineage || 'no state'}): the state was replaced`);
    else if (now.serial !== b.state.serial) problems.push(`the state serial moved from ${b.state.serial} to ${now.serial}: something was applied after this plan was made`);
  } else throw new Error(`--phase must be artifact or target, got ${JSON.stringify(a.phase)}`);
  if (problems.length > 0) throw new Refusal(`stale plan for ${a.stack}, refusing to apply (nothing was applied): ${problems.join('; ')}. Run the pipeline again to plan and review the current state.`);
  return { message: `${a.stack}: saved plan verified (${a.phase})`, code: 0 };
}

class Refusal extends Error {}

/** @param {string[]} argv */
export function main(argv) {
  const { command, args } = parseArgs(argv);
  if (command === 'record') return { message: record(args), code: 0 };
  if (command === 'verify') return verify(args);
  throw new Error(`unknown command ${JSON.stringify(command)} (record or verify)`);
}

try {
  const { message, code } = main(process.argv.slice(2));
  console.log(message);
  process.exitCode = code;
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  // Azure DevOps shows logissue errors on the run summary: the reason is visible without opening the log.
  console.log(`##vso[task.logissue type=error]${message}`);
  console.error(`plan-binding: ${message}`);
  process.exitCode = error instanceof Refusal ? 4 : 1;
}
