import { labPrerequisites, sweepStale } from './netns';
import { resultTable } from './checks';
import { runLab } from './lab';

/**
 * `npm run lab -- --env <env> [--outdir cdktf.out] [--json]`: builds the hybrid lab from the synthesized stacks
 * and handoff of one environment (run `npm run synth` first), runs the runbook checks, prints the table (or JSON)
 * and exits 1 when a check fails or the lab cannot run (saying why).
 */
async function main(argv: string[]): Promise<number> {
  const arg = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
  const env = arg('--env');
  if (!env) {
    console.error('usage: npm run lab -- --env <env> [--outdir cdktf.out] [--json]');
    return 2;
  }
  const why = labPrerequisites();
  if (why) {
    console.error(`lab cannot run: ${why}`);
    return 1;
  }
  const swept = sweepStale();
  if (swept.length > 0) console.error(`removed ${swept.length} namespace(s) left by an interrupted lab run`);
  const result = await runLab({ outdir: arg('--outdir') ?? 'cdktf.out', env, log: argv.includes('--json') ? undefined : (l) => console.log(l) });
  if (argv.includes('--json')) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(`\nHybrid lab for ${env}: ${result.results.filter((r) => r.pass).length}/${result.results.length} checks passed in ${result.seconds.toFixed(1)} s\n`);
    console.log(resultTable(result.results));
    for (const n of result.notes) console.log(`note: ${n}`);
  }
  return result.results.every((r) => r.pass) ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (e) => { console.error(`lab failed: ${(e as Error).message}`); process.exit(1); });
