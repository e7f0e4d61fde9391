// Rules that protect critical (severity-A) work, their settings, and the one table that says in which order an
// engineer works through what the tool sent them. Shared by the policy (src/policy.ts), the plan (src/plan.ts),
// the assignment API payload (src/queue/http.ts) and the simulator (src/sim/world.ts), so they cannot drift apart.
// Why each rule exists and what it costs: app/docs/policy.md.
import { z } from 'zod';
import type { Severity } from './domain';

export const criticalSchema = z.strictObject({
  /** The severity these rules protect (the most urgent one in the shipped settings). */
  severity: z.enum(['A', 'B', 'C']).default('A'),
  /**
   * Headroom: an on-shift engineer who is one of at most `scarceAtMost` engineers ready for a product's critical
   * cases keeps `slots` critical weights of capacity free from other work, until that work is within
   * `releaseMinutes` of its own deadline (then it may use the reserve rather than breach).
   */
  headroom: z
    .strictObject({
      enabled: z.boolean().default(true),
      scarceAtMost: z.number().int().min(1).max(1000).default(3),
      slots: z.number().int().min(1).max(5).default(1),
      releaseMinutes: z.number().min(0).max(1440).default(60),
    })
    .default({ enabled: true, scarceAtMost: 3, slots: 1, releaseMinutes: 60 }),
  /**
   * Look-ahead: an engineer ready for critical work who is not on shift yet keeps room free from other work until the
   * shift starts, for the critical cases expected in its first `hours` (the last 7 days' arrival rate of the
   * products they are ready for, shared among the ready engineers on shift by then), at least `slots` critical
   * weights: work that arrives overnight must not fill the morning before it begins.
   */
  lookAhead: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** At least this many critical weights; more when the expected arrivals (below) call for it, at most 5. */
      slots: z.number().int().min(1).max(5).default(1),
      /** The first hours of a shift the reserve covers: expected critical arrivals = the last 7 days' rate x hours. */
      hours: z.number().positive().max(24).default(2),
    })
    .default({ enabled: true, slots: 1, hours: 2 }),
  /**
   * Preemption: a critical case nobody can take within capacity may go to a full, on-shift, ready engineer with an
   * explicit interrupt flag (the assignment API carries it), once fewer than `withinMinutes` remain before its
   * deadline, and only up to `maxInterrupts` critical weights over capacity. Off unless the settings allow it.
   */
  preemption: z
    .strictObject({
      enabled: z.boolean().default(false),
      withinMinutes: z.number().min(0).max(1440).default(45),
      maxInterrupts: z.number().int().min(1).max(3).default(1),
    })
    .default({ enabled: false, withinMinutes: 45, maxInterrupts: 1 }),
  /**
   * Rebalancing: a case given to an engineer who has not come on shift since (so has not started it) moves to a
   * ready engineer on shift now with room; at most `maxMovesPerCycle` moves per cycle, each case at most once.
   */
  rebalance: z
    .strictObject({ enabled: z.boolean().default(true), maxMovesPerCycle: z.number().int().min(1).max(1000).default(10) })
    .default({ enabled: true, maxMovesPerCycle: 10 }),
  /**
   * End of shift: an engineer whose shift ends within `minutes` (the time a first response takes) counts as off
   * shift for new work, so a case is not handed to someone who leaves before answering it.
   */
  endOfShift: z
    .strictObject({ enabled: z.boolean().default(true), minutes: z.number().min(0).max(240).default(15) })
    .default({ enabled: true, minutes: 15 }),
  /** Send each assignment's priority (severity, respond-by, interrupt) so engineers work by it instead of FIFO. */
  sendPriority: z.boolean().default(true),
});

export type CriticalInput = z.input<typeof criticalSchema>;
export type CriticalConfig = z.output<typeof criticalSchema>;

export const DEFAULT_CRITICAL: CriticalConfig = criticalSchema.parse({});

/** Every rule switched off: the policy as it was before them (the benchmark's "without" baseline). */
export const RULES = ['headroom', 'lookAhead', 'preemption', 'rebalance', 'endOfShift', 'sendPriority'] as const;
export type RuleName = (typeof RULES)[number];

export function withoutRules(c: CriticalConfig, rules: readonly RuleName[]): CriticalConfig {
  const out: CriticalConfig = { ...c, headroom: { ...c.headroom }, lookAhead: { ...c.lookAhead }, preemption: { ...c.preemption }, rebalance: { ...c.rebalance }, endOfShift: { ...c.endOfShift } };
  for (const r of rules) {
    if (r === 'sendPriority') out.sendPriority = false;
    else out[r].enabled = false;
  }
  return out;
}

/** What the assignment API receives beyond who and when: how urgent, by when, and whether to drop other work. */
export interface AssignmentFlags {
  /** Start now even though this takes you over capacity (preemption). */
  readonly interrupt?: boolean;
  /** Present when `sendPriority` is on: the engineer works by it (ENGINEER_WORK_ORDER). */
  readonly priority?: { readonly severity: Severity; readonly respondBy: Date };
  /** The case moved here from this engineer (rebalancing); the previous assignee is told it is no longer theirs. */
  readonly reassignedFrom?: string;
}

/** One item of an engineer's inbox, as far as ordering goes. */
export interface WorkItem extends AssignmentFlags {
  /** Order in which the tool sent the items (FIFO tie-break). */
  readonly seq: number;
}

/**
 * The rule table an engineer follows for work not yet started, in order. Written for the people the tool sends work
 * to (docs/policy.md prints it) and executed by the simulator; a test checks both use this same table.
 */
export const ENGINEER_WORK_ORDER: readonly { readonly rule: string; readonly compare: (a: WorkItem, b: WorkItem) => number }[] = [
  { rule: 'an item flagged "interrupt" first (start it now, even over capacity)', compare: (a, b) => Number(!!b.interrupt) - Number(!!a.interrupt) },
  {
    rule: 'then the earliest respond-by time, when the tool sent a priority',
    compare: (a, b) => (a.priority && b.priority ? a.priority.respondBy.getTime() - b.priority.respondBy.getTime() : 0),
  },
  { rule: 'then in the order received (FIFO)', compare: (a, b) => a.seq - b.seq },
];

export function compareWork(a: WorkItem, b: WorkItem): number {
  for (const r of ENGINEER_WORK_ORDER) {
    const c = r.compare(a, b);
    if (c !== 0) return c;
  }
  return 0;
}
