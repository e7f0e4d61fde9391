// One cycle's assignment plan: walk open cases in urgency order, ask the policy, update loads as we go.
// Pure: the stores (PostgreSQL, in-memory) load the snapshot under their lock and persist the plan.
import type { Decision, Engineer, EngineerState, OpenCase, PolicyConfig } from './domain';
import { POLICIES, availability, urgencyOrder, type LazyDecision, type PolicyName } from './policy';

export interface Snapshot {
  readonly cases: readonly OpenCase[];
  readonly engineers: readonly Engineer[];
  readonly state: Map<string, EngineerState>;
  /** Highest rotation value already handed out. */
  readonly rotationBase: number;
}

export interface PlannedAssignment {
  readonly caseId: string;
  readonly engineerId: string;
  readonly ladderStep: number;
  readonly rotation: number;
  readonly weight: number;
  readonly product: string;
}

export interface Plan {
  /** Decisions worth logging: every assignment, and a non-assignment only when its outcome or step changed. */
  readonly decisions: LazyDecision[];
  readonly assignments: PlannedAssignment[];
  /** Open cases whose status changes (unassigned <-> flagged) without an assignment. */
  readonly statusChanges: { caseId: string; status: 'unassigned' | 'flagged'; outcome: string; ladderStep: number }[];
  readonly attempted: number;
  readonly flagged: number;
}

/** The full form of a logged decision (candidates as objects), for in-memory use and tests. */
export function materialize(d: LazyDecision): Decision {
  const { explain, explainCompact: _c, ...rest } = d;
  return { ...rest, candidates: explain() };
}

export function planCycle(snap: Snapshot, policy: PolicyName, cfg: PolicyConfig, now: Date): Plan {
  const decide = POLICIES[policy];
  const avail = availability(snap.engineers, now);
  const state = new Map<string, EngineerState>();
  for (const e of snap.engineers) state.set(e.id, { ...(snap.state.get(e.id) ?? { load: 0, open: 0, rotation: 0 }) });
  const plan: Plan = { decisions: [], assignments: [], statusChanges: [], attempted: 0, flagged: 0 };
  let rotation = snap.rotationBase;
  for (const kase of urgencyOrder(snap.cases)) {
    (plan as { attempted: number }).attempted++;
    const d = decide({ kase, engineers: snap.engineers, state, avail, cfg, now });
    if (d.outcome === 'assigned') {
      const weight = cfg.severities[kase.severity].weight;
      const s = state.get(d.chosenEngineerId!)!;
      s.load += weight;
      s.open += 1;
      s.rotation = ++rotation;
      plan.decisions.push(d);
      plan.assignments.push({ caseId: kase.id, engineerId: d.chosenEngineerId!, ladderStep: d.ladderStep, rotation, weight, product: kase.product });
      continue;
    }
    if (d.outcome === 'flagged') (plan as { flagged: number }).flagged++;
    if (d.outcome !== kase.lastOutcome || d.ladderStep !== kase.lastLadderStep) {
      plan.decisions.push(d);
      plan.statusChanges.push({ caseId: kase.id, status: d.outcome === 'flagged' ? 'flagged' : 'unassigned', outcome: d.outcome, ladderStep: d.ladderStep });
    }
  }
  return plan;
}
