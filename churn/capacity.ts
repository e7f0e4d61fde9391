import { cacheAccountShare, CACHE_ACCOUNT_V2, dailyGB, fitDisk, PROCESS_SERVER_DAILY_LIMIT_GB, VM_PEAK_LIMIT_MBPS } from './limits';

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
  // Messages stay short (config errors print at most 240 characters of one); the remedy goes in `limit`.
  const findings: CapacityFinding[] = [];
  servers.forEach((s, i) => {
    const peak = s.vmPeakMBps ?? s.disks.reduce((sum, d) => sum + (d.peakMBps ?? d.avgMBps), 0);
    if (peak > VM_PEAK_LIMIT_MBPS) {
      findings.push({
        severity: 'error',
        serverIndex: i,
        message: `server ${s.name}: peak churn across its disks ${peak.toFixed(2)} MB/s is above Site Recovery's ${VM_PEAK_LIMIT_MBPS} MB/s per VM`,
        limit: `at most ${VM_PEAK_LIMIT_MBPS} MB/s per VM; no replica disk type fixes that: move its busiest data with DMS/native replication or exclude disks from replication`,
      });
    }
    for (const d of s.disks) {
      const fit = fitDisk(d.avgMBps, d.avgWriteKB ?? null);
      if (!fit.fits) {
        const top = fit.exceeds[fit.exceeds.length - 1]!;
        findings.push({
          severity: 'warning',
          serverIndex: i,
          message: `server ${s.name} disk ${d.device}: ${d.avgMBps} MB/s is above every replica disk type (${top.limit}): Site Recovery will raise high-churn errors`,
          limit: 'DMS or native replication for its data, or the data spread over more disks (npm run churn prints the alternatives)',
        });
      }
    }
  });
  const perServer = servers.map((s) => ({ name: s.name, daily: s.disks.reduce((sum, d) => sum + dailyGB(d.avgMBps), 0) }));
  const total = perServer.reduce((sum, s) => sum + s.daily, 0);
  const largest = [...perServer].sort((a, b) => b.daily - a.daily).slice(0, 3).map((s) => `${s.name} ${gb(s.daily)}`).join(', ') + ' GB/day';
  const processServers = Math.max(1, Math.ceil(total / PROCESS_SERVER_DAILY_LIMIT_GB - 1e-9));
  if (processServers > design.processServers) {
    findings.push({
      severity: 'error',
      message: `expected churn ${gb(total)} GB/day is more than the ${gb(PROCESS_SERVER_DAILY_LIMIT_GB * design.processServers)} GB/day (2 TB each) of ${design.processServers} process server(s)${design.processServersWhere ? ` (${design.processServersWhere})` : ''}: ${processServers} needed; largest: ${largest}`,
      limit: `at most ${gb(PROCESS_SERVER_DAILY_LIMIT_GB * design.processServers)} GB a day for ${design.processServers} process server(s): split the servers over more replication appliances, or move the busiest (databases) with DMS/native replication`,
    });
  }
  const disks = servers.flatMap((s) => s.disks);
  const share = disks.reduce((sum, d) => sum + cacheAccountShare(d.avgMBps), 0);
  if (share > design.cacheAccounts + 1e-9) {
    findings.push({
      severity: 'error',
      message: `expected churn of ${disks.length} disks needs ${(share * 100).toFixed(0)}% of a v2 cache storage account and the design has ${design.cacheAccounts}; largest: ${largest}`,
      limit: `${CACHE_ACCOUNT_V2.disksAt4MBps.toLocaleString('en-US')} disks at 4 MB/s or ${CACHE_ACCOUNT_V2.disksAt8MBps} at 8 MB/s per StorageV2 account: split the servers over more vaults/cache accounts, or move the busiest with DMS/native replication`,
    });
  }
  return findings;
}
