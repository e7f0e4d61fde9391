// Replays a scenario through the production cycle (runCycle + policy + plan) under each policy and measures it.
import { runCycle } from '../cycle';
import { silentLogger } from '../log';
import type { PolicyName } from '../policy';
import type { Severity } from '../domain';
import { SEVERITIES } from '../domain';
import { jainIndex } from '../api/queries';
import { nextWorkStart } from '../shift';
import { policyConfig } from '../settings';
import { withoutRules, type RuleName } from '../critical';
import { MemoryStore } from '../store/memory-store';
import type { Scenario } from './scenario';
import { SimWorld, generateCases, type SimCase } from './world';

export interface PolicyMetrics {
  cases: number;
  assigned: number;
  unassigned: number;
  /** Assigned to an engineer below the severity's minimum readiness (relaxed matches included). */
  skillMismatches: number;
  /** First response after the SLA deadline (never-assigned cases count as breached). */
  slaBreachRate: number;
  p95TimeToAssignMinutes: number;
  /** Max over mean, across engineers, of on-shift utilisation (open weighted load / capacity, time-averaged). */
  maxOverMeanLoad: number;
  jainIndex: number;
  relaxedShare: number;
  /** p95 wall time of one cycle, milliseconds. */
  cycleMs: number;
  /** The same outcome split by severity, next to the floor no policy can beat. */
  bySeverity: Record<Severity, SeverityMetrics>;
}

export interface SeverityMetrics {
  cases: number;
  /** First response after the SLA deadline (never answered included). */
  breached: number;
  /**
   * Cases no policy could answer in time: no engineer with the required readiness (the relaxed level for relaxable
   * severities) is on shift and not out of office at any moment between arrival and the deadline minus the response
   * time, regardless of load.
   */
  unavoidable: number;
  /** 95th percentile of first response minus creation (never answered = null if it reaches the percentile). */
  p95FirstResponseMinutes: number | null;
}

export interface SimulationResult {
  scenario: string;
  engineers: number;
  days: number;
  policies: Record<PolicyName, PolicyMetrics>;
}

const DRAIN_DAYS = 2;

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

/**
 * The floor: true when no engineer with the readiness the case needs (its severity's minimum, or one level lower,
 * never below 1, if the severity is relaxable) is on shift and not out of office at any instant of
 * [arrival, deadline - responseMinutes]. Load is ignored on purpose: this is what no assignment rule can fix.
 */
export function isUnavoidable(s: Scenario, c: SimCase): boolean {
  const rule = s.severities[c.severity];
  const level = rule.relaxable ? Math.max(1, rule.minReadiness - 1) : rule.minReadiness;
  const latest = c.deadline - s.responseMinutes * 60_000;
  if (latest < c.createdAt) return true;
  for (const e of s.engineerList) {
    if (e.outOfOffice || (e.readiness[c.product] ?? 0) < level) continue;
    const start = nextWorkStart(e.shift, c.createdAt);
    if (start !== null && start <= latest) return false;
  }
  return true;
}

/** Replays `s` under `policy`; `without` switches critical-work rules off (ablation, src/critical.ts). */
export async function runPolicy(s: Scenario, policy: PolicyName, without: readonly RuleName[] = []): Promise<PolicyMetrics> {
  if (without.length > 0) s = { ...s, policy: policyConfig(s.policy.severities, s.policy.relaxAfterMinutes, withoutRules(s.policy.critical, without)) };
  const cases = generateCases(s);
  const world = new SimWorld(s, cases);
  const store = new MemoryStore(false);
  const deps = { store, queue: world, sink: world, engineers: s.engineerList, policyConfig: s.policy, policy, log: silentLogger };
  const start = Date.parse(s.start);
  const end = start + (s.days + DRAIN_DAYS) * 86_400_000;
  const step = s.cycleMinutes * 60_000;
  const cycleMs: number[] = [];
  for (let t = start; t < end; t += step) {
    const t0 = performance.now();
    await runCycle(deps, new Date(t));
    cycleMs.push(performance.now() - t0);
  }
  let breaches = 0;
  let mismatches = 0;
  let relaxed = 0;
  const toAssign: number[] = [];
  const waiting = new Map(world.backlogged().map((w) => [w.c.id, w]));
  const sev = Object.fromEntries(SEVERITIES.map((k) => [k, { cases: 0, breached: 0, unavoidable: 0, firstResponse: [] as number[] }])) as Record<Severity, { cases: number; breached: number; unavoidable: number; firstResponse: number[] }>;
  for (const c of cases) {
    const bs = sev[c.severity];
    bs.cases++;
    if (isUnavoidable(s, c)) bs.unavoidable++;
    const o = world.outcomes.get(c.id) ?? waiting.get(c.id);
    if (!o) {
      breaches++; // never assigned
      bs.breached++;
      bs.firstResponse.push(Number.POSITIVE_INFINITY);
      continue;
    }
    const firstResponseAt = 'firstResponseAt' in o ? o.firstResponseAt : Number.POSITIVE_INFINITY;
    bs.firstResponse.push((firstResponseAt - c.createdAt) / 60_000);
    if (firstResponseAt > c.deadline) {
      breaches++;
      bs.breached++;
    }
    if (o.readiness < s.severities[c.severity].minReadiness) mismatches++;
    if (o.ladderStep > 0) relaxed++;
    toAssign.push((o.assignedAt - c.createdAt) / 60_000);
  }
  // Utilisation of engineers who can take work at all (readiness >= 1 somewhere, not out of office).
  const util = s.engineerList
    .filter((e) => !e.outOfOffice && Object.values(e.readiness).some((r) => r >= 1))
    .map((e) => (world.utilisation.get(e.id) ?? 0) / Math.max(1, world.onShiftSamples.get(e.id) ?? 0));
  const mean = util.reduce((a, b) => a + b, 0) / util.length;
  const assigned = world.assignedCount();
  for (const n of world.postsByKey.values()) if (n !== 1) throw new Error('an assignment was posted twice');
  return {
    cases: cases.length,
    assigned,
    unassigned: cases.length - assigned,
    skillMismatches: mismatches,
    slaBreachRate: round(breaches / cases.length, 4),
    p95TimeToAssignMinutes: round(percentile(toAssign, 95), 1),
    maxOverMeanLoad: round(mean === 0 ? 1 : Math.max(...util) / mean),
    jainIndex: round(jainIndex(util)),
    relaxedShare: round(assigned ? relaxed / assigned : 0, 4),
    cycleMs: round(percentile(cycleMs, 95), 2),
    bySeverity: Object.fromEntries(
      SEVERITIES.map((k) => {
        const p = percentile(sev[k].firstResponse, 95);
        return [k, { cases: sev[k].cases, breached: sev[k].breached, unavoidable: sev[k].unavoidable, p95FirstResponseMinutes: Number.isFinite(p) ? round(p, 1) : null }];
      }),
    ) as Record<Severity, SeverityMetrics>,
  };
}

export async function simulate(s: Scenario, policies: PolicyName[] = ['ours', 'round-robin'], without: readonly RuleName[] = []): Promise<SimulationResult> {
  const out = {} as Record<PolicyName, PolicyMetrics>;
  for (const p of policies) out[p] = await runPolicy(s, p, p === 'ours' ? without : []);
  return { scenario: s.name ?? 'scenario', engineers: s.engineerList.length, days: s.days, policies: out };
}

const COLUMNS: Exclude<keyof PolicyMetrics, 'bySeverity'>[] = ['cases', 'assigned', 'unassigned', 'skillMismatches', 'slaBreachRate', 'p95TimeToAssignMinutes', 'maxOverMeanLoad', 'jainIndex', 'relaxedShare', 'cycleMs'];

export function formatTable(r: SimulationResult): string {
  const names = Object.keys(r.policies) as PolicyName[];
  const rows = COLUMNS.map((c) => [c, ...names.map((n) => String(r.policies[n][c]))]);
  // Per severity: breached / cases, the unavoidable floor, and p95 first response.
  for (const k of SEVERITIES) {
    const m = (n: PolicyName) => r.policies[n].bySeverity[k];
    rows.push([`${k} breached/cases`, ...names.map((n) => `${m(n).breached}/${m(n).cases}`)]);
    rows.push([`${k} unavoidable (floor)`, ...names.map((n) => String(m(n).unavoidable))]);
    rows.push([`${k} avoidable breaches`, ...names.map((n) => String(m(n).breached - m(n).unavoidable))]);
    rows.push([`${k} p95FirstResponseMinutes`, ...names.map((n) => String(m(n).p95FirstResponseMinutes ?? 'never'))]);
  }
  const head = ['metric', ...names];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i].length)));
  const line = (cells: string[]) => cells.map((x, i) => (i === 0 ? x.padEnd(w[i]) : x.padStart(w[i]))).join('  ');
  return [`${r.scenario}: ${r.engineers} engineers, ${r.days} days`, line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n');
}
