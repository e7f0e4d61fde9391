// Assignment policies. Pure functions of (case, engineers, their state, config, now): no I/O, so the production
// cycle, the simulator and the unit tests all run exactly this code.
import type { Candidate, Decision, Engineer, EngineerState, OpenCase, PolicyConfig } from './domain';
import { nextWorkStart } from './shift';

export type PolicyName = 'ours' | 'round-robin';

/** Facts about an engineer that depend only on `now`, computed once per cycle. */
export interface Availability {
  readonly onShift: boolean;
  /** When the engineer can start (ms), null if no shift within a week. */
  readonly startAt: number | null;
}

export function availability(engineers: readonly Engineer[], now: Date): Map<string, Availability> {
  const out = new Map<string, Availability>();
  for (const e of engineers) {
    const startAt = nextWorkStart(e.shift, now);
    out.set(e.id, { onShift: startAt === now.getTime(), startAt });
  }
  return out;
}

/** Most urgent first: earliest SLA deadline (time to breach), then oldest, then id for a total order. */
export function urgencyOrder<T extends Pick<OpenCase, 'slaDeadline' | 'createdAt' | 'id'>>(cases: readonly T[]): T[] {
  return [...cases].sort(
    (a, b) =>
      a.slaDeadline.getTime() - b.slaDeadline.getTime() ||
      a.createdAt.getTime() - b.createdAt.getTime() ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

export interface DecideInput {
  readonly kase: OpenCase;
  readonly engineers: readonly Engineer[];
  readonly state: ReadonlyMap<string, EngineerState>;
  readonly avail: ReadonlyMap<string, Availability>;
  readonly cfg: PolicyConfig;
  readonly now: Date;
}

const iso = (t: number) => new Date(t).toISOString().slice(0, 16) + 'Z';

/**
 * Readiness levels the ladder tries, in order. Step 0 is the severity's minimum; step 1 accepts one level lower,
 * only for relaxable severities, only after the configured wait, and never below 1 (readiness 0 = not ready).
 */
export function ladder(kase: OpenCase, cfg: PolicyConfig, now: Date): { levels: number[]; exhausted: boolean } {
  const rule = cfg.severities[kase.severity];
  const levels = [rule.minReadiness];
  const relaxedLevel = rule.minReadiness - 1;
  const canRelax = rule.relaxable && relaxedLevel >= 1;
  const waited = (now.getTime() - kase.createdAt.getTime()) / 60_000;
  if (canRelax && waited >= cfg.relaxAfterMinutes) levels.push(relaxedLevel);
  // Exhausted: no later cycle can try a lower level, so an empty candidate set means "flag it".
  return { levels, exhausted: !canRelax || levels.length === 2 };
}

function evaluate(input: DecideInput, e: Engineer, minLevel: number): Candidate {
  const { kase, state, avail, cfg } = input;
  const reasons: string[] = [];
  const weight = cfg.severities[kase.severity].weight;
  const readiness = e.readiness[kase.product] ?? 0;
  if (e.outOfOffice) reasons.push('out of office');
  if (readiness === 0) reasons.push(`not ready for ${kase.product} (readiness 0)`);
  else if (readiness < minLevel) reasons.push(`readiness ${readiness} for ${kase.product} < ${minLevel}`);
  const s = state.get(e.id) ?? { load: 0, open: 0, rotation: 0 };
  if (s.load + weight > e.capacity) reasons.push(`capacity: load ${s.load} + weight ${weight} > ${e.capacity}`);
  const a = avail.get(e.id);
  if (!a || a.startAt === null) reasons.push('no shift in the next 7 days');
  // Off shift: acceptable only if the shift starts before the deadline. Once the deadline has passed, only engineers
  // on shift now qualify, so a breached case goes to the first ready engineer who can act, not to tomorrow's.
  else if (!a.onShift && a.startAt >= kase.slaDeadline.getTime()) reasons.push(`off shift until ${iso(a.startAt)}, after the SLA deadline`);
  if (reasons.length > 0) return { engineerId: e.id, engineerName: e.name, eligible: false, excludedReasons: reasons, score: null };
  // Score (lower is better): engineers on shift now come first (0..1), those who start later but before the
  // deadline after them (1..2); within each band, the load relative to capacity after taking this case.
  const ratio = (s.load + weight) / e.capacity;
  const score = Math.round(((a!.onShift ? 0 : 1) + ratio) * 1e4) / 1e4;
  return { engineerId: e.id, engineerName: e.name, eligible: true, excludedReasons: [], score };
}

/** Lowest score; ties go to the engineer who has waited longest since their last assignment (persisted rotation). */
function pick(cands: Candidate[], state: ReadonlyMap<string, EngineerState>): Candidate[] {
  const rot = (id: string) => state.get(id)?.rotation ?? 0;
  return cands.sort((x, y) => {
    if (x.eligible !== y.eligible) return x.eligible ? -1 : 1;
    if (!x.eligible) return 0;
    return x.score! - y.score! || rot(x.engineerId) - rot(y.engineerId) || (x.engineerId < y.engineerId ? -1 : 1);
  });
}

/** Our policy: eligibility (shift, capacity, readiness), lowest relative load, fair rotation, relaxation ladder. */
export function decideOurs(input: DecideInput): Decision {
  const { kase, engineers, cfg, now } = input;
  const { levels, exhausted } = ladder(kase, cfg, now);
  let candidates: Candidate[] = [];
  for (let step = 0; step < levels.length; step++) {
    candidates = pick(engineers.map((e) => evaluate(input, e, levels[step])), input.state);
    if (candidates[0]?.eligible) {
      return { caseId: kase.id, at: now, policyVersion: cfg.version, ladderStep: step, outcome: 'assigned', chosenEngineerId: candidates[0].engineerId, candidates };
    }
  }
  return {
    caseId: kase.id, at: now, policyVersion: cfg.version, ladderStep: levels.length - 1,
    outcome: exhausted ? 'flagged' : 'unassigned', chosenEngineerId: null, candidates,
  };
}

/**
 * The original tool's policy, kept as the benchmark baseline: rotate through engineers with readiness >= 1 for the
 * product, ignoring severity, capacity and shifts (it does skip engineers marked out of office).
 */
export function decideRoundRobin(input: DecideInput): Decision {
  const { kase, engineers, cfg, now } = input;
  const cands = engineers.map((e): Candidate => {
    const reasons: string[] = [];
    if (e.outOfOffice) reasons.push('out of office');
    if ((e.readiness[kase.product] ?? 0) < 1) reasons.push(`not ready for ${kase.product} (readiness 0)`);
    return { engineerId: e.id, engineerName: e.name, eligible: reasons.length === 0, excludedReasons: reasons, score: reasons.length ? null : 0 };
  });
  const sorted = pick(cands, input.state);
  const chosen = sorted[0]?.eligible ? sorted[0].engineerId : null;
  return {
    caseId: kase.id, at: now, policyVersion: `round-robin/${cfg.version}`, ladderStep: 0,
    outcome: chosen ? 'assigned' : 'flagged', chosenEngineerId: chosen, candidates: sorted,
  };
}

export const POLICIES: Record<PolicyName, (input: DecideInput) => Decision> = {
  ours: decideOurs,
  'round-robin': decideRoundRobin,
};
