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

export type PostResult = { ok: true } | { ok: false; error: string };

export interface CycleSummary {
  readonly fetched: number;
  readonly skipped: number;
  readonly assigned: number;
  readonly flagged: number;
  readonly posted: number;
  readonly error: string | null;
}

export interface Store {
  /** Mirrors the configured engineers; engineers no longer configured become inactive (their cases stay). */
  syncEngineers(engineers: readonly Engineer[]): Promise<void>;
  startCycle(now: Date): Promise<number>;
  finishCycle(id: number, now: Date, outcome: 'ok' | 'failed', summary: CycleSummary): Promise<void>;
  /** Start time of the last successful cycle (the queue's incremental-read cursor). */
  lastSuccessfulCycleStart(): Promise<Date | null>;
  /** Inserts new cases (first writer wins), marks resolved ones; returns how many were new. */
  upsertCases(cases: readonly IncomingCase[], cfg: PolicyConfig, now: Date): Promise<{ inserted: number; resolved: number }>;
  recordRejects(cycleId: number, rejects: readonly Rejected[]): Promise<void>;
  /** Under the store's exclusive lock: snapshot open cases and loads, plan with `policy`, persist the plan. */
  assign(policy: PolicyName, cfg: PolicyConfig, engineers: readonly Engineer[], now: Date): Promise<Plan>;
  /** Claims unposted assignments (skipping ones another cycle holds), posts each via `post`, records the results. */
  drainOutbox(post: (item: OutboxItem) => Promise<PostResult>, now: Date, batch?: number): Promise<{ posted: number; failed: number }>;
}

export function idempotencyKey(caseId: string, now: Date): string {
  return `case-assigner:${caseId}:${now.getTime()}`;
}
