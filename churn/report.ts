import type { ChurnReport } from './analyze';
import { VM_PEAK_LIMIT_MBPS } from './limits';
import type { CostComparison } from './prices';

const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);
const num = (n: number, d = 2) => n.toFixed(d);

/** The human-readable report: per server and disk, then the whole set. */
export function renderText(report: ChurnReport, costs: CostComparison | null): string {
  const out: string[] = [];
  const diskCount = report.servers.reduce((n, s) => n + s.disks.length, 0);
  out.push(`Site Recovery churn advisor: ${report.servers.length} server(s), ${diskCount} disk(s)`);
  out.push(`Limits: ${report.limitsSource}`);
  for (const s of report.servers) {
    out.push('');
    const boot = s.sinceBootReport === 'ignored' ? ', since-boot report ignored' : s.sinceBootReport === 'only-report' ? ', ONLY the since-boot report' : '';
    const db = s.database ? (s.databaseReason === 'flag' ? ' [database server: --database]' : ' [database server: by its name; --no-database if not]') : '';
    out.push(`${s.name}${db} (${s.format}, ${s.intervals} interval(s)${boot}; ${s.file})`);
    if (s.disks.length === 0) out.push('  no disk wrote anything it could measure');
    else {
      out.push(`  ${pad('disk', 10)} ${lpad('avg MB/s', 9)} ${lpad('peak MB/s', 10)} ${lpad('avg write', 10)} ${lpad('GB/day', 9)}  lowest fitting replica disk`);
      for (const d of s.disks) {
        out.push(
          `  ${pad(d.device, 10)} ${lpad(num(d.avgMBps), 9)} ${lpad(num(d.peakMBps), 10)} ${lpad(d.avgWriteKB === null ? 'unknown' : `${num(d.avgWriteKB, 1)} KB`, 10)} ${lpad(num(d.dailyGB, 1), 9)}  ${d.fits ?? 'none'}`,
        );
      }
      for (const d of s.disks) out.push(`  ${d.device} -> ${d.verdict}`);
    }
    out.push(`  VM peak: ${num(s.vmPeakMBps)} MB/s of ${VM_PEAK_LIMIT_MBPS} MB/s per VM${s.vmPeakMBps > VM_PEAK_LIMIT_MBPS ? ' (EXCEEDED)' : ''}`);
    const byReason = new Map<string, string[]>();
    for (const i of s.ignoredDevices) byReason.set(i.reason, [...(byReason.get(i.reason) ?? []), i.device]);
    for (const [reason, devices] of byReason) out.push(`  ignored ${devices.join(', ')}: ${reason}`);
    for (const a of s.alternatives) out.push(`  instead: ${a}`);
  }
  out.push('');
  out.push('Whole set:');
  out.push(`  churn per day: ${num(report.totalDailyGB, 1)} GB of ${report.processServerDailyLimitGB} GB (2 TB) per process server -> ${report.processServersNeeded} process server(s) needed`);
  const c = report.cacheStorage;
  out.push(`  cache storage (v2 account, ${c.capacity}): ${c.disks} disk(s) take ${num(c.accountShare * 100, 1)}% of one account -> ${c.accountsNeeded} account(s) needed`);
  if (costs) {
    out.push(`  monthly replica disks (${costs.currency}, your prices): ${num(costs.fittingMonthly)} on the lowest fitting types vs ${num(costs.allStandardMonthly)} if all were Standard` + (costs.allStandardMonthly > 0 ? ` (x${num(costs.fittingMonthly / costs.allStandardMonthly, 1)})` : ''));
    for (const d of costs.disks) out.push(`    ${d.server} ${d.device}: ${d.type ?? 'no type fits'} ${d.monthly === null ? '' : num(d.monthly)}`.trimEnd());
  } else {
    out.push('  prices: unknown (none are shipped; pass --prices FILE with your monthly price per replica disk type for a cost comparison)');
  }
  if (report.warnings.length > 0) {
    out.push('');
    out.push('Warnings:');
    for (const w of report.warnings) out.push(`  - ${w}`);
  }
  return out.join('\n') + '\n';
}
