// One assignment cycle: read the queue (paged, resumable, with an overlap) -> upsert (idempotent; later records
// update) -> reconcile after a full listing -> assign in urgency order (logged) -> post via the outbox.
// The same function runs in production (SqlStore, HTTP adapters), in `simulate`/bench (MemoryStore, simulated world).
import type { Engineer, PolicyConfig } from './domain';
import { describeError, excerpt, type Logger } from './log';
import type { PolicyName } from './policy';
import type { AssignmentSink, QueueSource } from './queue/source';
import { parseRecords, type FieldMap } from './queue/records';
import type { CycleSummary, OutboxPolicy, QueueCursor, Store } from './store/store';
import type { Plan } from './plan';

/** How the queue is read. Defaults: see DEFAULT_READING. */
export interface ReadingPolicy {
  /** The incremental cursor is moved back this far, so records stamped by a lagging queue clock are read again. */
  readonly overlapSeconds: number;
  /** Pages read per cycle at most; an unfinished sweep resumes at its page token next cycle. */
  readonly maxPagesPerCycle: number;
  /** A full listing (since = none) this often, to reconcile open cases the queue forgot; 0 = never. */
  readonly fullSweepEveryMinutes: number;
  /** Open cases re-checked per reconciliation at most. */
  readonly reconcileLimit: number;
}

export const DEFAULT_READING: ReadingPolicy = { overlapSeconds: 120, maxPagesPerCycle: 50, fullSweepEveryMinutes: 60, reconcileLimit: 500 };

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
  readonly reading?: Partial<ReadingPolicy>;
  readonly outbox?: Partial<OutboxPolicy>;
  /** Wall-clock budget of one cycle: no new page, lookup or post is started after it (default 120 s). */
  readonly deadlineSeconds?: number;
  /** Identifies the queue (URL, since parameter): a stored read position of another queue is not reused. */
  readonly queueKey?: string;
}

export type CycleEvent =
  | { type: 'rejected'; reason: string }
  | { type: 'plan'; plan: Plan }
  | { type: 'posts'; failed: number; deadLettered: number }
  | { type: 'reconciled'; closed: number }
  | { type: 'done'; summary: CycleSummary; outcome: 'ok' | 'failed'; seconds: number };

export interface CycleResult extends CycleSummary {
  readonly outcome: 'ok' | 'failed';
  readonly plan: Plan | null;
  /** Pages read this cycle and whether the sweep finished (false = resumes next cycle). */
  readonly pages: number;
  readonly sweepComplete: boolean;
  readonly postFailed: number;
  readonly deadLettered: number;
  readonly reconciled: number;
}

export async function runCycle(deps: CycleDeps, now: Date = new Date()): Promise<CycleResult> {
  const { store, log } = deps;
  const t0 = performance.now();
  const deadlineSeconds = deps.deadlineSeconds ?? 120;
  const deadline = Date.now() + deadlineSeconds * 1000;
  const clock = deps.outbox?.clock ?? Date.now;
  const wall0 = clock();
  await store.syncEngineers(deps.engineers);
  // Cycles whose process died or froze stay 'running' forever otherwise (and would hide a stall on the dashboard).
  const reaped = await store.reapCycles(new Date(now.getTime() - 2 * deadlineSeconds * 1000), now);
  if (reaped > 0) log.warn('reaped cycles left running', { reaped });
  const cycleId = await store.startCycle(now);
  const errors: string[] = [];
  const read = { fetched: 0, skipped: 0, pages: 0, complete: false, reconciled: 0 };
  // A failing queue API must not stop assignment of cases already stored, nor retries of the outbox.
  try {
    await readQueue(deps, cycleId, now, deadline, read);
  } catch (err) {
    errors.push(`fetch: ${describeError(err)}`);
    log.error('queue fetch failed', { cycleId, error: describeError(err) });
  }
  let plan: Plan | null = null;
  let posted = 0;
  let postFailed = 0;
  let deadLettered = 0;
  try {
    plan = await store.assign(deps.policy ?? 'ours', deps.policyConfig, deps.engineers, now);
    deps.observe?.({ type: 'plan', plan });
    if (plan.flagged > 0) log.warn('cases left unassigned and flagged', { cycleId, flagged: plan.flagged });
  } catch (err) {
    errors.push(`assign: ${describeError(err)}`);
    log.error('assign phase failed', { cycleId, error: describeError(err) });
  }
  // The outbox drains even when planning failed: it holds assignments of earlier cycles.
  try {
    // Leases count from when the drain starts (whole seconds of wall time after the cycle's start), not from `now`:
    // a slow queue read must not shorten them.
    const drainAt = new Date(now.getTime() + Math.floor(Math.max(0, clock() - wall0) / 1000) * 1000);
    const out = await store.drainOutbox((item) => deps.sink.post(item), drainAt, { ...deps.outbox, deadline });
    posted = out.posted;
    postFailed = out.failed;
    deadLettered = out.deadLettered;
    deps.observe?.({ type: 'posts', failed: out.failed, deadLettered: out.deadLettered });
    // Single refusals are retried per item with backoff (or dead-lettered): they do not fail the cycle. An API that
    // refuses everything does, so the stale-cycle alert fires.
    if (out.failed > 0 || out.deadLettered > 0) log.warn('assignment posts not acknowledged', { cycleId, retryLater: out.failed, deadLettered: out.deadLettered });
    // A post that outlived its lease: the row was leased again or moved meanwhile, so its answer was not recorded.
    if (out.superseded > 0) log.warn('late post results dropped (lease taken over or case moved)', { cycleId, superseded: out.superseded });
    if (out.stopped) errors.push(`post: assignment API failing (${out.failed + out.deadLettered} in a row, none acknowledged); retried with backoff`);
  } catch (err) {
    errors.push(`post: ${describeError(err)}`);
    log.error('outbox phase failed', { cycleId, error: describeError(err) });
  }
  const outcome = errors.length === 0 ? 'ok' : 'failed';
  const summary: CycleSummary = {
    fetched: read.fetched, skipped: read.skipped, assigned: plan?.assignments.length ?? 0, flagged: plan?.flagged ?? 0, posted, error: errors.length ? errors.join('; ') : null,
  };
  const seconds = (performance.now() - t0) / 1000;
  await store.finishCycle(cycleId, new Date(now.getTime() + Math.round(seconds * 1000)), outcome, summary);
  deps.observe?.({ type: 'done', summary, outcome, seconds });
  log.info('cycle finished', { cycleId, outcome, seconds: Math.round(seconds * 1000) / 1000, pages: read.pages, sweepComplete: read.complete, postFailed, deadLettered, ...summary });
  return { ...summary, outcome, plan, pages: read.pages, sweepComplete: read.complete, postFailed, deadLettered, reconciled: read.reconciled };
}

/**
 * Reads the queue from the stored cursor: continues an unfinished sweep at its page token, or starts a new one
 * (incremental from the last complete sweep's start minus the overlap, or a full listing when one is due). Pages
 * are upserted one by one and the cursor saved after each batch, so a crash or a failing page resumes where it
 * stopped; upserts are idempotent, so re-reading (overlap, repeated pages) is harmless.
 */
async function readQueue(deps: CycleDeps, cycleId: number, now: Date, deadline: number, out: { fetched: number; skipped: number; pages: number; complete: boolean; reconciled: number }) {
  const { store, queue, log } = deps;
  const r = { ...DEFAULT_READING, ...deps.reading };
  const source = deps.queueKey ?? null;
  let cur = await store.getCursor();
  if (cur && (cur.source ?? null) !== source) {
    log.warn('queue changed: reading it from the start', { cycleId });
    cur = null;
  }
  if (!cur || cur.pageToken === null) {
    const fullDue = queue.listsAllOpenCases === true && r.fullSweepEveryMinutes > 0 && (!cur?.lastFullSweepAt || now.getTime() - cur.lastFullSweepAt.getTime() >= r.fullSweepEveryMinutes * 60_000);
    const since = fullDue || !cur?.nextSince ? null : new Date(cur.nextSince.getTime() - r.overlapSeconds * 1000);
    cur = { mode: since === null ? 'full' : 'incremental', since, pageToken: null, sweepStartedAt: now, nextSince: cur?.nextSince ?? null, lastFullSweepAt: cur?.lastFullSweepAt ?? null, source };
  }
  let token: string | null = cur.pageToken;
  try {
    for (;;) {
      const page = await queue.fetch(cur.since, now, token);
      const { cases, rejects } = parseRecords(page.records, deps.fields, deps.resolvedStatuses, now);
      const allRejects = [...page.rejects, ...rejects];
      out.fetched += page.records.length;
      out.skipped += allRejects.length;
      for (const x of allRejects) {
        log.warn('queue record skipped', { cycleId, reason: x.reason, record: excerpt(x.record) });
        deps.observe?.({ type: 'rejected', reason: x.reason });
      }
      await store.recordRejects(cycleId, allRejects);
      await store.upsertCases(cases, deps.policyConfig, now);
      out.pages++;
      token = page.nextPageToken ?? null;
      if (token === null) break;
      if (out.pages >= r.maxPagesPerCycle || Date.now() >= deadline) {
        await store.saveCursor({ ...cur, pageToken: token }, now);
        log.info('queue sweep continues next cycle', { cycleId, pages: out.pages, mode: cur.mode });
        return;
      }
    }
  } catch (err) {
    // Keep the progress of the pages already stored: the next cycle retries the failing page, not the first one.
    if (out.pages > 0) await store.saveCursor({ ...cur, pageToken: token }, now);
    throw err;
  }
  out.complete = true;
  const sweepStart = cur.sweepStartedAt ?? now;
  let lastFull = cur.lastFullSweepAt;
  if (cur.mode === 'full' && queue.listsAllOpenCases) {
    out.reconciled = await reconcile(deps, cycleId, sweepStart, now, deadline, r.reconcileLimit);
    lastFull = sweepStart;
  }
  const next: QueueCursor = { mode: 'incremental', since: null, pageToken: null, sweepStartedAt: null, nextSince: sweepStart, lastFullSweepAt: lastFull, source };
  await store.saveCursor(next, now);
}

/** Open cases a complete full listing (started at `sweepStart`) did not contain: re-check each, free the gone ones. */
async function reconcile(deps: CycleDeps, cycleId: number, sweepStart: Date, now: Date, deadline: number, limit: number): Promise<number> {
  const { store, queue, log } = deps;
  const missing = await store.openCasesNotSeenSince(sweepStart, limit);
  let closed = 0;
  for (const id of missing) {
    if (Date.now() >= deadline) break;
    let reason = 'not listed by a complete full listing of the queue';
    if (queue.lookup) {
      let l: Awaited<ReturnType<NonNullable<QueueSource['lookup']>>>;
      try {
        l = await queue.lookup(id);
      } catch (err) {
        // Unknown, so kept open (re-checked at the next full sweep). One failing lookup must not abort the sweep: it
        // would never be recorded as complete, and every cycle would list the whole queue and stop at this case.
        log.warn('reconciliation re-check failed; case kept', { cycleId, caseId: id, error: describeError(err) });
        continue;
      }
      if (l.state === 'found') {
        const { cases } = parseRecords([l.record], deps.fields, deps.resolvedStatuses, now);
        if (cases.length === 1 && cases[0].id === id) {
          // Still known to the queue: store what it says (a resolved status frees the case through the upsert).
          const u = await store.upsertCases(cases, deps.policyConfig, now);
          if (u.resolved > 0) {
            closed++;
            log.info('case freed by reconciliation', { cycleId, caseId: id, reason: 'resolved (re-checked directly)' });
          }
          continue;
        }
        reason = 'not listed, and its direct lookup returned an unusable record';
      } else reason = 'not listed, and not found by a direct lookup';
    }
    if ((await store.closeCases([id], reason, now)) > 0) {
      closed++;
      log.info('case freed by reconciliation', { cycleId, caseId: id, reason });
    }
  }
  if (closed > 0) deps.observe?.({ type: 'reconciled', closed });
  return closed;
}
