import { CheckResult, judgeAll, probeScript, resultTable, Role } from './checks';
import type { runProbes as RunProbes } from './probe';
import { verifyChecks, verifyInputs } from './verify';

/**
 * `npm run verify -- --env <env> [--from client,dns,appliance,spoke,agent] [--outputs outputs.json]
 *   [--addresses site.json] [--outdir cdktf.out] [--json] [--strict]`
 * Runs the checks of the roles this machine plays against the real environment and prints a table (or JSON);
 * every failure carries the runbook's hint. Exit 1 when a check fails (with --strict also when one was skipped).
 */
const ROLES: Role[] = ['client', 'dns', 'appliance', 'spoke', 'agent'];

async function main(argv: string[]): Promise<number> {
  const arg = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
  const env = arg('--env');
  const roles = (arg('--from') ?? 'client').split(',') as Role[];
  const bad = roles.filter((r) => !ROLES.includes(r));
  if (!env || bad.length > 0) {
    console.error(`usage: npm run verify -- --env <env> [--from ${ROLES.join(',')}] [--outputs file] [--addresses file] [--outdir cdktf.out] [--json] [--strict]${bad.length ? `\nunknown role(s): ${bad.join(', ')}` : ''}`);
    return 2;
  }
  const inputs = verifyInputs({ outdir: arg('--outdir') ?? 'cdktf.out', env, outputsFile: arg('--outputs'), addressesFile: arg('--addresses') });
  const checks = verifyChecks(inputs, roles);
  const started = Date.now();
  // probe.js is plain JavaScript next to the sources (also run inside the lab's namespaces): loaded by path.
  const runProbes = (require(probeScript()) as { runProbes: typeof RunProbes }).runProbes;
  const results: CheckResult[] = judgeAll(checks, await runProbes(checks.map((c) => c.probe)));
  const summary = { passed: results.filter((r) => r.pass).length, failed: results.filter((r) => !r.pass && !r.skipped).length, skipped: results.filter((r) => r.skipped).length, seconds: (Date.now() - started) / 1000 };
  if (argv.includes('--json')) console.log(JSON.stringify({ env, from: roles, summary, results }, null, 2));
  else {
    console.log(`verify ${env} from ${roles.join(', ')}: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped in ${summary.seconds.toFixed(1)} s\n`);
    console.log(resultTable(results));
  }
  return summary.failed > 0 || (argv.includes('--strict') && summary.skipped > 0) ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (e) => { console.error(`verify failed: ${(e as Error).message}`); process.exit(1); });
