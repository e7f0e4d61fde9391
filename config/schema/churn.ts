import { z } from 'zod';

/**
 * `services.siteRecovery.expectedChurn`: the replication load the design must take, either written out (from
 * measurements: `npm run churn` prints the figures) or as the path of the advisor's `--json` output. Checked by
 * config/validate/churn.ts against the process server and the cache storage account this stack declares.
 */

const mbps = z.number().min(0).max(100_000);

export const churnDiskSchema = z.strictObject({
  /** Device as measured (`sdb`, `1 D:`). */
  device: z.string().min(1),
  /** Average churn in MB/s (1 MB = 1024 KB, as iostat). */
  avgMBps: mbps,
  /** Peak churn in MB/s. @default avgMBps */
  peakMBps: mbps.optional(),
  /** Average write size in KB (selects the row of the churn table). @default 8 (the most conservative row) */
  avgWriteKB: z.number().positive().max(65_536).optional(),
});

export const churnServerSchema = z.strictObject({
  name: z.string().min(1),
  /** Peak across the VM's disks. @default the sum of the disks' peaks */
  vmPeakMBps: mbps.optional(),
  disks: z.array(churnDiskSchema).min(1),
});

export const expectedChurnSchema = z
  .strictObject({
    /** Servers and disks with their churn. */
    servers: z.array(churnServerSchema).min(1).optional(),
    /** Path (relative to the repository root, or absolute) of `npm run churn -- --json ...` output. */
    advisorJson: z.string().min(1).optional(),
  })
  .refine((v) => (v.servers === undefined) !== (v.advisorJson === undefined), { error: 'give exactly one of servers or advisorJson' });

export type ExpectedChurnConfig = z.infer<typeof expectedChurnSchema>;
