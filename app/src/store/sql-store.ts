// PostgreSQL storage. Concurrency: the assign phase runs in one transaction under a transaction-level advisory
// lock (replicas and CronJob runs serialize planning, so loads are consistent), backed by UNIQUE(case_id, round) and
// status-guarded updates; the outbox is leased with FOR UPDATE SKIP LOCKED and posted outside any transaction.
// A cycle killed mid-way rolls back (planning) or leaves leased items that the next cycle takes over.
// The outbox (lease, post, record) lives in sql-outbox.ts, the retention purge in sql-retention.ts.
import type { Db } from '../db';
import type { Engineer, EngineerState, IncomingCase, OpenCase, PolicyConfig } from '../domain';
import { slaDeadline } from '../domain';
import { planCycle, type AssignedCase, type Plan, type PlannedAssignment } from '../plan';
import type { PolicyName } from '../policy';
import * as outbox from './sql-outbox';
import * as retention from './sql-retention';
import { idempotencyKey, type CycleSummary, type DrainResult, type OutboxItem, type OutboxPolicy, type PostResult, type QueueCursor, type Rejected, type Store, type UpsertResult } from './store';

export { MAX_BODY_CHARS, MAX_CONSECUTIVE_FAILURES } from './sql-outbox';

export const ASSIGN_LOCK = 7_345_002;

export class SqlStore implements Store {
  constructor(readonly db: Db) {}

  async syncEngineers(engineers: readonly Engineer[]): Promise<void> {
    const rows = engineers.map((e) => ({ id: e.id, name: e.name, email: e.email, capacity: e.capacity, readiness: e.readiness, shift: e.shift, out_of_office: e.outOfOffice }));
    await this.db.tx(async (q) => {
      await q.query(
        `INSERT INTO engineers (id, name, email, capacity, readiness, shift, out_of_office, active, updated_at)
         SELECT id, name, email, capacity, readiness, shift, out_of_office, true, now()
           FROM jsonb_to_recordset($1::jsonb) AS x(id text, name text, email text, capacity float8, readiness jsonb, shift jsonb, out_of_office boolean)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email, capacity = excluded.capacity,
           readiness = excluded.readiness, shift = excluded.shift, out_of_office = excluded.out_of_office, active = true, updated_at = now()
         WHERE (engineers.name, engineers.email, engineers.capacity, engineers.readiness, engineers.shift, engineers.out_of_office, engineers.active)
           IS DISTINCT FROM (excluded.name, excluded.email, excluded.capacity, excluded.readiness, excluded.shift, excluded.out_of_office, true)`,
        [JSON.stringify(rows)],
      );
      await q.query(`UPDATE engineers SET active = false WHERE active AND NOT (id = ANY($1::text[]))`, [engineers.map((e) => e.id)]);
    });
  }

  async startCycle(now: Date): Promise<number> {
    const r = await this.db.query<{ id: number }>(`INSERT INTO cycles (started_at) VALUES ($1) RETURNING id`, [now]);
    return r.rows[0].id;
  }

  async finishCycle(id: number, now: Date, outcome: 'ok' | 'failed', s: CycleSummary): Promise<void> {
    await this.db.query(
      `UPDATE cycles SET finished_at = $2, outcome = $3, fetched = $4, skipped = $5, assigned = $6, flagged = $7, posted = $8, error = $9 WHERE id = $1`,
      [id, now, outcome, s.fetched, s.skipped, s.assigned, s.flagged, s.posted, s.error],
    );
  }

  async reapCycles(olderThan: Date, now: Date): Promise<number> {
    const r = await this.db.query<{ id: number }>(
      `UPDATE cycles SET outcome = 'failed', finished_at = $2, error = 'reaped: still running past the cycle deadline (its process died or stalled)'
        WHERE outcome = 'running' AND started_at < $1 RETURNING id`,
      [olderThan, now],
    );
    return r.rows.length;
  }

  async getCursor(): Promise<QueueCursor | null> {
    const r = await this.db.query<{ mode: 'incremental' | 'full'; since: Date | null; page_token: string | null; sweep_started_at: Date | null; next_since: Date | null; last_full_sweep_at: Date | null; source: string | null }>(
      `SELECT mode, since, page_token, sweep_started_at, next_since, last_full_sweep_at, source FROM queue_cursor WHERE id = 1`,
    );
    const c = r.rows[0];
    const d = (x: Date | null) => (x === null ? null : new Date(x));
    return c ? { mode: c.mode, since: d(c.since), pageToken: c.page_token, sweepStartedAt: d(c.sweep_started_at), nextSince: d(c.next_since), lastFullSweepAt: d(c.last_full_sweep_at), source: c.source } : null;
  }

  async saveCursor(c: QueueCursor, now: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO queue_cursor (id, mode, since, page_token, sweep_started_at, next_since, last_full_sweep_at, updated_at, source)
       VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (id) DO UPDATE SET mode = excluded.mode, since = excluded.since, page_token = excluded.page_token,
         sweep_started_at = excluded.sweep_started_at, next_since = excluded.next_since, last_full_sweep_at = excluded.last_full_sweep_at,
         updated_at = excluded.updated_at, source = excluded.source`,
      [c.mode, c.since, c.pageToken, c.sweepStartedAt, c.nextSince, c.lastFullSweepAt, now, c.source ?? null],
    );
  }

  async upsertCases(cases: readonly IncomingCase[], cfg: PolicyConfig, now: Date): Promise<UpsertResult> {
    const out: UpsertResult = { inserted: 0, resolved: 0, reopened: 0, updated: 0 };
    if (cases.length === 0) return out;
    const rows = cases.map((c, ord) => ({
      ord, id: c.id, product: c.product, severity: c.severity, customer: c.customer, created_at: c.createdAt.toISOString(),
      sla_deadline: (c.slaDeadline ?? slaDeadline(c.createdAt, c.severity, cfg)).toISOString(), weight: cfg.severities[c.severity].weight,
      status: c.resolved ? 'resolved' : 'unassigned',
    }));
    // DISTINCT ON: a page that repeats a case must not make ON CONFLICT touch one row twice; its last record wins.
    // A later record updates what the queue owns (product, severity, SLA deadline, weight); status: resolved always
    // wins (frees capacity: load counts only 'assigned' rows, and the plan's updates are guarded by status), a
    // non-resolved record of a resolved case reopens it (waiting again, next round), otherwise the tool's status stays.
    // ON CONFLICT DO UPDATE locks the row and acts on its latest committed version, so a concurrent plan either
    // commits first (then this resolves its assignment) or finds the case resolved and skips it.
    const r = await this.db.query<{ inserted: boolean; status: string; old_status: string | null; changed: boolean }>(
      `WITH x AS (
         SELECT DISTINCT ON (id) * FROM jsonb_to_recordset($1::jsonb) AS x(ord int, id text, product text, severity text, customer text,
                created_at timestamptz, sla_deadline timestamptz, weight float8, status text)
          ORDER BY id, ord DESC),
       old AS (SELECT c.id, c.status, c.product, c.severity, c.sla_deadline FROM cases c JOIN x USING (id)),
       up AS (
         INSERT INTO cases AS c (id, product, severity, customer, created_at, sla_deadline, weight, status, first_seen_at, last_seen_at, resolved_at, updated_at)
         SELECT id, product, severity, customer, created_at, sla_deadline, weight, status, $2, $2, CASE WHEN status = 'resolved' THEN $2::timestamptz END, $2
           FROM x
         ON CONFLICT (id) DO UPDATE SET
           product = excluded.product, severity = excluded.severity, customer = excluded.customer,
           sla_deadline = excluded.sla_deadline, weight = excluded.weight, last_seen_at = $2, updated_at = $2,
           status = CASE WHEN excluded.status = 'resolved' THEN 'resolved' WHEN c.status = 'resolved' THEN 'unassigned' ELSE c.status END,
           resolved_at = CASE WHEN excluded.status = 'resolved' THEN coalesce(c.resolved_at, $2) END,
           close_reason = CASE WHEN excluded.status = 'resolved' THEN coalesce(c.close_reason, 'resolved by the queue') END,
           round = CASE WHEN excluded.status <> 'resolved' AND c.status = 'resolved' THEN c.round + 1 ELSE c.round END,
           engineer_id = CASE WHEN excluded.status <> 'resolved' AND c.status = 'resolved' THEN NULL ELSE c.engineer_id END,
           assigned_at = CASE WHEN excluded.status <> 'resolved' AND c.status = 'resolved' THEN NULL ELSE c.assigned_at END,
           ladder_step = CASE WHEN excluded.status <> 'resolved' AND c.status = 'resolved' THEN NULL ELSE c.ladder_step END,
           last_outcome = CASE WHEN excluded.status <> 'resolved' AND c.status = 'resolved' THEN NULL ELSE c.last_outcome END,
           last_ladder_step = CASE WHEN excluded.status <> 'resolved' AND c.status = 'resolved' THEN NULL ELSE c.last_ladder_step END
         RETURNING c.id, c.status, (xmax = 0) AS inserted, c.product, c.severity, c.sla_deadline)
       SELECT up.inserted, up.status, old.status AS old_status,
              (old.product, old.severity, old.sla_deadline) IS DISTINCT FROM (up.product, up.severity, up.sla_deadline) AS changed
         FROM up LEFT JOIN old USING (id)`,
      [JSON.stringify(rows), now],
    );
    for (const x of r.rows) {
      if (x.inserted) out.inserted++;
      else if (x.status === 'resolved' && x.old_status !== 'resolved') out.resolved++;
      else if (x.old_status === 'resolved' && x.status !== 'resolved') out.reopened++;
      else if (x.changed) out.updated++;
    }
    return out;
  }

  async openCasesNotSeenSince(t: Date, limit: number): Promise<string[]> {
    const r = await this.db.query<{ id: string }>(
      `SELECT id FROM cases WHERE status <> 'resolved' AND coalesce(last_seen_at, first_seen_at) < $1 ORDER BY id LIMIT $2`,
      [t, limit],
    );
    return r.rows.map((x) => x.id);
  }

  async closeCases(ids: readonly string[], reason: string, now: Date): Promise<number> {
    if (ids.length === 0) return 0;
    const r = await this.db.query<{ id: string }>(
      `UPDATE cases SET status = 'resolved', resolved_at = $2, close_reason = $3, updated_at = $2
        WHERE id = ANY($1::text[]) AND status <> 'resolved' RETURNING id`,
      [ids, now, reason.slice(0, 300)],
    );
    return r.rows.length;
  }

  /** Runs the retention purge when it last ran more than a day ago (any process; one wins the row). */
  purgeIfDue(now: Date, retentionDays: number): Promise<{ cases: number; decisions: number; cycles: number } | null> {
    return retention.purgeIfDue(this.db, now, retentionDays);
  }

  /** Retention: deletes history older than `cutoff` in chunks (sql-retention.ts). */
  purgeExpired(cutoff: Date, chunk = 5000): Promise<{ cases: number; decisions: number; cycles: number }> {
    return retention.purgeExpired(this.db, cutoff, chunk);
  }

  async recordRejects(cycleId: number, rejects: readonly Rejected[]): Promise<void> {
    if (rejects.length === 0) return;
    await this.db.query(
      `INSERT INTO rejected_records (cycle_id, reason, record) SELECT $1, reason, record FROM jsonb_to_recordset($2::jsonb) AS x(reason text, record jsonb)`,
      // jsonb cannot hold \u0000: a record rejected for a NUL byte would fail this insert, and with it every cycle
      // (the same page read again forever). NUL escapes (not an escaped backslash before "u0000") become U+FFFD.
      [cycleId, JSON.stringify(rejects.map((r) => ({ reason: r.reason, record: r.record ?? null }))).replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\ufffd')],
    );
  }

  async assign(policy: PolicyName, cfg: PolicyConfig, engineers: readonly Engineer[], now: Date): Promise<Plan> {
    return this.db.tx(async (q) => {
      await q.query('SELECT pg_advisory_xact_lock($1)', [ASSIGN_LOCK]);
      const cases = (
        await q.query<{ id: string; product: string; severity: 'A' | 'B' | 'C'; created_at: Date; sla_deadline: Date; status: 'unassigned' | 'flagged'; last_outcome: OpenCase['lastOutcome']; last_ladder_step: number | null }>(
          `SELECT id, product, severity, created_at, sla_deadline, status, last_outcome, last_ladder_step
             FROM cases WHERE status IN ('unassigned', 'flagged') AND created_at <= $1`,
          [now],
        )
      ).rows.map((c): OpenCase => ({
        id: c.id, product: c.product, severity: c.severity, createdAt: new Date(c.created_at), slaDeadline: new Date(c.sla_deadline),
        status: c.status, lastOutcome: c.last_outcome, lastLadderStep: c.last_ladder_step,
      }));
      const state = new Map<string, EngineerState>();
      let rotationBase = 0;
      const loads = await q.query<{ id: string; rotation: number; load: number; open: number }>(
        `SELECT e.id, e.rotation, coalesce(sum(c.weight), 0)::float8 AS load, count(c.id)::int AS open
           FROM engineers e LEFT JOIN cases c ON c.engineer_id = e.id AND c.status = 'assigned'
          GROUP BY e.id, e.rotation`,
      );
      for (const r of loads.rows) {
        state.set(r.id, { load: Number(r.load), open: Number(r.open), rotation: r.rotation });
        rotationBase = Math.max(rotationBase, r.rotation);
      }
      // Rebalancing (#17) looks at assigned open cases: bounded by the engineers' capacity, served by cases_assigned_load.
      const assigned = policy === 'ours' && cfg.critical.rebalance.enabled
        ? (await q.query<{ id: string; product: string; severity: 'A' | 'B' | 'C'; created_at: Date; sla_deadline: Date; engineer_id: string; assigned_at: Date; moved: boolean }>(
            `SELECT c.id, c.product, c.severity, c.created_at, c.sla_deadline, c.engineer_id, c.assigned_at, (a.reassigned_from IS NOT NULL) AS moved
               FROM cases c JOIN assignments a ON a.case_id = c.id AND a.round = c.round
              WHERE c.status = 'assigned'`,
          )).rows.map((c): AssignedCase => ({
            id: c.id, product: c.product, severity: c.severity, createdAt: new Date(c.created_at), slaDeadline: new Date(c.sla_deadline),
            engineerId: c.engineer_id, assignedAt: new Date(c.assigned_at), moved: c.moved,
          }))
        : [];
      // This store persists the interrupt flag and posts it, so preemption may happen (src/plan.ts).
      // Look-ahead forecast: critical arrivals per hour and product over the last 7 days (index cases_by_created).
      const criticalPerHour = policy === 'ours' && cfg.critical.lookAhead.enabled
        ? new Map((await q.query<{ product: string; n: number }>(
            `SELECT product, count(*)::int AS n FROM cases WHERE severity = $1 AND created_at > $2::timestamptz - interval '7 days' AND created_at <= $2 GROUP BY product`,
            [cfg.critical.severity, now],
          )).rows.map((r) => [r.product, r.n / (7 * 24)]))
        : undefined;
      const planned = planCycle({ cases, engineers, state, rotationBase, assigned, carriesInterrupt: true, criticalPerHour }, policy, cfg, now);
      // What the engineer is told beyond who and when (src/critical.ts): decided now, posted as decided.
      const sendPriority = policy === 'ours' && cfg.critical.sendPriority;
      const flags = (a: PlannedAssignment) => ({ interrupt: a.interrupt, prio: sendPriority ? a.severity : null, respond_by: sendPriority ? a.respondBy.toISOString() : null });
      let plan = planned;
      // Lock every case this plan writes (assignments and moves together) in id order first: the queue upsert locks
      // rows in id order too, so the two cannot deadlock (locking the moved cases after the assigned ones could).
      const written = [...planned.assignments, ...planned.moves].map((a) => a.caseId);
      if (written.length > 0) await q.query(`SELECT id FROM cases WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE /* plan: lock planned cases */`, [written]);
      if (planned.assignments.length > 0) {
        const rows = planned.assignments.map((a) => ({ ...a, ...flags(a), key: idempotencyKey(a.caseId, now), policy_version: planned.decisions[0]?.policyVersion ?? cfg.version }));
        const versions = new Map(planned.decisions.map((d) => [d.caseId, d.policyVersion]));
        for (const r of rows) r.policy_version = versions.get(r.caseId) ?? r.policy_version;
        // Status-guarded: a case the queue resolved (or another writer changed) since the snapshot is skipped, and
        // only cases actually moved to 'assigned' get an assignment row (the outbox) and a logged decision.
        const applied = await q.query<{ case_id: string }>(
          `WITH x AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x("caseId" text, "engineerId" text, product text, "ladderStep" int, policy_version text, key text,
                                                                     interrupt boolean, prio text, respond_by timestamptz)),
           upd AS (
             UPDATE cases c SET status = 'assigned', engineer_id = x."engineerId", assigned_at = $2, ladder_step = x."ladderStep",
                    last_outcome = 'assigned', last_ladder_step = x."ladderStep"
               FROM x WHERE c.id = x."caseId" AND c.status IN ('unassigned', 'flagged')
             RETURNING c.id, c.round, c.product)
           INSERT INTO assignments (case_id, round, engineer_id, product, assigned_at, ladder_step, policy_version, idempotency_key, next_post_at, interrupt, priority_severity, respond_by)
           SELECT x."caseId", upd.round, x."engineerId", upd.product, $2, x."ladderStep", x.policy_version, x.key, $2, x.interrupt, x.prio, x.respond_by
             FROM x JOIN upd ON upd.id = x."caseId"
           RETURNING case_id`,
          [JSON.stringify(rows), now],
        );
        if (applied.rows.length < rows.length) {
          const ok = new Set(applied.rows.map((x) => x.case_id));
          plan = { ...planned, assignments: planned.assignments.filter((a) => ok.has(a.caseId)), decisions: planned.decisions.filter((d) => d.outcome !== 'assigned' || ok.has(d.caseId) || planned.moves.some((m) => m.caseId === d.caseId)) };
        }
        const done = rows.filter((r) => plan.assignments.some((a) => a.caseId === r.caseId));
        await q.query(
          `UPDATE engineers e SET rotation = x.rotation, last_assigned_at = $2
             FROM (SELECT "engineerId", max(rotation) AS rotation FROM jsonb_to_recordset($1::jsonb) AS y("engineerId" text, rotation int) GROUP BY 1) x
            WHERE e.id = x."engineerId"`,
          [JSON.stringify(done), now],
        );
      }
      if (planned.moves.length > 0) {
        // Rebalancing: the case's assignment row changes hands and goes back to the outbox with a new key, naming the
        // previous engineer. Guarded: still assigned to them, and no post of the row in flight (lease held).
        const rows = planned.moves.map((m) => ({ ...m, ...flags(m), key: idempotencyKey(m.caseId, now) }));
        const moved = await q.query<{ case_id: string }>(
          `WITH x AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x("caseId" text, "engineerId" text, "fromEngineerId" text, key text, prio text, respond_by timestamptz)),
           upd AS (
             UPDATE cases c SET engineer_id = x."engineerId", assigned_at = $2
               FROM x WHERE c.id = x."caseId" AND c.status = 'assigned' AND c.engineer_id = x."fromEngineerId"
                AND NOT EXISTS (SELECT 1 FROM assignments b WHERE b.case_id = c.id AND b.round = c.round AND b.claimed_until > $2)
             RETURNING c.id, c.round)
           UPDATE assignments a SET engineer_id = x."engineerId", reassigned_from = x."fromEngineerId", assigned_at = $2, ladder_step = 0,
                  idempotency_key = x.key, posted_at = NULL, post_attempts = 0, next_post_at = $2, claimed_until = NULL, lease_token = NULL, dead_at = NULL,
                  last_post_error = NULL, interrupt = false, priority_severity = x.prio, respond_by = x.respond_by
             FROM x JOIN upd ON upd.id = x."caseId"
            WHERE a.case_id = upd.id AND a.round = upd.round
           RETURNING a.case_id`,
          [JSON.stringify(rows), now],
        );
        const ok = new Set(moved.rows.map((x) => x.case_id));
        const movedIds = new Set(planned.moves.map((m) => m.caseId));
        plan = { ...plan, moves: planned.moves.filter((m) => ok.has(m.caseId)), decisions: plan.decisions.filter((d) => !movedIds.has(d.caseId) || ok.has(d.caseId) || d.outcome !== 'assigned') };
        await q.query(
          `UPDATE engineers e SET rotation = x.rotation, last_assigned_at = $2
             FROM (SELECT "engineerId", max(rotation) AS rotation FROM jsonb_to_recordset($1::jsonb) AS y("engineerId" text, rotation int) GROUP BY 1) x
            WHERE e.id = x."engineerId"`,
          [JSON.stringify(rows.filter((r) => ok.has(r.caseId))), now],
        );
      }
      if (plan.statusChanges.length > 0) {
        await q.query(
          `UPDATE cases c SET status = x.status, last_outcome = x.outcome, last_ladder_step = x."ladderStep"
             FROM jsonb_to_recordset($1::jsonb) AS x("caseId" text, status text, outcome text, "ladderStep" int)
            WHERE c.id = x."caseId" AND c.status IN ('unassigned', 'flagged')`,
          [JSON.stringify(plan.statusChanges)],
        );
      }
      if (plan.decisions.length > 0) {
        await q.query(
          `INSERT INTO decisions (case_id, at, policy_version, ladder_step, outcome, chosen_engineer_id, candidates)
           SELECT "caseId", at, "policyVersion", "ladderStep", outcome, "chosenEngineerId", candidates
             FROM json_to_recordset($1::json) AS x("caseId" text, at timestamptz, "policyVersion" text, "ladderStep" int,
                  outcome text, "chosenEngineerId" text, candidates json)`,
          [JSON.stringify(plan.decisions.map((d) => ({ ...d, candidates: d.explainCompact() })))],
        );
      }
      return plan;
    });
  }

  drainOutbox(post: (item: OutboxItem) => Promise<PostResult>, now: Date, policy: Partial<OutboxPolicy> = {}): Promise<DrainResult> {
    return outbox.drainOutbox(this.db, post, now, policy);
  }

  /** Dead-lettered and pending outbox items (for /stats). */
  static outboxCounts(db: Db): Promise<{ pending: number; deadLettered: number }> {
    return outbox.outboxCounts(db);
  }

  /** Puts dead-lettered items back in the outbox (after the cause was fixed); returns how many. */
  redriveDeadLetters(now: Date, ids?: readonly number[]): Promise<number> {
    return outbox.redriveDeadLetters(this.db, now, ids);
  }
}
