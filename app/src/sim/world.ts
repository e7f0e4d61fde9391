// The simulated world behind the queue API and the assignment API during a replay. The engine under test talks to
// it through the same QueueSource / AssignmentSink interfaces as production. Model: docs in app/docs/simulation.md.
import type { Engineer, Severity } from '../domain';
import { compareWork, type AssignmentFlags, type WorkItem } from '../critical';
import type { AssignmentSink, FetchResult, QueueSource } from '../queue/source';
import { addWorkingMinutes, isOnShift, offsetMinutes } from '../shift';
import type { OutboxItem, PostResult } from '../store/store';
import { poisson, rng, weighted } from './random';
import type { Scenario } from './scenario';

export interface SimCase {
  readonly id: string;
  readonly product: string;
  readonly severity: Severity;
  readonly createdAt: number;
  readonly deadline: number;
}

export interface Outcome {
  readonly engineerId: string;
  readonly assignedAt: number;
  readonly firstResponseAt: number;
  readonly resolveAt: number;
  readonly ladderStep: number;
  readonly readiness: number;
}

const HOUR = 3_600_000;

/**
 * Business-hours pattern, per arrivals time zone: Mon-Fri 08:00-18:00 weighs 4, other weekday hours 1, weekend
 * hours 0.5 (a weekend day sees about a fifth of a weekday's cases). Several time zones (customers on several
 * continents): the weights are averaged.
 */
function hourWeight(s: Scenario, t: number): number {
  if (s.arrivals.pattern === 'uniform') return 1;
  const zones = Array.isArray(s.arrivals.timezone) ? s.arrivals.timezone : [s.arrivals.timezone];
  let w = 0;
  for (const tz of zones) {
    const local = new Date(t + offsetMinutes(tz, t) * 60_000);
    const day = local.getUTCDay();
    const h = local.getUTCHours();
    w += day === 0 || day === 6 ? 0.5 : h >= 8 && h < 18 ? 4 : 1;
  }
  return w / zones.length;
}

/** Arrivals are generated once per scenario (same seed), so every policy sees identical cases. */
export function generateCases(s: Scenario): SimCase[] {
  const r = rng(s.seed);
  const start = Date.parse(s.start);
  const end = start + s.days * 24 * HOUR;
  // Normalise so that the mean over a week equals perDay per day.
  let weekWeight = 0;
  for (let t = start; t < start + 7 * 24 * HOUR; t += HOUR) weekWeight += hourWeight(s, t);
  const perWeight = (s.arrivals.perDay * 7) / weekWeight;
  const sevs = (['A', 'B', 'C'] as const).map((k) => ({ value: k, share: s.severities[k].share }));
  const prods = s.products.map((p) => ({ value: p.name, share: p.share }));
  const out: SimCase[] = [];
  for (let t = start; t < end; t += HOUR) {
    const n = poisson(r, perWeight * hourWeight(s, t));
    for (let i = 0; i < n; i++) {
      const createdAt = t + Math.floor(r() * HOUR);
      const severity = weighted(r, sevs);
      out.push({ id: '', product: weighted(r, prods), severity, createdAt, deadline: createdAt + s.severities[severity].slaHours * HOUR });
    }
  }
  out.sort((a, b) => a.createdAt - b.createdAt);
  return out.map((c, i) => ({ ...c, id: `SIM-${String(i + 1).padStart(6, '0')}` }));
}

interface Work extends WorkItem { readonly c: SimCase; readonly engineerId: string; readonly assignedAt: number; readonly ladderStep: number; readonly readiness: number }

interface EngineerWorld {
  readonly e: Engineer;
  /** Weighted load of cases the engineer has started (first response given) and not resolved. */
  active: number;
  /**
   * Assigned but not started: the engineer was full. Worked in the order of ENGINEER_WORK_ORDER (src/critical.ts),
   * the same table the tool's assignment payload is written for: interrupt first, then the earliest respond-by when
   * the tool sent a priority, else FIFO.
   */
  readonly backlog: Work[];
}

export class SimWorld implements QueueSource, AssignmentSink {
  private next = 0;
  private readonly engineers = new Map<string, EngineerWorld>();
  private readonly byId: Map<string, SimCase>;
  /** Pending resolutions, kept sorted by time. */
  private resolving: { at: number; c: SimCase; engineerId: string }[] = [];
  private seq = 0;
  private readonly assignedCases = new Set<string>();
  /** Reassignments (rebalancing) the world carried out, and interrupts it honoured. */
  moves = 0;
  interrupts = 0;
  readonly outcomes = new Map<string, Outcome>();
  readonly postsByKey = new Map<string, number>();
  /** Utilisation samples per engineer while on shift: (started + waiting weighted load) / capacity. */
  readonly utilisation = new Map<string, number>();
  readonly onShiftSamples = new Map<string, number>();

  constructor(private readonly s: Scenario, private readonly cases: readonly SimCase[]) {
    for (const e of s.engineerList) this.engineers.set(e.id, { e, active: 0, backlog: [] });
    this.byId = new Map(cases.map((c) => [c.id, c]));
  }

  private weight(c: SimCase): number {
    return this.s.severities[c.severity].weight;
  }

  /** Starts backlog work while the engineer has room (or nothing started at all). */
  private startWork(w: EngineerWorld, t: number): void {
    // An interrupt starts at once even over capacity (the preemption rule the policy doc describes).
    while (w.backlog.length > 0 && (w.active === 0 || w.backlog[0].interrupt || w.active + this.weight(w.backlog[0].c) <= w.e.capacity)) {
      const work = w.backlog.shift()!;
      const rule = this.s.severities[work.c.severity];
      const firstResponseAt = addWorkingMinutes(w.e.shift, Math.max(t, work.assignedAt), this.s.responseMinutes);
      // Handling takes longer below the severity's required readiness.
      const skill = 1 + 0.5 * Math.max(0, rule.minReadiness - work.readiness);
      const resolveAt = addWorkingMinutes(w.e.shift, firstResponseAt, rule.handlingHours * 60 * skill);
      w.active += rule.weight;
      this.outcomes.set(work.c.id, { engineerId: w.e.id, assignedAt: work.assignedAt, firstResponseAt, resolveAt, ladderStep: work.ladderStep, readiness: work.readiness });
      if (Number.isFinite(resolveAt)) {
        const item = { at: resolveAt, c: work.c, engineerId: w.e.id };
        let i = this.resolving.length;
        while (i > 0 && this.resolving[i - 1].at > resolveAt) i--;
        this.resolving.splice(i, 0, item);
      }
    }
  }

  async fetch(_since: Date | null, now: Date): Promise<FetchResult> {
    const t = now.getTime();
    const records: unknown[] = [];
    while (this.next < this.cases.length && this.cases[this.next].createdAt <= t) {
      const c = this.cases[this.next++];
      records.push({ id: c.id, product: c.product, severity: c.severity, customer: 'Simulated', createdAt: new Date(c.createdAt).toISOString(), status: 'new' });
    }
    // Resolutions, in time order: each frees room for the engineer's backlog at that instant, and the queue API
    // reports the case resolved, which frees the capacity the engine counts.
    while (this.resolving.length > 0 && this.resolving[0].at <= t) {
      const { at, c, engineerId } = this.resolving.shift()!;
      const w = this.engineers.get(engineerId)!;
      w.active -= this.weight(c);
      this.startWork(w, at);
      records.push({ id: c.id, product: c.product, severity: c.severity, customer: 'Simulated', createdAt: new Date(c.createdAt).toISOString(), status: 'resolved' });
    }
    for (const w of this.engineers.values()) {
      if (!isOnShift(w.e.shift, t)) continue;
      const waiting = w.backlog.reduce((a, x) => a + this.weight(x.c), 0);
      this.utilisation.set(w.e.id, (this.utilisation.get(w.e.id) ?? 0) + (w.active + waiting) / w.e.capacity);
      this.onShiftSamples.set(w.e.id, (this.onShiftSamples.get(w.e.id) ?? 0) + 1);
    }
    return { records, rejects: [] };
  }

  async post(item: OutboxItem): Promise<PostResult> {
    this.postsByKey.set(item.idempotencyKey, (this.postsByKey.get(item.idempotencyKey) ?? 0) + 1);
    if (this.postsByKey.get(item.idempotencyKey)! > 1) return { ok: true }; // idempotent
    const c = this.byId.get(item.caseId)!;
    const flags = item as OutboxItem & AssignmentFlags;
    const at = item.assignedAt.getTime();
    if (flags.reassignedFrom) this.withdraw(flags.reassignedFrom, c, at);
    if (flags.interrupt) this.interrupts++;
    this.assignedCases.add(c.id);
    const w = this.engineers.get(item.engineerId)!;
    const work: Work = { c, engineerId: w.e.id, assignedAt: at, ladderStep: item.ladderStep, readiness: w.e.readiness[c.product] ?? 0, seq: this.seq++, interrupt: flags.interrupt, priority: flags.priority };
    let i = w.backlog.length;
    while (i > 0 && compareWork(w.backlog[i - 1], work) > 0) i--;
    w.backlog.splice(i, 0, work);
    this.startWork(w, at);
    return { ok: true };
  }

  /**
   * The case was moved to someone else (rebalancing). The tool moves only cases whose engineer has not been on shift
   * since, so no first response has been given: it leaves their backlog, or their not-yet-begun work.
   */
  private withdraw(engineerId: string, c: SimCase, at: number): void {
    const w = this.engineers.get(engineerId);
    if (!w) return;
    const b = w.backlog.findIndex((x) => x.c.id === c.id);
    if (b >= 0) {
      w.backlog.splice(b, 1);
      this.moves++;
      return;
    }
    const o = this.outcomes.get(c.id);
    if (!o || o.engineerId !== engineerId || o.firstResponseAt <= at) throw new Error(`simulator: ${c.id} moved after its first response`);
    this.outcomes.delete(c.id);
    const r = this.resolving.findIndex((x) => x.c.id === c.id);
    if (r >= 0) this.resolving.splice(r, 1);
    w.active -= this.weight(c);
    this.moves++;
    this.startWork(w, at);
  }

  /** Cases assigned (whether or not the engineer has started them). */
  assignedCount(): number {
    return this.assignedCases.size;
  }

  /** Assigned cases still waiting in an engineer's backlog at the end: their first response never came. */
  backlogged(): Work[] {
    return [...this.engineers.values()].flatMap((w) => w.backlog);
  }
}
