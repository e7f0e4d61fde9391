import { LoadedEnvironment } from '../config';

/**
 * The local state backend is for the offline synth and tests (`npm run synth`, jest) and for a developer's own
 * throwaway environment. `cdktf synth|diff|deploy` (main.ts) refuses environments without `stateBackend` unless
 * the developer opts in per environment with HYB_ALLOW_LOCAL_STATE=<env>[,<env>...]; on a CI agent (Azure
 * Pipelines sets TF_BUILD, most others CI) the opt-in is ignored: there the state would be thrown away with the
 * job and the next run would create every resource again next to the real ones. The pipelines check the
 * synthesized stacks themselves (pipelines/scripts/check-state-backend.mjs).
 */
export const OPT_IN = 'HYB_ALLOW_LOCAL_STATE';

/** One message per environment on the local backend that may not use it; empty when all is well. */
export function localStateProblems(environments: readonly LoadedEnvironment[], env: NodeJS.ProcessEnv = process.env): string[] {
  const onAgent = Boolean(env['TF_BUILD'] || (env['CI'] && env['CI'] !== 'false'));
  const optedIn = new Set((env[OPT_IN] ?? '').split(',').map((s) => s.trim()).filter(Boolean));
  return environments
    .filter((e) => !e.config.stateBackend && (onAgent || !optedIn.has(e.config.name)))
    .map((e) => {
      const name = e.config.name;
      const how = onAgent
        ? `this is a CI agent (${env['TF_BUILD'] ? 'TF_BUILD' : 'CI'} is set), where local state is lost with the job: ${OPT_IN} does not apply here`
        : `for a throwaway environment of your own only, opt in with ${OPT_IN}=${name}`;
      return `${e.file}: no stateBackend, so cdktf would keep ${name}'s Terraform state in local files (terraform.${name}-<stack>.tfstate). Run scripts/bootstrap-state.sh and paste the stateBackend: block it prints into ${e.file} (docs/deploy.md section 1); ${how}.`;
    });
}
