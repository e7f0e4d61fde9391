import { selectDevices } from './devices';
import {
  cacheAccountShare,
  CACHE_ACCOUNT_V2,
  CHURN_LIMITS_SOURCE,
  dailyGB,
  Exceeded,
  fitDisk,
  PROCESS_SERVER_DAILY_LIMIT_GB,
  ReplicaDiskType,
  verdictText,
  VM_PEAK_LIMIT_MBPS,
} from './limits';
import type { CaptureFormat, ParsedFile, ServerCapture } from './parse/types';

export interface DiskReport {
  readonly device: string;
  readonly avgMBps: number;
  readonly peakMBps: number;
  /** Average write request size; null when the source has no write counts or the disk did not write. */
  readonly avgWriteKB: number | null;
  /** The average sustained for 24 hours. */
  readonly dailyGB: number;
  readonly fits: ReplicaDiskType | null;
  readonly exceeds: ReadonlyArray<Exceeded>;
  /** e.g. `exceeds Standard (2 MB/s) and ...; fits Premium P20+ (20 MB/s); database server: consider DMS` */
  readonly verdict: string;
}

export interface ServerReport {
  readonly name: string;
  readonly file: string;
  readonly format: CaptureFormat;
  readonly database: boolean;
  /** Why it is treated as a database server: `--database`, or its name. */
  readonly databaseReason?: 'flag' | 'name';
  /** Measurement intervals used (the since-boot iostat report excluded). */
  readonly intervals: number;
  /** Seconds covered, when the capture has timestamps (diskstats); null for iostat and perfmon. */
  readonly measuredSeconds: number | null;
  readonly sinceBootReport: 'ignored' | 'only-report' | 'none' | 'n/a';
  /** Highest sum over the VM's disks within one interval. */
  readonly vmPeakMBps: number;
  readonly vmPeakLimitMBps: number;
  readonly disks: ReadonlyArray<DiskReport>;
  readonly ignoredDevices: ReadonlyArray<{ device: string; reason: string }>;
  /** What to do instead of (or besides) buying a bigger replica disk. */
  readonly alternatives: ReadonlyArray<string>;
}

export interface ChurnReport {
  readonly limitsSource: string;
  readonly servers: ReadonlyArray<ServerReport>;
  readonly totalDailyGB: number;
  readonly processServerDailyLimitGB: number;
  /** Process servers needed for the whole set at 2 TB a day each (at least 1). */
  readonly processServersNeeded: number;
  readonly cacheStorage: {
    readonly account: 'StorageV2';
    readonly capacity: string;
    readonly disks: number;
    /** Share of one v2 account the disks take (1 = full). */
    readonly accountShare: number;
    readonly accountsNeeded: number;
  };
  readonly warnings: ReadonlyArray<string>;
}

export interface CaptureInput {
  readonly parsed: ParsedFile;
  readonly capture: ServerCapture;
  /** From --server; otherwise the host in the file, otherwise the file name. */
  readonly name: string;
  /** --database / --no-database; undefined lets the name decide. */
  readonly database?: boolean;
}

/** Names that say "database server"; the user confirms or overrides with --database / --no-database. */
const DATABASE_NAME = /(sql|maria|postgres|pgsql|oracle|mongo|db2|(^|[-_.])db\d*($|[-_.])|^db)/i;

export const DMS_ADVICE =
  'database server: consider DMS (Azure Database Migration Service, online) or the engine\'s native replication ' +
  '(MySQL/MariaDB binlog replication, PostgreSQL logical replication, SQL Server log shipping or an availability group) ' +
  'to the target instead of replicating its disks. Why: they ship committed changes, not every block the engine writes ' +
  '(data files, redo/WAL, doublewrite buffer and binlog each write the same change), so no replica disk churn limit applies, ' +
  'no Premium replica disks are needed, and the cut-over is minutes of downtime. Replicate only the OS disk if the VM itself must move.';

const round = (n: number, digits: number) => Number(n.toFixed(digits));
const MB = 1024 * 1024;

export function analyze(inputs: ReadonlyArray<CaptureInput>): ChurnReport {
  const warnings: string[] = [];
  const servers: ServerReport[] = [];
  for (const input of inputs) {
    const { capture, parsed } = input;
    const all = [...new Set(capture.intervals.flatMap((iv) => [...iv.devices.keys()]))];
    const selection = selectDevices(all);
    warnings.push(...selection.warnings.map((w) => `${input.name}: ${w}`));
    const database = input.database ?? DATABASE_NAME.test(input.name);
    const databaseReason = input.database !== undefined ? (input.database ? 'flag' : undefined) : database ? 'name' : undefined;
    const weight = (seconds: number | undefined) => seconds ?? 1;

    const disks: DiskReport[] = [];
    for (const device of selection.kept) {
      let bytes = 0;
      let time = 0;
      let writes = 0;
      let sizeKnown = true;
      let peak = 0;
      for (const iv of capture.intervals) {
        const d = iv.devices.get(device) ?? (capture.absentMeansIdle ? { bytesPerSec: 0, writesPerSec: 0 } : undefined);
        if (!d) continue;
        const w = weight(iv.seconds);
        bytes += d.bytesPerSec * w;
        time += w;
        if (d.writesPerSec === undefined) sizeKnown = false;
        else writes += d.writesPerSec * w;
        peak = Math.max(peak, d.bytesPerSec);
      }
      const avgMBps = time > 0 ? bytes / time / MB : 0;
      const avgWriteKB = sizeKnown && writes > 0 ? bytes / writes / 1024 : null;
      const fit = fitDisk(avgMBps, avgWriteKB);
      if (avgMBps > 0 && avgWriteKB === null) {
        warnings.push(`${input.name} ${device}: the write size is unknown (no write counts in ${parsed.file}): the 8 KB rows, the most conservative, were used`);
      } else if (avgWriteKB !== null && avgWriteKB < 8 && avgMBps > (fit.fitLimitMBps ?? 0) / 2) {
        warnings.push(`${input.name} ${device}: average write ${round(avgWriteKB, 1)} KB is below the table's smallest row (8 KB): the 8 KB limits were used and may be optimistic`);
      }
      if (fit.fits && peak / MB > fit.fitLimitMBps!) {
        warnings.push(`${input.name} ${device}: peak ${round(peak / MB, 2)} MB/s is above the ${fit.fitLimitMBps} MB/s of ${fit.fits}: bursts longer than the ~5 minutes of backlog the limits assume raise high-churn alerts`);
      }
      const verdict = verdictText(fit) + (database ? '; database server: consider DMS' : '');
      disks.push({ device, avgMBps: round(avgMBps, 3), peakMBps: round(peak / MB, 3), avgWriteKB: avgWriteKB === null ? null : round(avgWriteKB, 2), dailyGB: round(dailyGB(avgMBps), 1), fits: fit.fits, exceeds: fit.exceeds, verdict });
    }

    let vmPeak = 0;
    for (const iv of capture.intervals) {
      const sum = selection.kept.reduce((s, d) => s + (iv.devices.get(d)?.bytesPerSec ?? 0), 0);
      vmPeak = Math.max(vmPeak, sum / MB);
    }
    const alternatives: string[] = [];
    if (database) alternatives.push(DMS_ADVICE);
    const unfit = disks.filter((d) => d.fits === null);
    if (unfit.length > 0) {
      alternatives.push(
        `no replica disk type takes ${unfit.map((d) => `${d.device} (${d.avgMBps} MB/s${d.avgWriteKB !== null ? ` at ${d.avgWriteKB} KB` : ''})`).join(', ')}: ` +
          'spread the data over several disks (the limits are per disk), exclude disks that hold only scratch or temporary data from replication, ' +
          'or move the data at the application level (DMS or native replication for a database, a file copy/sync tool for files) and replicate the rest.',
      );
    }
    if (vmPeak > VM_PEAK_LIMIT_MBPS) {
      alternatives.push(`the peak across the VM's disks (${round(vmPeak, 2)} MB/s) is above Site Recovery's ${VM_PEAK_LIMIT_MBPS} MB/s per VM: no disk type fixes that; move the busiest data at the application level (as above) or exclude disks from replication.`);
      warnings.push(`${input.name}: VM peak ${round(vmPeak, 2)} MB/s exceeds the ${VM_PEAK_LIMIT_MBPS} MB/s Site Recovery supports per VM`);
    }
    servers.push({
      name: input.name,
      file: parsed.file,
      format: parsed.format,
      database,
      ...(databaseReason ? { databaseReason } : {}),
      intervals: capture.intervals.length,
      measuredSeconds: capture.intervals.every((iv) => iv.seconds !== undefined) ? round(capture.intervals.reduce((t, iv) => t + iv.seconds!, 0), 3) : null,
      sinceBootReport: parsed.sinceBoot ?? 'n/a',
      vmPeakMBps: round(vmPeak, 3),
      vmPeakLimitMBps: VM_PEAK_LIMIT_MBPS,
      disks,
      ignoredDevices: selection.ignored,
      alternatives,
    });
  }
  const allDisks = servers.flatMap((s) => s.disks);
  const totalDailyGB = allDisks.reduce((sum, d) => sum + dailyGB(d.avgMBps), 0);
  const share = allDisks.reduce((sum, d) => sum + cacheAccountShare(d.avgMBps), 0);
  return {
    limitsSource: CHURN_LIMITS_SOURCE,
    servers,
    totalDailyGB: round(totalDailyGB, 1),
    processServerDailyLimitGB: PROCESS_SERVER_DAILY_LIMIT_GB,
    processServersNeeded: Math.max(1, Math.ceil(totalDailyGB / PROCESS_SERVER_DAILY_LIMIT_GB - 1e-9)),
    cacheStorage: {
      account: 'StorageV2',
      capacity: `${CACHE_ACCOUNT_V2.disksAt4MBps.toLocaleString('en-US')} disks at 4 MB/s or ${CACHE_ACCOUNT_V2.disksAt8MBps} at 8 MB/s`,
      disks: allDisks.length,
      accountShare: round(share, 4),
      accountsNeeded: Math.max(1, Math.ceil(share - 1e-9)),
    },
    warnings,
  };
}
