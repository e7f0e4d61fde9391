// The tool's vocabulary. Times are Date objects (UTC instants); readiness is 0 (not ready) .. 3 (expert).

export const SEVERITIES = ['A', 'B', 'C'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface Shift {
  /** IANA time zone, e.g. Europe/Berlin. */
  readonly timezone: string;
  /** Local start and end, "HH:MM"; an end before the start means the shift runs past midnight. */
  readonly start: string;
  readonly end: string;
  readonly days: readonly Weekday[];
}

export interface Engineer {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  /** Weighted capacity: the sum of the weights of open cases this engineer can carry. */
  readonly capacity: number;
  readonly readiness: Readonly<Record<string, number>>;
  readonly shift: Shift;
  readonly outOfOffice: boolean;
}

export interface SeverityRule {
  readonly slaHours: number;
  readonly minReadiness: number;
  readonly weight: number;
  /** May the relaxation ladder accept one readiness level lower for this severity? */
  readonly relaxable: boolean;
}

export interface PolicyConfig {
  readonly severities: Readonly<Record<Severity, SeverityRule>>;
  /** Minutes a case waits unassigned before the relaxed step of the ladder may fire. */
  readonly relaxAfterMinutes: number;
  /** Rules that protect critical work (headroom, look-ahead, preemption, rebalancing, priority): src/critical.ts. */
  readonly critical: import('./critical').CriticalConfig;
  readonly version: string;
}

export type CaseStatus = 'unassigned' | 'assigned' | 'flagged' | 'resolved';

/** A case as the queue API delivers it, after validation. */
export interface IncomingCase {
  readonly id: string;
  readonly product: string;
  readonly severity: Severity;
  readonly customer: string;
  readonly createdAt: Date;
  /** The queue says the case is closed: it frees capacity. */
  readonly resolved: boolean;
  /** The queue's own SLA deadline, when its records carry one (it wins over createdAt + slaHours). */
  readonly slaDeadline?: Date;
}

/** An open case waiting for an engineer. */
export interface OpenCase {
  readonly id: string;
  readonly product: string;
  readonly severity: Severity;
  readonly createdAt: Date;
  readonly slaDeadline: Date;
  readonly status: 'unassigned' | 'flagged';
  /** Outcome and ladder step of the last logged decision, so repeated identical attempts are not re-logged. */
  readonly lastOutcome: DecisionOutcome | null;
  readonly lastLadderStep: number | null;
}

/** Per-engineer state the policy reads: open weighted load and the persisted rotation position. */
export interface EngineerState {
  load: number;
  open: number;
  /** Monotonic rotation counter of the engineer's last assignment; 0 = never assigned. Lower goes first. */
  rotation: number;
}

export type DecisionOutcome = 'assigned' | 'unassigned' | 'flagged';

export interface Candidate {
  readonly engineerId: string;
  readonly engineerName: string;
  readonly eligible: boolean;
  readonly excludedReasons: string[];
  /** Lower is better; null when not eligible. */
  readonly score: number | null;
}

export interface Decision {
  readonly caseId: string;
  readonly at: Date;
  readonly policyVersion: string;
  readonly ladderStep: number;
  readonly outcome: DecisionOutcome;
  readonly chosenEngineerId: string | null;
  readonly candidates: Candidate[];
  /** Rules that shaped this decision beyond the candidate list (preemption, rebalancing), each with its reason. */
  readonly notes?: string[];
}

export function slaDeadline(createdAt: Date, severity: Severity, cfg: PolicyConfig): Date {
  return new Date(createdAt.getTime() + cfg.severities[severity].slaHours * 3_600_000);
}
