// Assignment policies. Pure functions of (case, engineers, their state, config, now): no I/O, so the production
// cycle, the simulator and the unit tests all run exactly this code.
import type { Candidate, Decision, Engineer, EngineerState, OpenCase, PolicyConfig } from './domain';
import { compactCandidates, type StoredCandidates } from './candidates';
import { isOnShift, nextWorkStart } from './shift';

export type PolicyName = 'ours' | 'round-robin';

/** Facts about an engineer that depend only on `now`, computed once per cycle. */
export interface Availability {
  readonly onShift: boolean;
  /** When the engineer can start (ms), null if no shift within a week. */
  readonly startAt: number | null;
  /** Exclusion reason used when the shift starts after a case's deadline (built once per cycle). */
  readonly offShiftReason: string;
}

const iso = (t: number) => new Date(t).toISOString().slice(0, 16) + 'Z';

// Explanation strings repeat across thousands of candidates: build each distinct one once (bounded caches).
const memo = new Map<string, string[]>();
function reasons(key: string, make: () => string[]): string[] {
  let r = memo.get(key);
  if (!r) {
    if (memo.size > 50_000) memo.clear();
    r = make();
    memo.set(key, r);
  }
  return r;
}

/**
 * `endOfShiftMinutes` (rule "end of shift"): an engineer whose shift ends within that many minutes counts as off
 * shift until the next one, because a case given now would get its first response only then.
 */
export function availability(engineers: readonly Engineer[], now: Date, endOfShiftMinutes = 0): Map<string, Availability> {
  const out = new Map<string, Availability>();
  const t = now.getTime();
  for (const e of engineers) {
    let startAt = nextWorkStart(e.shift, now);
    let endingSoon = false;
    if (startAt === t && endOfShiftMinutes > 0 && !isOnShift(e.shift, t + endOfShiftMinutes * 60_000)) {
      startAt = nextWorkStart(e.shift, t + endOfShiftMinutes * 60_000);
      endingSoon = true;
    }
    const offShiftReason = startAt === null ? '' : endingSoon ? `shift ends within ${endOfShiftMinutes} min; next shift ${iso(startAt)}, after the SLA deadline` : `off shift until ${iso(startAt)}, after the SLA deadline`;
    out.set(e.id, { onShift: startAt === t, startAt, offShiftReason });
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
  /** Capacity kept free for critical work, per engineer (computed once per cycle by `reserves`). */
  readonly reserve?: ReadonlyMap<string, Reserve>;
}

/** Capacity an engineer keeps free from non-critical work this cycle, and the rule that says why (logged). */
export interface Reserve {
  readonly weight: number;
  readonly rule: 'headroom' | 'look-ahead';
  readonly reason: string;
}

/**
 * Headroom and look-ahead reserves for one cycle. Headroom: for each product, if at most `scarceAtMost` engineers
 * ready for its critical cases are on shift (and not out of office), each of them keeps `slots` critical weights
 * free. Look-ahead: every engineer ready for some product's critical cases who is not on shift yet keeps `slots`
 * critical weights free until the shift starts.
 */
export function reserves(
  engineers: readonly Engineer[], avail: ReadonlyMap<string, Availability>, cfg: PolicyConfig,
  /** Critical arrivals per hour and product over the last 7 days (the look-ahead forecast); absent = minimum slots. */
  criticalPerHour?: ReadonlyMap<string, number>,
): Map<string, Reserve> {
  const out = new Map<string, Reserve>();
  const c = cfg.critical;
  const rule = cfg.severities[c.severity];
  const ready = (e: Engineer) => Object.keys(e.readiness).filter((p) => e.readiness[p] >= rule.minReadiness);
  if (c.headroom.enabled) {
    const byProduct = new Map<string, Engineer[]>();
    for (const e of engineers) {
      if (e.outOfOffice || !avail.get(e.id)?.onShift) continue;
      for (const p of ready(e)) {
        let l = byProduct.get(p);
        if (!l) byProduct.set(p, (l = []));
        l.push(e);
      }
    }
    const w = c.headroom.slots * rule.weight;
    for (const [p, list] of [...byProduct].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (list.length > c.headroom.scarceAtMost) continue;
      for (const e of list) {
        if (out.has(e.id)) continue;
        out.set(e.id, { weight: w, rule: 'headroom', reason: `headroom: keeps ${w} of ${e.capacity} free for severity-${c.severity} ${p} work (${list.length} ready on shift)` });
      }
    }
  }
  if (c.lookAhead.enabled) {
    const window = c.lookAhead.hours * 3_600_000;
    const minWeight = Math.min(...Object.values(cfg.severities).map((x) => x.weight));
    // Per product, when each ready engineer (not out of office) can start: who shares the arrivals of a shift start.
    const starts = new Map<string, number[]>();
    for (const e of engineers) {
      const a = avail.get(e.id);
      if (e.outOfOffice || !a || a.startAt === null) continue;
      for (const p of ready(e)) {
        let l = starts.get(p);
        if (!l) starts.set(p, (l = []));
        l.push(a.startAt);
      }
    }
    for (const l of starts.values()) l.sort((x, y) => x - y);
    const atMost = (l: number[], t: number) => {
      let lo = 0;
      let hi = l.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (l[mid] <= t) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    for (const e of engineers) {
      const a = avail.get(e.id);
      const products = ready(e);
      if (e.outOfOffice || !a || a.onShift || a.startAt === null || products.length === 0) continue;
      // Expected critical arrivals in the first `hours` of the shift, this engineer's share of them.
      let expected = 0;
      for (const p of products) expected += ((criticalPerHour?.get(p) ?? 0) * c.lookAhead.hours) / Math.max(1, atMost(starts.get(p)!, a.startAt + window));
      // Never the whole capacity: at least the lightest case still fits beside the reserve.
      const room = Math.max(1, Math.floor((e.capacity - minWeight) / rule.weight));
      const slots = Math.min(5, room, Math.max(c.lookAhead.slots, Math.ceil(expected - 1e-9)));
      const w = slots * rule.weight;
      const why = expected > 0 ? ` (~${expected.toFixed(1)} expected per ready engineer in its first ${c.lookAhead.hours} h)` : '';
      out.set(e.id, { weight: w, rule: 'look-ahead', reason: `look-ahead: keeps ${w} of ${e.capacity} free for severity-${c.severity} work expected when the shift starts at ${iso(a.startAt)}${why}` });
    }
  }
  return out;
}


/**
 * Readiness levels the ladder tries, in order. Step 0 is the severity's minimum; step 1 accepts one level lower,
 * only for relaxable severities, only after the configured wait, and never below 1 (readiness 0 = not ready).
 */
export function ladder(kase: OpenCase, cfg: PolicyConfig, now: Date, readyBeforeDeadline = false): { levels: number[]; exhausted: boolean } {
  const rule = cfg.severities[kase.severity];
  const levels = [rule.minReadiness];
  const relaxedLevel = rule.minReadiness - 1;
  const canRelax = rule.relaxable && relaxedLevel >= 1;
  const waited = (now.getTime() - kase.createdAt.getTime()) / 60_000;
  const waitedEnough = waited >= cfg.relaxAfterMinutes;
  // Relaxing trades skill for speed, so it is worth it only when waiting would certainly breach: no fully ready
  // engineer can start before the deadline (on shift or starting before it, with capacity now or freed by then).
  // While one can, the case keeps waiting for them; once the deadline has passed, the ladder may fire.
  const withheld = canRelax && readyBeforeDeadline;
  if (canRelax && waitedEnough && !withheld) levels.push(relaxedLevel);
  // Exhausted once the wait is over: every step the case may ever use has been tried, so nobody eligible means
  // "flag it" (alert). Before that, a case nobody can take yet is just waiting (full engineers, shifts to come).
  return { levels, exhausted: waitedEnough && !withheld };
}

/** Per-engineer facts for one case, computed once and reused by every ladder step. */
interface Facts {
  readonly e: Engineer;
  readonly readiness: number;
  /** Reasons that do not depend on the readiness level tried (out of office, capacity, shift). */
  readonly hardReasons: string[] | null;
  readonly score: number;
  readonly rotation: number;
  /** Could start before the SLA deadline if capacity allowed (not out of office, on shift or starting before it). */
  readonly beforeDeadline: boolean;
  readonly load: number;
  readonly onShift: boolean;
  /** Excluded only because the case does not fit the capacity (preemption may still use the engineer). */
  readonly capacityOnly: boolean;
}

function facts(input: DecideInput): Facts[] {
  const { kase, state, avail, cfg, engineers } = input;
  const weight = cfg.severities[kase.severity].weight;
  const deadline = kase.slaDeadline.getTime();
  // Reserves apply to work other than the protected severity, until that work nears its own deadline.
  const reserve = kase.severity !== cfg.critical.severity && deadline - input.now.getTime() > cfg.critical.headroom.releaseMinutes * 60_000 ? input.reserve : undefined;
  const lead = cfg.critical.endOfShift.enabled ? cfg.critical.endOfShift.minutes * 60_000 : 0;
  const out: Facts[] = new Array(engineers.length);
  for (let i = 0; i < engineers.length; i++) {
    const e = engineers[i];
    const s = state.get(e.id);
    const load = s ? s.load : 0;
    const a = avail.get(e.id);
    let hard: string[] | null = null;
    if (e.outOfOffice) (hard ??= []).push('out of office');
    const overCapacity = load + weight > e.capacity;
    if (overCapacity) (hard ??= []).push(...reasons(`c|${load}|${weight}|${e.capacity}`, () => [`capacity: load ${load} + weight ${weight} > ${e.capacity}`]));
    const r = reserve?.get(e.id);
    // Only where the capacity can hold the reserve and this case at once (a tiny capacity is not starved).
    if (r && !overCapacity && load + weight > e.capacity - r.weight && e.capacity >= r.weight + weight) (hard ??= []).push(r.reason);
    const capacityOnly = hard !== null && hard.length === 1 && overCapacity;
    if (!a || a.startAt === null) (hard ??= []).push('no shift in the next 7 days');
    // Off shift: acceptable only if the shift starts before the deadline. Once the deadline has passed, only engineers
    // on shift now qualify, so a breached case goes to the first ready engineer who can act, not to tomorrow's.
    // With the end-of-shift rule, a first response takes `minutes`: a shift starting later than deadline - minutes is too late.
    else if (!a.onShift && a.startAt + lead >= deadline) (hard ??= []).push(a.offShiftReason);
    // Score (lower is better): engineers on shift now first (0..1), then those who start later but before the
    // deadline (1..2); within each band, the load relative to capacity after taking this case.
    // Engineers holding a reserve for critical work come after the others for other work (headroom: work others can take).
    const score = hard ? 0 : Math.round(((a!.onShift ? 0 : 1) + (r ? 0.5 : 0) + (load + weight) / e.capacity) * 1e4) / 1e4;
    const beforeDeadline = !e.outOfOffice && !!a && a.startAt !== null && (a.onShift || a.startAt < deadline);
    out[i] = { e, readiness: e.readiness[kase.product] ?? 0, hardReasons: hard, score, rotation: s ? s.rotation : 0, beforeDeadline, load, onShift: !!a && a.onShift, capacityOnly };
  }
  return out;
}

const eligibleAt = (f: Facts, level: number) => f.hardReasons === null && f.readiness >= level && f.readiness > 0;

/** Best eligible engineer: lowest score, ties to the longest wait since the last assignment (persisted rotation). */
function best(fs: Facts[], level: number): Facts | null {
  let b: Facts | null = null;
  for (const f of fs) {
    if (!eligibleAt(f, level)) continue;
    if (!b || f.score < b.score || (f.score === b.score && (f.rotation < b.rotation || (f.rotation === b.rotation && f.e.id < b.e.id)))) b = f;
  }
  return b;
}

/** The explanation: every engineer, eligible ones first in choice order, each with the reasons it was excluded. */
function explain(fs: Facts[], level: number, product: string): Candidate[] {
  const NONE: string[] = [];
  const out: Candidate[] = fs.map((f) => {
    let why: string[] = NONE;
    if (f.readiness === 0) why = reasons(`0|${product}`, () => [`not ready for ${product} (readiness 0)`]);
    else if (f.readiness < level) why = reasons(`${f.readiness}|${product}|${level}`, () => [`readiness ${f.readiness} for ${product} < ${level}`]);
    if (f.hardReasons) why = why.length ? [...why, ...f.hardReasons] : f.hardReasons;
    return { engineerId: f.e.id, engineerName: f.e.name, eligible: why.length === 0, excludedReasons: why, score: why.length === 0 ? f.score : null };
  });
  // Eligible first in choice order (the same order best() uses), then the excluded in configuration order.
  const order = (x: Facts, y: Facts) => x.score - y.score || x.rotation - y.rotation || (x.e.id < y.e.id ? -1 : 1);
  const idx = fs.map((_, i) => i).filter((i) => out[i].eligible).sort((i, j) => order(fs[i], fs[j]));
  const sorted = idx.map((i) => out[i]);
  for (const c of out) if (!c.eligible) sorted.push(c);
  return sorted;
}

/**
 * The explanation in its storage form, built without per-candidate objects (the decision log of a 1,000-case,
 * 200-engineer cycle would otherwise allocate 200,000 of them): eligible in choice order, excluded grouped by reasons.
 */
function explainCompact(fs: Facts[], level: number, product: string): StoredCandidates {
  const order = (x: Facts, y: Facts) => x.score - y.score || x.rotation - y.rotation || (x.e.id < y.e.id ? -1 : 1);
  const eligible: Facts[] = [];
  const groups = new Map<string, [string[], string[]]>();
  for (const f of fs) {
    const r = f.readiness === 0 ? 0 : f.readiness < level ? 1 : 2;
    if (r === 2 && f.hardReasons === null) {
      eligible.push(f);
      continue;
    }
    const key = `${r}|${f.readiness}|${f.hardReasons ? f.hardReasons.join('\u001f') : ''}`;
    let g = groups.get(key);
    if (!g) {
      const why = r === 0 ? [`not ready for ${product} (readiness 0)`] : r === 1 ? [`readiness ${f.readiness} for ${product} < ${level}`] : [];
      g = [f.hardReasons ? [...why, ...f.hardReasons] : why, []];
      groups.set(key, g);
    }
    g[1].push(f.e.id);
  }
  return { e: eligible.sort(order).map((f) => [f.e.id, f.score]), x: [...groups.values()] };
}

/** A decision whose candidate list is built only when asked for (the log needs it; repeated waits do not). */
export interface LazyDecision extends Omit<Decision, 'candidates'> {
  /** Preemption: the engineer is asked to start this case now, over capacity. */
  readonly interrupt?: boolean;
  explain(): Candidate[];
  /** The same explanation in the decision log's storage form. */
  explainCompact(): StoredCandidates;
}

/** Our policy: eligibility (shift, capacity, readiness), lowest relative load, fair rotation, relaxation ladder. */
export function decideOursLazy(input: DecideInput): LazyDecision {
  const { kase, cfg, now } = input;
  const fs = facts(input);
  const min = cfg.severities[kase.severity].minReadiness;
  const { levels, exhausted } = ladder(kase, cfg, now, fs.some((f) => f.beforeDeadline && f.readiness >= min));
  const base = { caseId: kase.id, at: now, policyVersion: cfg.version };
  for (let step = 0; step < levels.length; step++) {
    const b = best(fs, levels[step]);
    if (b) {
      const level = levels[step];
      return { ...base, ladderStep: step, outcome: 'assigned', chosenEngineerId: b.e.id, explain: () => explain(fs, level, kase.product), explainCompact: () => explainCompact(fs, level, kase.product) };
    }
  }
  const pre = preempt(input, fs);
  if (pre) {
    const level = levels[0];
    const notes = [`preemption: no engineer ready for severity ${kase.severity} has room and ${Math.round((kase.slaDeadline.getTime() - now.getTime()) / 60_000)} min remain; ${pre.e.id} (on shift, load ${pre.load}/${pre.e.capacity}) is asked to interrupt`];
    return {
      ...base, ladderStep: 0, outcome: 'assigned', chosenEngineerId: pre.e.id, interrupt: true, notes,
      explain: () => explain(fs, level, kase.product), explainCompact: () => ({ ...explainCompact(fs, level, kase.product), n: notes }),
    };
  }
  const last = levels.length - 1;
  return {
    ...base, ladderStep: last, outcome: exhausted ? 'flagged' : 'unassigned', chosenEngineerId: null,
    explain: () => explain(fs, levels[last], kase.product), explainCompact: () => explainCompact(fs, levels[last], kase.product),
  };
}

/**
 * Preemption (only if the settings allow it): a protected-severity case that nobody ready can take within capacity,
 * with fewer than `withinMinutes` left, goes to the least loaded ready engineer on shift now whose load stays within
 * `maxInterrupts` critical weights over capacity. Full strict readiness only: an interrupt never relaxes skill.
 */
function preempt(input: DecideInput, fs: Facts[]): Facts | null {
  const { kase, cfg, now } = input;
  const p = cfg.critical.preemption;
  if (!p.enabled || kase.severity !== cfg.critical.severity) return null;
  if (kase.slaDeadline.getTime() - now.getTime() > p.withinMinutes * 60_000) return null;
  const rule = cfg.severities[kase.severity];
  let b: Facts | null = null;
  for (const f of fs) {
    if (!f.capacityOnly || !f.onShift || f.readiness < rule.minReadiness) continue;
    if (f.load + rule.weight > f.e.capacity + p.maxInterrupts * rule.weight) continue;
    if (!b || f.load / f.e.capacity < b.load / b.e.capacity || (f.load / f.e.capacity === b.load / b.e.capacity && f.rotation < b.rotation)) b = f;
  }
  return b;
}

export function decideOurs(input: DecideInput): Decision {
  const { explain: ex, explainCompact: _c, interrupt: _i, ...d } = decideOursLazy(input);
  return { ...d, candidates: ex() };
}

/**
 * The original tool's policy, kept as the benchmark baseline: rotate through engineers with readiness >= 1 for the
 * product, ignoring severity, capacity and shifts (it does skip engineers marked out of office).
 */
export function decideRoundRobinLazy(input: DecideInput): LazyDecision {
  const { candidates, ...d } = decideRoundRobin(input);
  return { ...d, explain: () => candidates, explainCompact: () => compactCandidates(candidates) };
}

export function decideRoundRobin(input: DecideInput): Decision {
  const { kase, engineers, cfg, now } = input;
  const cands = engineers.map((e): Candidate => {
    const reasons: string[] = [];
    if (e.outOfOffice) reasons.push('out of office');
    if ((e.readiness[kase.product] ?? 0) < 1) reasons.push(`not ready for ${kase.product} (readiness 0)`);
    return { engineerId: e.id, engineerName: e.name, eligible: reasons.length === 0, excludedReasons: reasons, score: reasons.length ? null : 0 };
  });
  const rot = (id: string) => input.state.get(id)?.rotation ?? 0;
  const sorted = cands.sort((x, y) => (x.eligible !== y.eligible ? (x.eligible ? -1 : 1) : !x.eligible ? 0 : rot(x.engineerId) - rot(y.engineerId) || (x.engineerId < y.engineerId ? -1 : 1)));
  const chosen = sorted[0]?.eligible ? sorted[0].engineerId : null;
  return {
    caseId: kase.id, at: now, policyVersion: `round-robin/${cfg.version}`, ladderStep: 0,
    outcome: chosen ? 'assigned' : 'flagged', chosenEngineerId: chosen, candidates: sorted,
  };
}

export const POLICIES: Record<PolicyName, (input: DecideInput) => LazyDecision> = {
  ours: decideOursLazy,
  'round-robin': decideRoundRobinLazy,
};
