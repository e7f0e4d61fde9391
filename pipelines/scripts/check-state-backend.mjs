#!/usr/bin/env node
// @ts-check
/**
 * Refuses stacks that would keep their Terraform state on the local disk. On a pipeline agent that state is
 * thrown away with the job: the next run would try to create everything again next to the real resources.
 * Runs in the validate job on the whole synth (fails the run before any plan) and again in every plan and
 * deploy script for its own stack.
 *
 *   node pipelines/scripts/check-state-backend.mjs cdktf.out [env ...]            # the manifest's stacks (of these envs)
 *   node pipelines/scripts/check-state-backend.mjs --stack-dir cdktf.out/stacks/dev-vpn
 *
 * The only place the local backend is accepted is a developer's own `cdktf deploy` with
 * HYB_ALLOW_LOCAL_STATE=<env> (see main.ts); this script has no such switch.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/**
 * @param {string} stackDir
 * @returns {string | undefined} the problem, if the stack's backend is local
 */
export function localBackendProblem(stackDir) {
  const file = join(stackDir, 'cdk.tf.json');
  const stack = basename(stackDir);
  const backend = JSON.parse(readFileSync(file, 'utf8'))?.terraform?.backend ?? {};
  const kinds = Object.keys(backend);
  if (kinds.length > 0 && !kinds.includes('local')) return undefined;
  const env = stack.split('-')[0];
  return `${stack} keeps its Terraform state on the local disk (no stateBackend in config/environments/${env}.yaml): on an agent it is lost with the job and the next run would recreate every resource. Run scripts/bootstrap-state.sh and paste the stateBackend: block it prints into config/environments/${env}.yaml (docs/deploy.md section 1).`;
}

/** @param {string[]} argv */
export function main(argv) {
  /** @type {string[]} */
  let dirs;
  if (argv[0] === '--stack-dir' && argv[1]) dirs = [argv[1]];
  else if (argv.length >= 1 && !argv[0].startsWith('-')) {
    const [outdir, ...environments] = argv;
    const manifest = join(outdir, 'manifest.json');
    if (!existsSync(manifest)) throw new Error(`${manifest} not found: synthesize first (npm run synth)`);
    const ids = Object.keys(JSON.parse(readFileSync(manifest, 'utf8')).stacks ?? {});
    const missing = environments.filter((e) => !ids.some((id) => id.startsWith(`${e}-`)));
    if (missing.length > 0) throw new Error(`no stacks of ${missing.join(', ')} in ${manifest} (config/environments/<env>.yaml exists?)`);
    dirs = ids.filter((id) => environments.length === 0 || environments.some((e) => id.startsWith(`${e}-`))).map((id) => join(outdir, 'stacks', id));
  } else throw new Error('usage: check-state-backend.mjs <cdktf.out> [env ...] | --stack-dir <cdktf.out/stacks/ID>');
  return dirs.map(localBackendProblem).filter((p) => p !== undefined);
}

try {
  const problems = main(process.argv.slice(2));
  for (const p of problems) console.log(`##vso[task.logissue type=error]${p}`);
  if (problems.length > 0) {
    console.error(`check-state-backend: refusing ${problems.length} stack(s) with local state:\n${problems.map((p) => `- ${p}`).join('\n')}`);
    process.exitCode = 1;
  } else console.log('check-state-backend: every stack has a remote state backend');
} catch (error) {
  console.error(`check-state-backend: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
}
