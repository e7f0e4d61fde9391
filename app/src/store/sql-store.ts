// PostgreSQL storage. Concurrency: the assign phase runs in one transaction under a transaction-level advisory
// lock (replicas and CronJob runs serialize planning, so loads are consistent), backed by UNIQUE(case_id, round) and
// status-guarded updates; the outbox is leased with FOR UPDATE SKIP LOCKED and posted outside any transaction.
// A cycle killed mid-way rolls back (planning) or leaves leased items that the next cycle takes over.
// A post's result is recorded only under the lease that made it (lease_token) and for the key it carried, so a
// worker whose lease expired mid-post cannot touch a row leased again or re-targeted since (migrations/003).
import { randomUUID } from 'node:crypto';
import type { Db } from '../db';
import type { Engineer, EngineerState, IncomingCase, OpenCase, PolicyConfig, Severity } from '../domain';
import { slaDeadline } from '../domain';
import { planCycle, type AssignedCase, type Plan, type PlannedAssignment } from '../plan';
import type { PolicyName } from '../policy';
import { DEFAULT_OUTBOX, backoffMs, idempotencyKey, type CycleSummary, type DrainResult, type OutboxItem, type OutboxPolicy, type PostResult, type QueueCursor, type Rejected, type Store, type UpsertResult } from './store';

export const ASSIGN_LOCK = 7_345_002;
/** Posts that may fail in a row (with none acknowledged) before a cycle stops posting and leaves the rest for the next. */
export const MAX_CONSECUTIVE_FAILURES = DEFAULT_OUTBOX.maxConsecutiveFailures;
/** Bound on a refused post's response body kept for diagnosis. */
export const MAX_BODY_CHARS = 2000;

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
  async purgeIfDue(now: Date, retentionDays: number): Promise<{ cases: number; decisions: number; cycles: number } | null> {
    const due = await this.db.query(
      `INSERT INTO maintenance (name, last_run_at) VALUES ('retention', $1)
       ON CONFLICT (name) DO UPDATE SET last_run_at = excluded.last_run_at WHERE maintenance.last_run_at < $1::timestamptz - interval '1 day'
       RETURNING 1`,
      [now],
    );
    if (due.rows.length === 0) return null;
    return this.purgeExpired(new Date(now.getTime() - retentionDays * 86_400_000));
  }

  /**
   * Retention: deletes resolved cases (with their assignments and decisions) resolved before `cutoff`, and cycles
   * and rejected records older than it, in chunks (short transactions). The decision log's trigger allows these
   * deletes only inside this purge (it declares the cutoff) and only for entries older than the cutoff.
   */
  async purgeExpired(cutoff: Date, chunk = 5000): Promise<{ cases: number; decisions: number; cycles: number }> {
    const total = { cases: 0, decisions: 0, cycles: 0 };
    for (;;) {
      const n = await this.db.tx(async (q) => {
        await q.query(`SELECT set_config('case_assigner.retention_cutoff', $1, true)`, [cutoff.toISOString()]);
        // A case with a decision newer than the cutoff (not expected for a case resolved before it) is kept whole.
        const ids = (
          await q.query<{ id: string }>(
            `SELECT id FROM cases c WHERE status = 'resolved' AND resolved_at < $1
                AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.case_id = c.id AND d.at >= $1)
              ORDER BY resolved_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
            [cutoff, chunk],
          )
        ).rows.map((x) => x.id);
        if (ids.length === 0) return 0;
        const d = await q.query(`DELETE FROM decisions WHERE case_id = ANY($1::text[]) RETURNING 1`, [ids]);
        await q.query(`DELETE FROM assignments WHERE case_id = ANY($1::text[])`, [ids]);
        const c = await q.query(`DELETE FROM cases WHERE id = ANY($1::text[]) RETURNING 1`, [ids]);
        total.decisions += d.rows.length;
        total.cases += c.rows.length;
        return ids.length;
      });
      if (n < chunk) break;
    }
    for (;;) {
      const n = await this.db.tx(async (q) => {
        const ids = (await q.query<{ id: number }>(`SELECT id FROM cycles WHERE started_at < $1 AND outcome <> 'running' ORDER BY started_at LIMIT $2`, [cutoff, chunk])).rows.map((x) => x.id);
        if (ids.length === 0) return 0;
        await q.query(`DELETE FROM rejected_records WHERE cycle_id = ANY($1::int[])`, [ids]);
        await q.query(`DELETE FROM cycles WHERE id = ANY($1::int[])`, [ids]);
        total.cycles += ids.length;
        return ids.length;
      });
      if (n < chunk) break;
    }
    await this.db.query(`DELETE FROM rejected_records WHERE at < $1`, [cutoff]);
    return total;
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

  async drainOutbox(post: (item: OutboxItem) => Promise<PostResult>, now: Date, policy: Partial<OutboxPolicy> = {}): Promise<DrainResult> {
    const p = { ...DEFAULT_OUTBOX, ...policy };
    const random = p.random ?? Math.random;
    let posted = 0;
    let failed = 0;
    let deadLettered = 0;
    let superseded = 0;
    let acked = 0;
    let consecutive = 0;
    const clock = p.clock ?? Date.now;
    const wall0 = clock();
    for (;;) {
      if (p.deadline !== undefined && Date.now() >= p.deadline) return { posted, failed, deadLettered, superseded, stopped: false };
      // This claim's lease: results below are recorded only while the row still carries it.
      const lease = randomUUID();
      // A later batch is claimed later: its lease (and what is due) counts from then, in whole elapsed seconds.
      const claimAt = new Date(now.getTime() + Math.floor(Math.max(0, clock() - wall0) / 1000) * 1000);
      // Claim (lease) a few due items in one short statement; no transaction stays open while posting, so a crash
      // repeats at most the post in flight (its row is still unposted), and a stalled worker's lease expires.
      const items = (
        await this.db.query<{ id: number; case_id: string; engineer_id: string; email: string | null; assigned_at: Date; ladder_step: number; policy_version: string; idempotency_key: string; post_attempts: number;
          interrupt: boolean; priority_severity: Severity | null; respond_by: Date | null; reassigned_from: string | null }>(
          `UPDATE assignments a SET claimed_until = $3, lease_token = $4
             FROM (SELECT id FROM assignments
                    WHERE posted_at IS NULL AND dead_at IS NULL AND next_post_at <= $1 AND (claimed_until IS NULL OR claimed_until <= $1)
                    ORDER BY next_post_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) s
            WHERE a.id = s.id
          RETURNING a.id, a.case_id, a.engineer_id, (SELECT e.email FROM engineers e WHERE e.id = a.engineer_id) AS email,
                    a.assigned_at, a.ladder_step, a.policy_version, a.idempotency_key, a.post_attempts,
                    a.interrupt, a.priority_severity, a.respond_by, a.reassigned_from`,
          [claimAt, p.batch, new Date(claimAt.getTime() + p.leaseSeconds * 1000), lease],
        )
      ).rows.sort((x, y) => x.id - y.id);
      if (items.length === 0) return { posted, failed, deadLettered, superseded, stopped: false };
      // `concurrency` posts in flight at most; each result is recorded the moment it arrives, so a crash repeats
      // exactly the posts in flight (at most `concurrency` per worker), never an acknowledged one.
      let next = 0;
      let halt: 'down' | 'deadline' | null = null;
      const lane = async () => {
        while (next < items.length && halt === null) {
          // The API is evidently down: give the rest of the lease back rather than wait N timeouts.
          if (consecutive >= p.maxConsecutiveFailures && acked === 0) halt = 'down';
          else if (p.deadline !== undefined && Date.now() >= p.deadline) halt = 'deadline';
          if (halt) break;
          const it = items[next++];
          let res: PostResult;
          try {
            res = await post({
              assignmentId: it.id, caseId: it.case_id, engineerId: it.engineer_id, engineerEmail: it.email ?? '', assignedAt: new Date(it.assigned_at),
              ladderStep: it.ladder_step, policyVersion: it.policy_version, idempotencyKey: it.idempotency_key, attempts: it.post_attempts,
              // #17: interrupt (preemption), priority and the previous assignee (rebalancing), as AssignmentFlags.
              ...(it.interrupt ? { interrupt: true } : {}),
              ...(it.priority_severity && it.respond_by ? { priority: { severity: it.priority_severity, respondBy: new Date(it.respond_by) } } : {}),
              ...(it.reassigned_from ? { reassignedFrom: it.reassigned_from } : {}),
            } as OutboxItem);
          } catch (err) {
            res = { ok: false, error: (err as Error).message };
          }
          // Recorded only under this lease and for the key posted: if the lease expired mid-post and the row was leased
          // again (another worker's attempt owns it) or re-targeted by rebalancing (new engineer, new key, token
          // cleared), this late result is not the row's any more and is dropped (counted as superseded).
          if (res.ok) {
            consecutive = 0;
            acked++;
            const r = await this.db.query(
              `UPDATE assignments SET posted_at = $2, post_attempts = post_attempts + 1, last_post_error = NULL, claimed_until = NULL, lease_token = NULL
                WHERE id = $1 AND lease_token = $3 AND idempotency_key = $4 AND posted_at IS NULL RETURNING id`,
              [it.id, now, lease, it.idempotency_key],
            );
            if (r.rows.length > 0) posted++;
            else superseded++;
            continue;
          }
          consecutive++;
          const attempts = it.post_attempts + 1;
          const dead = res.permanent === true || attempts >= p.maxAttempts;
          const body = res.body === undefined ? null : res.body.slice(0, MAX_BODY_CHARS);
          const r = await this.db.query(
            `UPDATE assignments SET post_attempts = post_attempts + 1, last_post_error = $2, last_post_status = $3, last_post_body = $4,
                    claimed_until = NULL, lease_token = NULL, dead_at = $5, next_post_at = $6
              WHERE id = $1 AND lease_token = $7 AND idempotency_key = $8 AND posted_at IS NULL RETURNING id`,
            [it.id, res.error.slice(0, 500), res.status ?? null, body, dead ? now : null, new Date(claimAt.getTime() + backoffMs(attempts, p, random)), lease, it.idempotency_key],
          );
          if (r.rows.length === 0) superseded++;
          else if (dead) deadLettered++;
          else failed++;
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.min(p.concurrency, items.length)) }, lane));
      if (halt !== null) {
        if (next < items.length) {
          await this.db.query(
            `UPDATE assignments SET claimed_until = NULL, lease_token = NULL WHERE id = ANY($1::int[]) AND lease_token = $2 AND posted_at IS NULL`,
            [items.slice(next).map((x) => x.id), lease],
          );
        }
        return { posted, failed, deadLettered, superseded, stopped: halt === 'down' };
      }
    }
  }

  /** Dead-lettered and pending outbox items (for /stats). */
  static async outboxCounts(db: Db): Promise<{ pending: number; deadLettered: number }> {
    const r = await db.query<{ pending: number; dead: number }>(
      `SELECT (SELECT count(*)::int FROM assignments WHERE posted_at IS NULL AND dead_at IS NULL) AS pending,
              (SELECT count(*)::int FROM assignments WHERE dead_at IS NOT NULL AND posted_at IS NULL) AS dead`,
    );
    return { pending: r.rows[0].pending, deadLettered: r.rows[0].dead };
  }

  /** Puts dead-lettered items back in the outbox (after the cause was fixed); returns how many. */
  async redriveDeadLetters(now: Date, ids?: readonly number[]): Promise<number> {
    const r = await this.db.query(
      `UPDATE assignments SET dead_at = NULL, post_attempts = 0, next_post_at = $1, claimed_until = NULL
        WHERE dead_at IS NOT NULL AND posted_at IS NULL AND ($2::int[] IS NULL OR id = ANY($2::int[])) RETURNING 1`,
      [now, ids ?? null],
    );
    return r.rows.length;
  }
}
