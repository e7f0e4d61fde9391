/**
 * Site Recovery churn limits for VMware/physical machines replicating to Azure.
 * Source: azure-docs articles/site-recovery/vmware-physical-azure-support-matrix.md @36f1051 (ms.date 2023-09-28),
 * "Churn limits", as copied with its source in shared/reference/azure-hybrid-network.md section 4.2.
 * The figures assume 30% I/O overlap and about 5 minutes of backlog; the Deployment Planner gives real numbers.
 *
 * Units follow the table and iostat: 1 KB = 1024 bytes, 1 MB = 1024 KB, 1 GB = 1024 MB (2 MB/s for a day is
 * 168.75 GB, the table's "168 GB"), 1 TB = 1024 GB.
 */

export const CHURN_LIMITS_SOURCE =
  'Site Recovery support matrix for VMware/physical to Azure, "Churn limits" (azure-docs articles/site-recovery/vmware-physical-azure-support-matrix.md @36f1051, 2023-09-28)';

/** The replica disk types of the table, cheapest first. */
export type ReplicaDiskType = 'Standard' | 'Premium P10/P15' | 'Premium P20+';

/** One row: at this average source I/O size (and larger, up to the next row), this average churn per disk. */
export interface ChurnRow {
  readonly ioKB: number;
  readonly mbps: number;
}

export const REPLICA_DISK_TYPES: ReadonlyArray<{ readonly type: ReplicaDiskType; readonly rows: ReadonlyArray<ChurnRow> }> = [
  { type: 'Standard', rows: [{ ioKB: 8, mbps: 2 }] },
  { type: 'Premium P10/P15', rows: [{ ioKB: 8, mbps: 2 }, { ioKB: 16, mbps: 4 }, { ioKB: 32, mbps: 8 }] },
  // The table names P20/P30/P40/P50: every larger Premium disk belongs to this row.
  { type: 'Premium P20+', rows: [{ ioKB: 8, mbps: 5 }, { ioKB: 16, mbps: 20 }] },
];

/** Peak churn across all disks of one VM. */
export const VM_PEAK_LIMIT_MBPS = 54;
/** Churn one process server takes per day (2 TB). */
export const PROCESS_SERVER_DAILY_LIMIT_GB = 2 * 1024;
/**
 * Cache storage account capacity (same file): a v2 (StorageV2) account takes 1,500 disks at 4 MB/s or 750 at
 * 8 MB/s; a v1 account 600 at 4 MB/s or 300 at 8 MB/s. Both points are the same 6,000 MB/s (v2) of total churn,
 * so a disk takes max(1/1500, avgMBps/6000) of a v2 account: the disk count bounds quiet disks, the total
 * churn busy ones (disks above 8 MB/s are extrapolated along that line, outside the published points).
 */
export const CACHE_ACCOUNT_V2 = { disksAt4MBps: 1500, disksAt8MBps: 750 } as const;

export const SECONDS_PER_DAY = 86_400;

/** MB/s sustained for a day, in GB. */
export function dailyGB(mbps: number): number {
  return (mbps * SECONDS_PER_DAY) / 1024;
}

/** The share of one v2 cache storage account one disk of this average churn takes. */
export function cacheAccountShare(avgMBps: number): number {
  const totalMBps = CACHE_ACCOUNT_V2.disksAt4MBps * 4;
  return Math.max(1 / CACHE_ACCOUNT_V2.disksAt4MBps, avgMBps / totalMBps);
}

/**
 * The row that applies to an average write size, conservatively: the largest row whose I/O size is at or below
 * the average (17 KB uses the 16 KB row, never the 32 KB one). Below the smallest row, or unknown, the smallest
 * row is used (the caller warns: smaller I/O than the table means the limit may be optimistic).
 */
export function rowFor(rows: ReadonlyArray<ChurnRow>, avgWriteKB: number | null): ChurnRow {
  let row = rows[0]!;
  if (avgWriteKB === null) return row;
  for (const r of rows) if (r.ioKB <= avgWriteKB + 1e-9) row = r;
  return row;
}

export interface Exceeded {
  readonly type: ReplicaDiskType;
  readonly limitMBps: number;
  /** The I/O-size row whose limit is broken. */
  readonly atIoKB: number;
  /** e.g. `Premium P10/P15 (4 MB/s at 16 KB)`. */
  readonly limit: string;
}

export interface DiskFit {
  /** The cheapest replica disk type whose limit the average churn stays within, or null when none does. */
  readonly fits: ReplicaDiskType | null;
  readonly fitLimitMBps: number | null;
  /** The cheaper types it does not fit, with the limit it breaks. */
  readonly exceeds: ReadonlyArray<Exceeded>;
}

const fmt = (n: number) => String(Number(n.toFixed(2)));

/** Compares a disk's average churn with each replica disk type, cheapest first. */
export function fitDisk(avgMBps: number, avgWriteKB: number | null): DiskFit {
  const exceeds: Exceeded[] = [];
  for (const { type, rows } of REPLICA_DISK_TYPES) {
    const row = rowFor(rows, avgWriteKB);
    if (avgMBps <= row.mbps) return { fits: type, fitLimitMBps: row.mbps, exceeds };
    // Types with one row (Standard) are quoted without the I/O size, as in the issue's verdict.
    const at = rows.length > 1 ? ` at ${fmt(row.ioKB)} KB` : '';
    exceeds.push({ type, limitMBps: row.mbps, atIoKB: row.ioKB, limit: `${type} (${fmt(row.mbps)} MB/s${at})` });
  }
  return { fits: null, fitLimitMBps: null, exceeds };
}

/** `exceeds A and B; fits C (20 MB/s)` */
export function verdictText(fit: DiskFit): string {
  const parts: string[] = [];
  if (fit.exceeds.length > 0) {
    const names = fit.exceeds.map((e) => e.limit);
    parts.push(`exceeds ${names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : names[0]}`);
  }
  parts.push(fit.fits ? `fits ${fit.fits} (${fmt(fit.fitLimitMBps!)} MB/s)` : 'no replica disk type fits');
  return parts.join('; ');
}
