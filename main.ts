import { App } from 'cdktf';
import { ConfigError, formatProblem, loadEnvironments } from './config';
import { redactText } from './config/redact';
import { writeHandoff } from './handoff';
import { checkSynthOutput } from './policy';
import { localStateProblems } from './scripts/local-state-guard';
import { buildApp } from './stacks/app';

/**
 * cdktf entry point (`cdktf synth|diff|deploy` run this through cdktf.json). ENVIRONMENTS=dev,prod limits the
 * environments; by default every file in config/environments is synthesized. Environments without a
 * stateBackend are refused unless HYB_ALLOW_LOCAL_STATE names them (scripts/local-state-guard.ts). The same
 * post-synth passes as `npm run synth` run here, so the CLI path also stops on policy errors and writes the
 * handoff files.
 */
function main(): void {
  const names = process.env.ENVIRONMENTS?.split(',').map((s) => s.trim()).filter(Boolean);
  let environments;
  try {
    environments = loadEnvironments(names);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  for (const env of environments) for (const w of env.warnings) console.warn(formatProblem(env.file, w));
  // The cdktf CLI path (synth, diff, deploy) refuses local state unless a developer opts in (npm run synth does not).
  const localState = localStateProblems(environments);
  if (localState.length > 0) {
    for (const p of localState) console.error(p);
    process.exit(1);
  }
  const app = new App();
  try {
    buildApp(app, environments);
    app.synth();
  } catch (error) {
    // Same as npm run synth: one redacted line, no stack trace (SYNTH_DEBUG=1 rethrows).
    if (process.env.SYNTH_DEBUG) throw error;
    console.error(`synth failed: ${redactText(error instanceof Error ? error.message : String(error))}`);
    process.exit(1);
  }
  writeHandoff(app.outdir, environments);
  if (!checkSynthOutput(app.outdir)) process.exit(1);
}

main();
