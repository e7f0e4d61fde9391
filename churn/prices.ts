import * as fs from 'fs';
import type { ChurnReport } from './analyze';
import { ChurnInputError } from './errors';
import { REPLICA_DISK_TYPES, ReplicaDiskType } from './limits';

/**
 * User-supplied monthly prices (none are shipped: they depend on region, agreement, currency and disk size).
 *   { "currency": "EUR", "monthlyPerDisk": { "Standard": 10, "Premium P10/P15": 25, "Premium P20+": 80 } }
 * One price per replica disk type (use the disk size you would provision for each).
 */
export interface Prices {
  readonly currency: string;
  readonly monthlyPerDisk: Readonly<Record<ReplicaDiskType, number>>;
}

export interface CostComparison {
  readonly currency: string;
  readonly disks: ReadonlyArray<{ server: string; device: string; type: ReplicaDiskType | null; monthly: number | null; standardMonthly: number }>;
  /** Every disk on its lowest fitting type (disks no type fits are left out and listed in `unpriced`). */
  readonly fittingMonthly: number;
  /** Every disk on Standard (what replication would cost if the churn fitted). */
  readonly allStandardMonthly: number;
  readonly unpriced: ReadonlyArray<string>;
}

export function readPrices(file: string): Prices {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ChurnInputError(file, undefined, `cannot read the prices file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let data: any;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const pos = /position (\d+)/.exec((e as Error).message);
    const line = pos ? text.slice(0, Number(pos[1])).split('\n').length : undefined;
    throw new ChurnInputError(file, line, 'not valid JSON: expected {"currency": "EUR", "monthlyPerDisk": {"Standard": 10, "Premium P10/P15": 25, "Premium P20+": 80}}');
  }
  const types = REPLICA_DISK_TYPES.map((t) => t.type);
  if (!data || typeof data !== 'object' || typeof data.currency !== 'string' || !data.monthlyPerDisk || typeof data.monthlyPerDisk !== 'object') {
    throw new ChurnInputError(file, undefined, 'expected {"currency": "...", "monthlyPerDisk": {...}}');
  }
  for (const t of types) {
    const v = data.monthlyPerDisk[t];
    if (typeof v !== 'number' || !(v >= 0)) throw new ChurnInputError(file, undefined, `monthlyPerDisk["${t}"] must be a non-negative number (the types are ${types.join(', ')})`);
  }
  const unknown = Object.keys(data.monthlyPerDisk).filter((k) => !types.includes(k as ReplicaDiskType));
  if (unknown.length > 0) throw new ChurnInputError(file, undefined, `unknown disk type(s) ${unknown.join(', ')} in monthlyPerDisk (the types are ${types.join(', ')})`);
  return { currency: data.currency, monthlyPerDisk: data.monthlyPerDisk };
}

export function compareCosts(report: ChurnReport, prices: Prices): CostComparison {
  const disks = report.servers.flatMap((s) =>
    s.disks.map((d) => ({ server: s.name, device: d.device, type: d.fits, monthly: d.fits ? prices.monthlyPerDisk[d.fits] : null, standardMonthly: prices.monthlyPerDisk.Standard })),
  );
  const sum = (xs: number[]) => Number(xs.reduce((a, b) => a + b, 0).toFixed(2));
  return {
    currency: prices.currency,
    disks,
    fittingMonthly: sum(disks.map((d) => d.monthly ?? 0)),
    allStandardMonthly: sum(disks.map((d) => d.standardMonthly)),
    unpriced: disks.filter((d) => d.type === null).map((d) => `${d.server} ${d.device}`),
  };
}
