// One assignment cycle: fetch -> upsert (dedup) -> assign in urgency order (logged) -> post via the outbox.
// The same function runs in production (SqlStore, HTTP adapters), in `simulate`/bench (MemoryStore, simulated world).
import type { Engineer, PolicyConfig } from './domain';
import type { Logger } from './log';
import type { PolicyName } from './policy';
import type { AssignmentSink, QueueSource } from './queue/source';
import { parseRecords, type FieldMap } from './queue/records';
import type { CycleSummary, Store } from './store/store';
import type { Plan } from './plan';

export interface CycleDeps {
  readonly store: Store;
  readonly queue: QueueSource;
  readonly sink: AssignmentSink;
  readonly engineers: readonly Engineer[];
  readonly policyConfig: PolicyConfig;
  readonly policy?: PolicyName;
  readonly fields?: FieldMap;
  readonly resolvedStatuses?: readonly string[];
  readonly log: Logger;
  /** Called after each phase, for metrics. */
  readonly observe?: (event: CycleEvent) => void;
}

export type CycleEvent =
  | { type: 'rejected'; reason: string }
  | { type: 'plan'; plan: Plan }
  | { type: 'done'; summary: CycleSummary; outcome: 'ok' | 'failed'; seconds: number };

export interface CycleResult extends CycleSummary {
  readonly outcome: 'ok' | 'failed';
  readonly plan: Plan | null;
}

export async function runCycle(deps: CycleDeps, now: Date = new Date()): Promise<CycleResult> {
  const { store, log } = deps;
  const t0 = performance.now();
  await store.syncEngineers(deps.engineers);
  const cycleId = await store.startCycle(now);
  let fetched = 0;
  let skipped = 0;
  const errors: string[] = [];
  // A failing queue API must not stop assignment of cases already stored, nor retries of the outbox.
  try {
    const since = await store.lastSuccessfulCycleStart();
    const page = await deps.queue.fetch(since, now);
    const { cases, rejects } = parseRecords(page.records, deps.fields, deps.resolvedStatuses, now);
    const allRejects = [...page.rejects, ...rejects];
    fetched = page.records.length;
    skipped = allRejects.length;
    for (const r of allRejects) {
      log.warn('queue record skipped', { cycleId, reason: r.reason, record: r.record });
      deps.observe?.({ type: 'rejected', reason: r.reason });
    }
    await store.recordRejects(cycleId, allRejects);
    await store.upsertCases(cases, deps.policyConfig, now);
  } catch (err) {
    errors.push(`fetch: ${(err as Error).message}`);
    log.error('queue fetch failed', { cycleId, error: (err as Error).message });
  }
  let plan: Plan | null = null;
  let posted = 0;
  try {
    plan = await store.assign(deps.policy ?? 'ours', deps.policyConfig, deps.engineers, now);
    deps.observe?.({ type: 'plan', plan });
    if (plan.flagged > 0) log.warn('cases left unassigned and flagged', { cycleId, flagged: plan.flagged });
    const out = await store.drainOutbox((item) => deps.sink.post(item), now);
    posted = out.posted;
    if (out.failed > 0) {
      errors.push(`post: ${out.failed} assignment(s) not acknowledged, retried next cycle`);
      log.warn('assignment posts failed', { cycleId, failed: out.failed });
    }
  } catch (err) {
    errors.push(`assign: ${(err as Error).message}`);
    log.error('assign phase failed', { cycleId, error: (err as Error).message });
  }
  const outcome = errors.length === 0 ? 'ok' : 'failed';
  const summary: CycleSummary = {
    fetched, skipped, assigned: plan?.assignments.length ?? 0, flagged: plan?.flagged ?? 0, posted, error: errors.length ? errors.join('; ') : null,
  };
  const seconds = (performance.now() - t0) / 1000;
  await store.finishCycle(cycleId, new Date(now.getTime() + Math.round(seconds * 1000)), outcome, summary);
  deps.observe?.({ type: 'done', summary, outcome, seconds });
  log.info('cycle finished', { cycleId, outcome, seconds: Math.round(seconds * 1000) / 1000, ...summary });
  return { ...summary, outcome, plan };
}
