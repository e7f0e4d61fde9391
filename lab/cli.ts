import { labPrerequisites, sweepStale } from './netns';
import { resultTable } from './checks';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runLab } from './lab';
import { labSynth } from './synth';
import { variantProblems, VARIANTS } from './variants';

/**
 * `npm run lab -- --env <env> [--outdir cdktf.out] [--variant <name>] [--json]`: builds the hybrid lab from the synthesized stacks
 * and handoff of one environment (run `npm run synth` first), runs the runbook checks, prints the table (or JSON)
 * and exits 1 when a check fails or the lab cannot run (saying why). With --variant, one of the reproduced
 * outages (lab/variants.ts): exit 0 when it fails exactly the expected check with the expected hint.
 */
async function main(argv: string[]): Promise<number> {
  const arg = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
  const env = arg('--env');
  if (!env) {
    console.error('usage: npm run lab -- --env <env> [--outdir cdktf.out] [--variant <name>] [--json]');
    return 2;
  }
  const why = labPrerequisites();
  if (why) {
    console.error(`lab cannot run: ${why}`);
    return 1;
  }
  // Bounded run time: every step has its own timeout; this is the backstop (cleanup runs from the exit handler).
  const limit = Number(process.env.LAB_TIMEOUT_SECONDS ?? 120);
  setTimeout(() => { console.error(`lab exceeded ${limit} s; cleaned up`); process.exit(1); }, limit * 1000).unref();
  const swept = sweepStale();
  if (swept.length > 0) console.error(`removed ${swept.length} namespace(s) left by an interrupted lab run`);
  const variantName = arg('--variant');
  const variant = variantName ? VARIANTS[variantName] : undefined;
  if (variantName && !variant) {
    console.error(`unknown variant "${variantName}"; allowed: ${Object.keys(VARIANTS).join(', ')}`);
    return 2;
  }
  let outdir = arg('--outdir') ?? 'cdktf.out';
  let tmp: string | undefined;
  if (variant?.synth) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-synth-'));
    outdir = tmp;
    const { refused } = labSynth({ outdir, envs: [env], ...variant.synth });
    console.log(`variant ${variantName}: ${variant.description}`);
    for (const p of refused) console.log(`  the validator refuses it (bypassed for this lab run only): ${p.path}: ${p.message.slice(0, 160)}...`);
  } else if (variant) console.log(`variant ${variantName}: ${variant.description}`);
  let result;
  try {
    result = await runLab({ outdir, env, ...(variant?.onPremises ? { onPremises: variant.onPremises } : {}), log: argv.includes('--json') ? undefined : (l) => console.log(l) });
  } finally {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
  if (argv.includes('--json')) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(`\nHybrid lab for ${env}: ${result.results.filter((r) => r.pass).length}/${result.results.length} checks passed in ${result.seconds.toFixed(1)} s\n`);
    console.log(resultTable(result.results));
    for (const n of result.notes) console.log(`note: ${n}`);
  }
  if (variant) {
    const problems = variantProblems(variant, result.results);
    console.log(problems.length === 0 ? `\nvariant ${variantName}: failed exactly as expected (the broken path, with the runbook's hint)` : `\nvariant ${variantName}: NOT reproduced as expected:\n  ${problems.join('\n  ')}`);
    return problems.length === 0 ? 0 : 1;
  }
  return result.results.every((r) => r.pass) ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (e) => { console.error(`lab failed: ${(e as Error).message}`); process.exit(1); });
