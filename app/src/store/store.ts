// What an assignment cycle needs from storage. Two implementations share the cycle and policy code:
// SqlStore (PostgreSQL / PGlite, production) and MemoryStore (the simulator's fast path).
import type { Engineer, IncomingCase, PolicyConfig } from '../domain';
import type { Plan } from '../plan';
import type { PolicyName } from '../policy';

export interface Rejected { readonly reason: string; readonly record: unknown }

export interface OutboxItem {
  readonly assignmentId: number;
  readonly caseId: string;
  readonly engineerId: string;
  readonly engineerEmail: string;
  readonly assignedAt: Date;
  readonly ladderStep: number;
  readonly policyVersion: string;
  readonly idempotencyKey: string;
  readonly attempts: number;
}

/**
 * `permanent`: the assignment API refused this item for good (a 4xx other than 401/403/408/409/425/429): it is
 * dead-lettered at once instead of retried. `status`/`body` are recorded (body bounded) for diagnosis.
 */
export type PostResult = { ok: true } | { ok: false; error: string; permanent?: boolean; status?: number; body?: string };

export interface CycleSummary {
  readonly fetched: number;
  readonly skipped: number;
  readonly assigned: number;
  readonly flagged: number;
  readonly posted: number;
  readonly error: string | null;
}

/** Outbox retry policy: per-item exponential backoff with jitter, dead letter after `maxAttempts`. */
export interface OutboxPolicy {
  readonly maxAttempts: number;
  readonly baseBackoffSeconds: number;
  readonly maxBackoffSeconds: number;
  /**
   * How long a worker holds the items it claimed before another may take them (a crashed worker's lease). A result
   * arriving after that is recorded only if nobody leased or re-targeted the row meanwhile (lease token + key).
   */
  readonly leaseSeconds: number;
  /** Items claimed per lease. */
  readonly batch: number;
  /** Posts in flight at once; a crash repeats at most this many (the ones in flight). */
  readonly concurrency: number;
  /** Stop posting for this cycle after this many failures in a row with none acknowledged (the API is down). */
  readonly maxConsecutiveFailures: number;
  /** Stop claiming new items after this wall-clock instant (the cycle deadline). */
  readonly deadline?: number;
  /** Random source for jitter (tests pass a fixed one). */
  readonly random?: () => number;
  /**
   * Wall clock (ms) that advances the drain's `now` between claims (whole seconds), so each lease runs
   * `leaseSeconds` from when it is claimed, not from the cycle's start (tests pass a fake one).
   */
  readonly clock?: () => number;
}

export const DEFAULT_OUTBOX: OutboxPolicy = { maxAttempts: 10, baseBackoffSeconds: 30, maxBackoffSeconds: 3600, leaseSeconds: 120, batch: 32, concurrency: 4, maxConsecutiveFailures: 5 };

/** Delay before attempt `attempts + 1`: base * 2^(attempts-1), capped, with "equal jitter" (half fixed, half random). */
export function backoffMs(attempts: number, p: Pick<OutboxPolicy, 'baseBackoffSeconds' | 'maxBackoffSeconds'>, random = Math.random): number {
  const exp = Math.min(p.maxBackoffSeconds, p.baseBackoffSeconds * 2 ** Math.max(0, attempts - 1)) * 1000;
  return Math.round(exp / 2 + random() * (exp / 2));
}

export interface DrainResult {
  readonly posted: number;
  readonly failed: number;
  readonly deadLettered: number;
  /**
   * Late results not recorded: the post's lease had expired and the row was leased again or re-targeted (rebalancing)
   * before the answer came. The row's current owner records its own attempt.
   */
  readonly superseded: number;
  /** The API looked down (maxConsecutiveFailures in a row, none acknowledged): posting stopped early. */
  readonly stopped: boolean;
}

export interface UpsertResult { inserted: number; resolved: number; reopened: number; updated: number }

/** The queue read position (see queue_cursor in migrations/002). */
export interface QueueCursor {
  readonly mode: 'incremental' | 'full';
  /** `since` sent with every page of the current sweep (null = everything). */
  readonly since: Date | null;
  /** Resume token of a sweep left unfinished by the per-cycle page bound. */
  readonly pageToken: string | null;
  readonly sweepStartedAt: Date | null;
  /** `since` of the next sweep (the start of the last complete one, before the overlap is subtracted). */
  readonly nextSince: Date | null;
  readonly lastFullSweepAt: Date | null;
  /** The queue this position belongs to (its URL and since parameter); a different one starts afresh. */
  readonly source?: string | null;
}

export interface Store {
  /** Mirrors the configured engineers; engineers no longer configured become inactive (their cases stay). */
  syncEngineers(engineers: readonly Engineer[]): Promise<void>;
  startCycle(now: Date): Promise<number>;
  finishCycle(id: number, now: Date, outcome: 'ok' | 'failed', summary: CycleSummary): Promise<void>;
  /** Marks cycles still `running` that started before `olderThan` as failed (their process died or stalled). */
  reapCycles(olderThan: Date, now: Date): Promise<number>;
  getCursor(): Promise<QueueCursor | null>;
  saveCursor(c: QueueCursor, now: Date): Promise<void>;
  /**
   * Inserts new cases; a later record of a known case updates severity, product, SLA deadline and weight; a resolved
   * status frees capacity (whatever a concurrent plan does); a non-resolved record of a resolved case reopens it.
   * Every listed case gets last_seen_at = now.
   */
  upsertCases(cases: readonly IncomingCase[], cfg: PolicyConfig, now: Date): Promise<UpsertResult>;
  /** Open cases (not resolved) the queue has not listed since `t`, first seen before `t`: reconciliation candidates. */
  openCasesNotSeenSince(t: Date, limit: number): Promise<string[]>;
  /** Resolves cases the queue no longer has (freeing capacity), with the reason kept on the case. */
  closeCases(ids: readonly string[], reason: string, now: Date): Promise<number>;
  recordRejects(cycleId: number, rejects: readonly Rejected[]): Promise<void>;
  /** Under the store's exclusive lock: snapshot open cases and loads, plan with `policy`, persist the plan. */
  assign(policy: PolicyName, cfg: PolicyConfig, engineers: readonly Engineer[], now: Date): Promise<Plan>;
  /** Claims due outbox items (skipping ones another worker holds), posts each via `post`, records each result at once. */
  drainOutbox(post: (item: OutboxItem) => Promise<PostResult>, now: Date, policy?: Partial<OutboxPolicy>): Promise<DrainResult>;
}

export function idempotencyKey(caseId: string, now: Date): string {
  return `case-assigner:${caseId}:${now.getTime()}`;
}
