/**
 * Checks an existing synth output, e.g. after `npx cdktf synth` (which does not run the pack itself):
 *   node dist/policy/cli.js [outdir=cdktf.out]
 * Same table, report file and exit code as the step inside `npm run synth`.
 */
import { checkSynthOutput } from './index';

if (require.main === module) {
  const outdir = process.argv[2] ?? 'cdktf.out';
  try {
    process.exitCode = checkSynthOutput(outdir) ? 0 : 1;
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 2;
  }
}
