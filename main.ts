import { App } from 'cdktf';
import { ConfigError, formatProblem, loadEnvironments } from './config';
import { writeHandoff } from './handoff';
import { checkSynthOutput } from './policy';
import { buildApp } from './stacks/app';

/**
 * cdktf entry point (`cdktf synth|diff|deploy` run this through cdktf.json). ENVIRONMENTS=dev,prod limits the
 * environments; by default every file in config/environments is synthesized. The same post-synth passes as
 * `npm run synth` run here, so the CLI path also stops on policy errors and writes the handoff files.
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
  const app = new App();
  buildApp(app, environments);
  app.synth();
  writeHandoff(app.outdir, environments);
  if (!checkSynthOutput(app.outdir)) process.exit(1);
}

main();
