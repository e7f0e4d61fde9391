// In-memory Store with the same semantics as SqlStore, for the simulator (30 days of 5-minute cycles in seconds).
// Not for production: no persistence, one process. A test checks it plans exactly like SqlStore.
import type { Decision, Engineer, EngineerState, IncomingCase, OpenCase, PolicyConfig } from '../domain';
import { slaDeadline } from '../domain';
import { materialize, planCycle, type AssignedCase, type Plan } from '../plan';
import type { AssignmentFlags } from '../critical';
import type { PolicyName } from '../policy';
import { DEFAULT_OUTBOX, backoffMs, idempotencyKey, type CycleSummary, type DrainResult, type OutboxItem, type OutboxPolicy, type PostResult, type QueueCursor, type Rejected, type Store, type UpsertResult } from './store';

export interface MemCase extends Omit<OpenCase, 'status' | 'lastOutcome' | 'lastLadderStep' | 'product' | 'severity' | 'slaDeadline'> {
  product: OpenCase['product'];
  severity: OpenCase['severity'];
  slaDeadline: Date;
  readonly customer: string;
  weight: number;
  lastSeenAt: Date;
  status: OpenCase['status'] | 'assigned' | 'resolved';
  engineerId: string | null;
  assignedAt: Date | null;
  ladderStep: number | null;
  lastOutcome: OpenCase['lastOutcome'];
  lastLadderStep: number | null;
  /** Rebalanced once already. */
  moved?: boolean;
}

interface MemAssignment extends Omit<OutboxItem, 'attempts'>, AssignmentFlags {
  attempts: number;
  postedAt: Date | null;
  deadAt: Date | null;
  nextPostAt: number;
  /** Lease of the post in flight (as claimed_until / lease_token in SqlStore): a result is recorded only under it. */
  claimedUntil: number | null;
  leaseToken: number | null;
  /**
   * Rebalancing moved the case: this row is no longer the case's outbox item (SqlStore rewrites the row in place;
   * here the new assignee gets a new row and this one is never posted again, nor takes a late result).
   */
  superseded?: boolean;
}

export class MemoryStore implements Store {
  readonly cases = new Map<string, MemCase>();
  readonly open = new Set<string>();
  /** Assigned, not resolved: what rebalancing may look at. */
  readonly assignedOpen = new Set<string>();
  /** Creation times of critical-severity cases per product (the look-ahead forecast), oldest first. */
  private readonly criticalArrivals = new Map<string, number[]>();
  readonly assignments: MemAssignment[] = [];
  /** Each case's current outbox row (the one a move supersedes). */
  private readonly current = new Map<string, MemAssignment>();
  private leaseSeq = 0;
  readonly decisions: Decision[] = [];
  readonly state = new Map<string, EngineerState>();
  readonly rejects: Rejected[] = [];
  private engineers = new Map<string, Engineer>();
  private cycles: { startedAt: Date; outcome: string }[] = [];
  private rotationBase = 0;
  /** The simulator does not need the (large) candidate lists kept in memory. */
  constructor(private readonly keepDecisions = true) {}

  async syncEngineers(engineers: readonly Engineer[]): Promise<void> {
    this.engineers = new Map(engineers.map((e) => [e.id, e]));
    for (const e of engineers) if (!this.state.has(e.id)) this.state.set(e.id, { load: 0, open: 0, rotation: 0 });
  }

  async startCycle(now: Date): Promise<number> {
    return this.cycles.push({ startedAt: now, outcome: 'running' });
  }

  async finishCycle(id: number, _now: Date, outcome: 'ok' | 'failed', _s: CycleSummary): Promise<void> {
    this.cycles[id - 1].outcome = outcome;
  }

  async reapCycles(): Promise<number> {
    return 0;
  }

  private cursor: QueueCursor | null = null;
  async getCursor(): Promise<QueueCursor | null> {
    return this.cursor;
  }
  async saveCursor(c: QueueCursor): Promise<void> {
    this.cursor = c;
  }

  private release(c: MemCase): void {
    this.assignedOpen.delete(c.id);
    if (c.status === 'assigned' && c.engineerId) {
      const s = this.state.get(c.engineerId)!;
      s.load -= c.weight;
      s.open -= 1;
    }
  }

  async upsertCases(cases: readonly IncomingCase[], cfg: PolicyConfig, now: Date): Promise<UpsertResult> {
    const out: UpsertResult = { inserted: 0, resolved: 0, reopened: 0, updated: 0 };
    for (const c of cases) {
      const have = this.cases.get(c.id);
      const deadline = c.slaDeadline ?? slaDeadline(c.createdAt, c.severity, cfg);
      const weight = cfg.severities[c.severity].weight;
      if (!have) {
        out.inserted++;
        this.cases.set(c.id, {
          id: c.id, product: c.product, severity: c.severity, customer: c.customer, createdAt: c.createdAt, lastSeenAt: now,
          slaDeadline: deadline, weight,
          status: c.resolved ? 'resolved' : 'unassigned', engineerId: null, assignedAt: null, ladderStep: null, lastOutcome: null, lastLadderStep: null,
        });
        if (!c.resolved) this.open.add(c.id);
        if (c.severity === cfg.critical.severity) {
          let l = this.criticalArrivals.get(c.product);
          if (!l) this.criticalArrivals.set(c.product, (l = []));
          l.push(c.createdAt.getTime());
        }
        continue;
      }
      have.lastSeenAt = now;
      if (c.resolved && have.status !== 'resolved') {
        out.resolved++;
        this.release(have);
        have.status = 'resolved';
        this.open.delete(c.id);
      } else if (!c.resolved && have.status === 'resolved') {
        out.reopened++;
        // A new round, as in SqlStore (round + 1): its assignment has never been moved, so rebalancing may move it.
        Object.assign(have, { status: 'unassigned', engineerId: null, assignedAt: null, ladderStep: null, lastOutcome: null, lastLadderStep: null, moved: false });
        this.open.add(c.id);
      } else if (have.product !== c.product || have.severity !== c.severity || have.slaDeadline.getTime() !== deadline.getTime()) {
        out.updated++;
      }
      if (have.status === 'assigned' && have.engineerId) this.state.get(have.engineerId)!.load += weight - have.weight;
      Object.assign(have, { product: c.product, severity: c.severity, slaDeadline: deadline, weight });
    }
    return out;
  }

  async openCasesNotSeenSince(t: Date, limit: number): Promise<string[]> {
    const out: string[] = [];
    for (const c of this.cases.values()) if (c.status !== 'resolved' && c.lastSeenAt < t && out.length < limit) out.push(c.id);
    return out.sort();
  }

  async closeCases(ids: readonly string[]): Promise<number> {
    let n = 0;
    for (const id of ids) {
      const c = this.cases.get(id);
      if (!c || c.status === 'resolved') continue;
      this.release(c);
      c.status = 'resolved';
      this.open.delete(id);
      n++;
    }
    return n;
  }

  async recordRejects(_cycleId: number, rejects: readonly Rejected[]): Promise<void> {
    this.rejects.push(...rejects);
  }

  async assign(policy: PolicyName, cfg: PolicyConfig, engineers: readonly Engineer[], now: Date): Promise<Plan> {
    const open: OpenCase[] = [];
    for (const id of this.open) {
      const c = this.cases.get(id)!;
      if (c.createdAt <= now) open.push(c as unknown as OpenCase);
    }
    const assigned: AssignedCase[] = [];
    if (cfg.critical.rebalance.enabled) {
      for (const id of this.assignedOpen) {
        const c = this.cases.get(id)!;
        if (c.status !== 'assigned') continue;
        assigned.push({ id, product: c.product, severity: c.severity, createdAt: c.createdAt, slaDeadline: c.slaDeadline, engineerId: c.engineerId!, assignedAt: c.assignedAt!, moved: !!c.moved });
      }
    }
    const weekAgo = now.getTime() - 7 * 86_400_000;
    const criticalPerHour = new Map<string, number>();
    for (const [p, l] of this.criticalArrivals) {
      while (l.length > 0 && l[0] < weekAgo) l.shift();
      let n = 0;
      for (let i = l.length - 1; i >= 0 && n < l.length; i--) if (l[i] <= now.getTime()) n++;
      criticalPerHour.set(p, n / (7 * 24));
    }
    const plan = planCycle({ cases: open, engineers, state: this.state, rotationBase: this.rotationBase, assigned, carriesInterrupt: true, criticalPerHour }, policy, cfg, now);
    const flags = (a: { severity: OpenCase['severity']; respondBy: Date; interrupt: boolean }): AssignmentFlags => ({
      ...(a.interrupt ? { interrupt: true } : {}),
      // The original tool (round-robin, the benchmark baseline) sent neither.
      ...(policy === 'ours' && cfg.critical.sendPriority ? { priority: { severity: a.severity, respondBy: a.respondBy } } : {}),
    });
    const versions = new Map(plan.decisions.map((d) => [d.caseId, d.policyVersion]));
    for (const a of plan.assignments) {
      const c = this.cases.get(a.caseId)!;
      c.status = 'assigned';
      c.engineerId = a.engineerId;
      c.assignedAt = now;
      c.ladderStep = c.lastLadderStep = a.ladderStep;
      c.lastOutcome = 'assigned';
      this.open.delete(c.id);
      this.assignedOpen.add(c.id);
      const s = this.state.get(a.engineerId)!;
      s.load += a.weight;
      s.open += 1;
      s.rotation = a.rotation;
      this.rotationBase = a.rotation;
      const row: MemAssignment = {
        assignmentId: this.assignments.length + 1, caseId: a.caseId, engineerId: a.engineerId, engineerEmail: this.engineers.get(a.engineerId)?.email ?? '',
        assignedAt: now, ladderStep: a.ladderStep, policyVersion: versions.get(a.caseId) ?? cfg.version, idempotencyKey: idempotencyKey(a.caseId, now),
        attempts: 0, postedAt: null, deadAt: null, nextPostAt: now.getTime(), claimedUntil: null, leaseToken: null, ...flags(a),
      };
      this.assignments.push(row);
      this.current.set(a.caseId, row);
    }
    // Rebalancing: the case changes hands; the new assignee is posted (naming the previous one) like any assignment.
    // Guarded as in SqlStore: still assigned to them, and no post of the case in flight (lease held).
    const skipped = new Set<string>();
    for (const m of plan.moves) {
      const c = this.cases.get(m.caseId)!;
      const old = this.current.get(m.caseId);
      if (c.status !== 'assigned' || c.engineerId !== m.fromEngineerId || (old?.claimedUntil != null && old.claimedUntil > now.getTime())) {
        skipped.add(m.caseId);
        continue;
      }
      if (old) Object.assign(old, { superseded: true, claimedUntil: null, leaseToken: null });
      const from = this.state.get(m.fromEngineerId);
      if (from) {
        from.load -= m.weight;
        from.open -= 1;
      }
      const to = this.state.get(m.engineerId)!;
      to.load += m.weight;
      to.open += 1;
      to.rotation = m.rotation;
      this.rotationBase = Math.max(this.rotationBase, m.rotation);
      c.engineerId = m.engineerId;
      c.assignedAt = now;
      c.moved = true;
      const row: MemAssignment = {
        assignmentId: this.assignments.length + 1, caseId: m.caseId, engineerId: m.engineerId, engineerEmail: this.engineers.get(m.engineerId)?.email ?? '',
        assignedAt: now, ladderStep: 0, policyVersion: versions.get(m.caseId) ?? cfg.version, idempotencyKey: idempotencyKey(m.caseId, now),
        attempts: 0, postedAt: null, deadAt: null, nextPostAt: now.getTime(), claimedUntil: null, leaseToken: null, ...flags(m), reassignedFrom: m.fromEngineerId,
      };
      this.assignments.push(row);
      this.current.set(m.caseId, row);
    }
    // Moves not applied are not reported (nor logged as decisions), as SqlStore does.
    const out: Plan = skipped.size === 0 ? plan
      : { ...plan, moves: plan.moves.filter((m) => !skipped.has(m.caseId)), decisions: plan.decisions.filter((d) => !skipped.has(d.caseId) || d.outcome !== 'assigned') };
    for (const ch of plan.statusChanges) {
      const c = this.cases.get(ch.caseId)!;
      c.status = ch.status;
      c.lastOutcome = ch.outcome as OpenCase['lastOutcome'];
      c.lastLadderStep = ch.ladderStep;
    }
    if (this.keepDecisions) for (const d of out.decisions) this.decisions.push(materialize(d));
    return out;
  }

  private unposted: number = 0;

  async drainOutbox(post: (item: OutboxItem) => Promise<PostResult>, now: Date, policy: Partial<OutboxPolicy> = {}): Promise<DrainResult> {
    const p = { ...DEFAULT_OUTBOX, ...policy };
    let posted = 0;
    let failed = 0;
    let deadLettered = 0;
    let superseded = 0;
    let acked = 0;
    let consecutive = 0;
    const t = now.getTime();
    for (let i = this.unposted; i < this.assignments.length; i++) {
      const a = this.assignments[i];
      if (a.postedAt || a.deadAt || a.superseded || a.nextPostAt > t || (a.claimedUntil !== null && a.claimedUntil > t)) continue;
      if (consecutive >= p.maxConsecutiveFailures && acked === 0) return { posted, failed, deadLettered, superseded, stopped: true };
      // Lease the item while its post is in flight, then record the result only under that lease and for the key
      // posted (as SqlStore): a result that outlived its lease must not change a row leased again or moved.
      const lease = ++this.leaseSeq;
      const key = a.idempotencyKey;
      a.leaseToken = lease;
      a.claimedUntil = t + p.leaseSeconds * 1000;
      let res: PostResult;
      try {
        res = await post(a);
      } catch (err) {
        res = { ok: false, error: (err as Error).message };
      }
      if (res.ok) {
        acked++;
        consecutive = 0;
      } else consecutive++;
      if (a.leaseToken !== lease || a.idempotencyKey !== key || a.postedAt || a.superseded) {
        superseded++;
        continue;
      }
      a.leaseToken = null;
      a.claimedUntil = null;
      a.attempts++;
      if (res.ok) {
        a.postedAt = now;
        posted++;
      } else {
        if (res.permanent || a.attempts >= p.maxAttempts) {
          a.deadAt = now;
          deadLettered++;
        } else {
          a.nextPostAt = now.getTime() + backoffMs(a.attempts, p, p.random);
          failed++;
        }
      }
    }
    while (this.unposted < this.assignments.length && (this.assignments[this.unposted].postedAt || this.assignments[this.unposted].deadAt || this.assignments[this.unposted].superseded)) this.unposted++;
    return { posted, failed, deadLettered, superseded, stopped: false };
  }
}
