// One cycle's assignment plan: walk open cases in urgency order, ask the policy, update loads as we go.
// Pure: the stores (PostgreSQL, in-memory) load the snapshot under their lock and persist the plan.
import type { Decision, Engineer, EngineerState, OpenCase, PolicyConfig, Severity } from './domain';
import { POLICIES, availability, reserves, urgencyOrder, type LazyDecision, type PolicyName } from './policy';
import { nextWorkStart } from './shift';

/** An assigned, open case; the plan may move it if its engineer has not been on shift since (so has not started). */
export interface AssignedCase {
  readonly id: string;
  readonly product: string;
  readonly severity: Severity;
  readonly createdAt: Date;
  readonly slaDeadline: Date;
  readonly engineerId: string;
  readonly assignedAt: Date;
  /** Moved once already (a case is rebalanced at most once). */
  readonly moved: boolean;
}

export interface Snapshot {
  readonly cases: readonly OpenCase[];
  readonly engineers: readonly Engineer[];
  readonly state: Map<string, EngineerState>;
  /** Highest rotation value already handed out. */
  readonly rotationBase: number;
  /** Assigned open cases that rebalancing may consider (stores that do not support moves leave this out). */
  readonly assigned?: readonly AssignedCase[];
  /**
   * The store persists the interrupt flag and hands it to the assignment API. Preemption only happens when it does:
   * an over-capacity assignment the engineer is not told to interrupt for would just queue behind their work.
   */
  readonly carriesInterrupt?: boolean;
  /** Critical-severity arrivals per hour and product over the last 7 days (look-ahead forecast). */
  readonly criticalPerHour?: ReadonlyMap<string, number>;
}

export interface PlannedAssignment {
  readonly caseId: string;
  readonly engineerId: string;
  readonly ladderStep: number;
  readonly rotation: number;
  readonly weight: number;
  readonly product: string;
  readonly severity: Severity;
  readonly respondBy: Date;
  /** Preemption: the engineer is asked to start it now, over capacity. */
  readonly interrupt: boolean;
}

/** Rebalancing: the case leaves an engineer who has not started it for one on shift now. */
export interface PlannedMove extends PlannedAssignment {
  readonly fromEngineerId: string;
}

export interface Plan {
  /** Decisions worth logging: every assignment, and a non-assignment only when its outcome or step changed. */
  readonly decisions: LazyDecision[];
  readonly assignments: PlannedAssignment[];
  readonly moves: PlannedMove[];
  /** Open cases whose status changes (unassigned <-> flagged) without an assignment. */
  readonly statusChanges: { caseId: string; status: 'unassigned' | 'flagged'; outcome: string; ladderStep: number }[];
  readonly attempted: number;
  readonly flagged: number;
}

/** The full form of a logged decision (candidates as objects), for in-memory use and tests. */
export function materialize(d: LazyDecision): Decision {
  const { explain, explainCompact: _c, interrupt: _i, ...rest } = d;
  return { ...rest, candidates: explain() };
}

export function planCycle(snap: Snapshot, policy: PolicyName, cfg: PolicyConfig, now: Date): Plan {
  const decide = POLICIES[policy];
  const avail = availability(snap.engineers, now, policy === 'ours' && cfg.critical.endOfShift.enabled ? cfg.critical.endOfShift.minutes : 0);
  const reserve = policy === 'ours' ? reserves(snap.engineers, avail, cfg, snap.criticalPerHour) : undefined;
  if (cfg.critical.preemption.enabled && !snap.carriesInterrupt) cfg = { ...cfg, critical: { ...cfg.critical, preemption: { ...cfg.critical.preemption, enabled: false } } };
  const state = new Map<string, EngineerState>();
  for (const e of snap.engineers) state.set(e.id, { ...(snap.state.get(e.id) ?? { load: 0, open: 0, rotation: 0 }) });
  const plan: Plan = { decisions: [], assignments: [], moves: [], statusChanges: [], attempted: 0, flagged: 0 };
  let rotation = snap.rotationBase;
  for (const kase of urgencyOrder(snap.cases)) {
    (plan as { attempted: number }).attempted++;
    const d = decide({ kase, engineers: snap.engineers, state, avail, cfg, now, reserve });
    if (d.outcome === 'assigned') {
      const weight = cfg.severities[kase.severity].weight;
      const s = state.get(d.chosenEngineerId!)!;
      s.load += weight;
      s.open += 1;
      s.rotation = ++rotation;
      plan.decisions.push(d);
      plan.assignments.push({
        caseId: kase.id, engineerId: d.chosenEngineerId!, ladderStep: d.ladderStep, rotation, weight, product: kase.product,
        severity: kase.severity, respondBy: kase.slaDeadline, interrupt: d.interrupt === true,
      });
      continue;
    }
    if (d.outcome === 'flagged') (plan as { flagged: number }).flagged++;
    if (d.outcome !== kase.lastOutcome || d.ladderStep !== kase.lastLadderStep) {
      plan.decisions.push(d);
      plan.statusChanges.push({ caseId: kase.id, status: d.outcome === 'flagged' ? 'flagged' : 'unassigned', outcome: d.outcome, ladderStep: d.ladderStep });
    }
  }
  if (policy === 'ours' && cfg.critical.rebalance.enabled && snap.assigned && snap.assigned.length > 0) rebalance(snap, cfg, now, avail, reserve!, state, plan, () => ++rotation);
  return plan;
}

// nextWorkStart at an assignment instant never changes: cached across cycles (bounded), so checking every
// assigned case each cycle stays cheap.
const starts = new Map<string, number | null>();
function startAfter(e: Engineer, t: Date): number | null {
  const key = `${e.id}|${e.shift.timezone}|${e.shift.start}|${e.shift.end}|${e.shift.days.join()}|${t.getTime()}`;
  let v = starts.get(key);
  if (v === undefined) {
    if (starts.size > 100_000) starts.clear();
    v = nextWorkStart(e.shift, t);
    starts.set(key, v);
  }
  return v;
}

/**
 * Bounded rebalancing, after waiting cases had their turn: a case parked with an engineer who has not been on shift
 * since it was assigned (so has not started it) moves to a ready engineer on shift now with room, by the same
 * decision rules at full readiness, most urgent first, at most `maxMovesPerCycle` a cycle and once per case.
 */
function rebalance(
  snap: Snapshot, cfg: PolicyConfig, now: Date, avail: ReturnType<typeof availability>, reserve: ReturnType<typeof reserves>,
  state: Map<string, EngineerState>, plan: Plan, nextRotation: () => number,
): void {
  const byId = new Map(snap.engineers.map((e) => [e.id, e]));
  // Only engineers on shift now with room for the lightest case can receive a move.
  const minWeight = Math.min(...Object.values(cfg.severities).map((r) => r.weight));
  const onShift = snap.engineers.filter((e) => avail.get(e.id)?.onShift && !e.outOfOffice && (state.get(e.id)?.load ?? 0) + minWeight <= e.capacity);
  if (onShift.length === 0) return;
  // Parked: the shift the engineer was waiting for at assignment has not begun, so the case is not started.
  const parked = snap.assigned!.filter((c) => {
    const a = avail.get(c.engineerId);
    const e = byId.get(c.engineerId);
    return !c.moved && !!a && !!e && !a.onShift && a.startAt !== null && startAfter(e, c.assignedAt) === a.startAt;
  });
  let moves = 0;
  // Bounded work too: a night with many parked cases and no room costs at most 4 tries per allowed move.
  let tries = 0;
  for (const c of urgencyOrder(parked)) {
    if (moves >= cfg.critical.rebalance.maxMovesPerCycle || tries++ >= 4 * cfg.critical.rebalance.maxMovesPerCycle) break;
    const kase: OpenCase = { id: c.id, product: c.product, severity: c.severity, createdAt: c.createdAt, slaDeadline: c.slaDeadline, status: 'unassigned', lastOutcome: null, lastLadderStep: null };
    const d = POLICIES.ours({ kase, engineers: onShift, state, avail, cfg, now, reserve });
    if (d.outcome !== 'assigned' || d.ladderStep !== 0 || d.interrupt) continue;
    const weight = cfg.severities[c.severity].weight;
    const from = state.get(c.engineerId);
    if (from) {
      from.load -= weight;
      from.open -= 1;
    }
    const to = state.get(d.chosenEngineerId!)!;
    to.load += weight;
    to.open += 1;
    to.rotation = nextRotation();
    const startAt = avail.get(c.engineerId)!.startAt!;
    const notes = [`rebalance: moved from ${c.engineerId} (off shift until ${new Date(startAt).toISOString().slice(0, 16)}Z, not started) to ${d.chosenEngineerId} (on shift now)`];
    const { explainCompact } = d;
    plan.decisions.push({ ...d, notes, explainCompact: () => ({ ...explainCompact(), n: notes }) });
    plan.moves.push({
      caseId: c.id, engineerId: d.chosenEngineerId!, fromEngineerId: c.engineerId, ladderStep: 0, rotation: to.rotation, weight,
      product: c.product, severity: c.severity, respondBy: c.slaDeadline, interrupt: false,
    });
    moves++;
  }
}
