/**
 * Policy pack for the synthesized cdktf output. Typical use after `app.synth()`:
 *
 *   const report = runPolicy(app.outdir);
 *   console.log(formatFindingsTable(report));
 *   writeReport(report, app.outdir);
 *   if (hasBlockingFindings(report)) process.exitCode = 1;
 *
 * In constructs: `suppress(resource, 'AZ-NIC-002', 'why this is accepted')`.
 */
export { checkStacks, hasBlockingFindings, runPolicy } from './engine';
export { azureBaseline, defaultPacks, findRule, hybridNetwork } from './packs';
export { formatFindingsTable, REPORT_FILE, writeReport } from './report';
export { AppContext, StackContext, type StackJson } from './resolve';
export { MIN_REASON_LENGTH, suppress } from './suppress';
export type { Finding, PolicyReport, Problem, Rule, RulePack, Severity, SynthResource } from './types';

import { hasBlockingFindings, runPolicy } from './engine';
import { formatFindingsTable, writeReport } from './report';

/**
 * The synth step in one call: check `outdir`, print the table, write the report; returns false when synth must fail.
 * `log` defaults to console.log so scripts stay one line.
 */
export function checkSynthOutput(outdir: string, log: (line: string) => void = console.log): boolean {
  const report = runPolicy(outdir);
  log(formatFindingsTable(report));
  const file = writeReport(report, outdir);
  log(`policy report: ${file}`);
  return !hasBlockingFindings(report);
}
