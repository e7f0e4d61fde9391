import { cacheAccountShare, CACHE_ACCOUNT_V2, dailyGB, fitDisk, PROCESS_SERVER_DAILY_LIMIT_GB, verdictText, VM_PEAK_LIMIT_MBPS } from './limits';

/**
 * Whether a replication design takes an expected churn: shared by the advisor's report and the environment
 * validator (services.siteRecovery.expectedChurn), so synth and `npm run churn` never disagree.
 */

export interface ExpectedDisk {
  readonly device: string;
  readonly avgMBps: number;
  readonly peakMBps?: number;
  readonly avgWriteKB?: number | null;
}

export interface ExpectedServer {
  readonly name: string;
  /** Peak across the VM's disks in one interval; default: the sum of the disks' peaks (or averages). */
  readonly vmPeakMBps?: number;
  readonly disks: ReadonlyArray<ExpectedDisk>;
}

export interface DesignCapacity {
  readonly processServers: number;
  /** StorageV2 cache accounts. */
  readonly cacheAccounts: number;
  /** Where the design declares its process servers, for the message (e.g. `services.siteRecovery.processServer 192.168.20.10`). */
  readonly processServersWhere?: string;
}

export interface CapacityFinding {
  readonly severity: 'error' | 'warning';
  /** Index into the servers, when one server is at fault. */
  readonly serverIndex?: number;
  readonly message: string;
  /** The limit, in words (for the `allowed` of a config problem). */
  readonly limit: string;
}

const gb = (n: number) => Math.round(n).toLocaleString('en-US');

export function checkCapacity(servers: ReadonlyArray<ExpectedServer>, design: DesignCapacity): CapacityFinding[] {
  const findings: CapacityFinding[] = [];
  servers.forEach((s, i) => {
    const peak = s.vmPeakMBps ?? s.disks.reduce((sum, d) => sum + (d.peakMBps ?? d.avgMBps), 0);
    if (peak > VM_PEAK_LIMIT_MBPS) {
      findings.push({
        severity: 'error',
        serverIndex: i,
        message: `server ${s.name}: peak churn across its disks ${peak.toFixed(2)} MB/s is above the ${VM_PEAK_LIMIT_MBPS} MB/s Site Recovery supports per VM; no replica disk type fixes that: move its busiest data with DMS/native replication or exclude disks from replication`,
        limit: `at most ${VM_PEAK_LIMIT_MBPS} MB/s per VM`,
      });
    }
    for (const d of s.disks) {
      const fit = fitDisk(d.avgMBps, d.avgWriteKB ?? null);
      if (!fit.fits) {
        findings.push({
          severity: 'warning',
          serverIndex: i,
          message: `server ${s.name} disk ${d.device}: ${d.avgMBps} MB/s ${verdictText(fit)}: Site Recovery will raise high-churn errors; consider DMS or native replication for it (npm run churn prints the alternatives)`,
          limit: 'Premium P20+ takes 20 MB/s at >=16 KB (5 MB/s at 8 KB)',
        });
      }
    }
  });
  const perServer = servers.map((s) => ({ name: s.name, daily: s.disks.reduce((sum, d) => sum + dailyGB(d.avgMBps), 0) }));
  const total = perServer.reduce((sum, s) => sum + s.daily, 0);
  const largest = [...perServer].sort((a, b) => b.daily - a.daily).slice(0, 3).map((s) => `${s.name} ${gb(s.daily)} GB/day`).join(', ');
  const processServers = Math.max(1, Math.ceil(total / PROCESS_SERVER_DAILY_LIMIT_GB - 1e-9));
  if (processServers > design.processServers) {
    findings.push({
      severity: 'error',
      message: `the expected churn totals ${gb(total)} GB a day (largest: ${largest}); a process server takes ${gb(PROCESS_SERVER_DAILY_LIMIT_GB)} GB (2 TB) a day and the design has ${design.processServers}${design.processServersWhere ? ` (${design.processServersWhere})` : ''}: ${processServers} are needed. Split the servers over more replication appliances, or move the busiest (databases) with DMS/native replication`,
      limit: `at most ${gb(PROCESS_SERVER_DAILY_LIMIT_GB * design.processServers)} GB a day for ${design.processServers} process server(s)`,
    });
  }
  const share = servers.flatMap((s) => s.disks).reduce((sum, d) => sum + cacheAccountShare(d.avgMBps), 0);
  if (share > design.cacheAccounts + 1e-9) {
    findings.push({
      severity: 'error',
      message: `the expected churn needs ${(share * 100).toFixed(0)}% of a v2 cache storage account (largest: ${largest}); one takes ${CACHE_ACCOUNT_V2.disksAt4MBps.toLocaleString('en-US')} disks at 4 MB/s or ${CACHE_ACCOUNT_V2.disksAt8MBps} at 8 MB/s and the design has ${design.cacheAccounts}`,
      limit: `${CACHE_ACCOUNT_V2.disksAt4MBps.toLocaleString('en-US')} disks at 4 MB/s or ${CACHE_ACCOUNT_V2.disksAt8MBps} at 8 MB/s per StorageV2 account`,
    });
  }
  return findings;
}
