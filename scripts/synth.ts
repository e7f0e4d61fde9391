import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdktf';
import { ConfigError, formatProblem, loadEnvironments } from '../config';
import { redactText } from '../config/redact';
import { buildApp } from '../stacks/app';
import { checkSynthOutput } from '../policy';
import { writeHandoff } from '../handoff';
import { addressPlan, stackSummary } from './summary';
import { writePreflight } from './preflight-requirements';

/**
 * `npm run synth`: validate every environment file, synthesize every stack of every environment into
 * cdktf.out/ (the layout `cdktf synth` writes), run the post-synth passes, and print a readable summary.
 * Exit code 1 on invalid configuration (nothing written) or on error-level policy findings.
 */
export function synthesize(outdir = 'cdktf.out', names?: string[], configDir?: string): number {
  const started = Date.now();
  let environments;
  try {
    environments = loadEnvironments(names, configDir);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
  for (const env of environments) for (const w of env.warnings) console.warn(formatProblem(env.file, w));

  fs.rmSync(outdir, { recursive: true, force: true });
  const app = new App({ outdir });
  try {
    buildApp(app, environments);
    app.synth();
  } catch (error) {
    // A construct refused a value the validators let through: one line naming it, no stack (SYNTH_DEBUG=1 shows it).
    if (process.env.SYNTH_DEBUG) throw error;
    console.error(`synth failed, nothing usable was written: ${redactText(error instanceof Error ? error.message : String(error))}`);
    return 1;
  }
  const synthSeconds = (Date.now() - started) / 1000;

  let exitCode = 0;
  // Post-synth passes (policy pack, on-premises handoff) are registered below.
  // Policy pack: findings table, cdktf.out/policy-report.json; any unsuppressed error-level finding fails synth.
  if (!checkSynthOutput(outdir)) exitCode = 1;
  // On-premises handoff: conditional forwarders, firewall rules, hosts fallback, runbook per environment (docs/dns.md).
  console.log(`handoff: ${writeHandoff(outdir, environments).length} files in ${outdir}/handoff/<env>/`);
  // First deploy on a fresh subscription: what scripts/preflight.sh checks with the Azure CLI (docs/deploy.md).
  console.log(`preflight: ${writePreflight(outdir, environments).length} files in ${outdir}/preflight/<env>/ (scripts/preflight.sh --env <env>)`);

  console.log(`\nSynthesized ${fs.readdirSync(path.join(outdir, 'stacks')).length} stacks for ${environments.length} environment(s) in ${synthSeconds.toFixed(1)} s -> ${outdir}/stacks/<stack>/cdk.tf.json\n`);
  console.log(stackSummary(outdir));
  for (const env of environments) {
    console.log(`\nAddress plan: ${env.config.name} (${env.config.location})`);
    console.log(addressPlan(env));
  }
  return exitCode;
}

if (require.main === module) {
  const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  process.exitCode = synthesize(process.env.CDKTF_OUTDIR ?? 'cdktf.out', names.length > 0 ? names : undefined);
}
