// The built-in simulated queue and assignment API (embedded mode, `npm run app`): realistic arrivals in real time,
// cases resolved some hours after assignment, so the dashboard moves with zero setup.
import type { OutboxItem, PostResult } from '../store/store';
import { exponential, poisson, rng, weighted, type Rng } from '../sim/random';
import type { AssignmentSink, FetchResult, QueueSource } from './source';

export interface SimulatedQueueOptions {
  readonly seed: number;
  readonly perDay: number;
  readonly products: readonly { name: string; share: number }[];
  readonly severityShares: { A: number; B: number; C: number };
  readonly handlingHours: number;
  /** How much history to invent on the first fetch, so a fresh dashboard has data. */
  readonly backfillHours?: number;
}

const CUSTOMERS = ['Contoso', 'Fabrikam', 'Northwind', 'Tailspin', 'Woodgrove', 'Litware', 'Adatum', 'Proseware', 'Wingtip', 'Relecloud'];

export class SimulatedQueue implements QueueSource, AssignmentSink {
  private readonly r: Rng;
  private generatedUntil: number | null = null;
  private seq = 0;
  private readonly pending: Record<string, unknown>[] = [];
  private readonly resolveAt = new Map<string, { at: number; record: Record<string, unknown> }>();
  private readonly byId = new Map<string, Record<string, unknown>>();
  readonly received = new Map<string, OutboxItem>();

  constructor(private readonly o: SimulatedQueueOptions) {
    this.r = rng(o.seed);
  }

  async fetch(_since: Date | null, now: Date): Promise<FetchResult> {
    const t = now.getTime();
    let from = this.generatedUntil ?? t - (this.o.backfillHours ?? 1) * 3_600_000;
    const perMs = this.o.perDay / 86_400_000;
    while (from < t) {
      const step = Math.min(3_600_000, t - from);
      const n = poisson(this.r, perMs * step);
      for (let i = 0; i < n; i++) this.pending.push(this.newCase(from + this.r() * step));
      from += step;
    }
    this.generatedUntil = t;
    const out = this.pending.splice(0);
    for (const [id, v] of this.resolveAt) {
      if (v.at <= t) {
        out.push({ ...v.record, status: 'resolved' });
        this.resolveAt.delete(id);
      }
    }
    return { records: out, rejects: [] };
  }

  private newCase(at: number): Record<string, unknown> {
    const severity = weighted(this.r, (['A', 'B', 'C'] as const).map((s) => ({ value: s, share: this.o.severityShares[s] })));
    const product = weighted(this.r, this.o.products.map((p) => ({ value: p.name, share: p.share })));
    const customer = CUSTOMERS[Math.floor(this.r() * CUSTOMERS.length)];
    const record = { id: `SIM-${String(++this.seq).padStart(6, '0')}-${at.toString(36)}`, product, severity, customer, createdAt: new Date(at).toISOString(), status: 'new' };
    this.byId.set(record.id, record);
    return record;
  }

  async post(item: OutboxItem): Promise<PostResult> {
    if (!this.received.has(item.idempotencyKey)) {
      this.received.set(item.idempotencyKey, item);
      // Time is compressed 60x (handling "hours" pass in minutes) so a demo dashboard shows cases closing.
      const at = Date.now() + exponential(this.r, this.o.handlingHours * 3_600_000) / 60;
      const record = this.byId.get(item.caseId);
      if (record) {
        this.byId.delete(item.caseId);
        this.resolveAt.set(item.caseId, { at, record });
      }
    }
    return { ok: true };
  }
}
