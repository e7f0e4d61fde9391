/** Human (table) and machine (policy-report.json) renderings of a PolicyReport. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Finding, PolicyReport } from './types';

export const REPORT_FILE = 'policy-report.json';

function status(f: Finding): string {
  if (f.suppressed) return 'suppressed';
  return f.status === 'fail' ? f.severity : `${f.severity} (${f.status})`;
}

/** A compact fixed-width table: blocking findings first, then warnings, then suppressed ones with their reason. */
export function formatFindingsTable(report: PolicyReport): string {
  const ruleCount = report.packs.reduce((n, p) => n + p.rules.length, 0);
  const head =
    `policy: ${ruleCount} rules (${report.packs.map((p) => p.name).join(', ')}) over ${report.resourcesChecked} resources in ` +
    `${report.stacks.length} stacks: ${report.summary.errors} errors, ${report.summary.warnings} warnings, ${report.summary.suppressed} suppressed`;
  if (report.findings.length === 0) return head;
  const rank = (f: Finding): number => (f.suppressed ? 2 : f.severity === 'error' ? 0 : 1);
  const sorted = [...report.findings].sort((a, b) => rank(a) - rank(b) || a.stack.localeCompare(b.stack) || a.address.localeCompare(b.address));
  const rows = sorted.map((f) => [status(f), f.ruleId, f.stack, f.address, f.suppressed ? `${f.message} [reason: ${f.reason}]` : f.message]);
  const header = ['STATUS', 'RULE', 'STACK', 'ADDRESS', 'MESSAGE'];
  const widths = header.slice(0, 4).map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 4 ? c.padEnd(widths[i]!) : c)).join('  ');
  return [head, line(header), ...rows.map(line)].join('\n');
}

/** Writes `<outdir>/policy-report.json` and returns its path. */
export function writeReport(report: PolicyReport, outdir: string): string {
  const file = path.join(outdir, REPORT_FILE);
  const findings = report.findings.map((f) => ({
    ruleId: f.ruleId,
    pack: f.pack,
    severity: f.severity,
    status: f.status,
    stack: f.stack,
    address: f.address,
    message: f.message,
    suppressed: f.suppressed,
    ...(f.suppressed ? { reason: f.reason } : {}),
    title: f.title,
    remediation: f.remediation,
    ...(f.checkov ? { checkov: f.checkov } : {}),
  }));
  fs.mkdirSync(outdir, { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify({ ...report, findings }, null, 2)}\n`);
  return file;
}
