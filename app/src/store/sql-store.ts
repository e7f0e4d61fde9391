// PostgreSQL storage. Concurrency: the assign phase runs in one transaction under a transaction-level advisory
// lock (replicas and CronJob runs serialize planning, so loads are consistent), backed by UNIQUE(assignments.case_id);
// the outbox is claimed with FOR UPDATE SKIP LOCKED. A cycle killed mid-way rolls back and the next one redoes it.
import type { Db } from '../db';
import type { Engineer, EngineerState, IncomingCase, OpenCase, PolicyConfig } from '../domain';
import { slaDeadline } from '../domain';
import { planCycle, type Plan } from '../plan';
import type { PolicyName } from '../policy';
import { idempotencyKey, type CycleSummary, type OutboxItem, type PostResult, type Rejected, type Store } from './store';

export const ASSIGN_LOCK = 7_345_002;
/** Posts that may fail in a row (with none acknowledged) before a cycle stops posting and leaves the rest for the next. */
export const MAX_CONSECUTIVE_FAILURES = 5;

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

  async lastSuccessfulCycleStart(): Promise<Date | null> {
    const r = await this.db.query<{ t: Date | null }>(`SELECT max(started_at) AS t FROM cycles WHERE outcome = 'ok'`);
    return r.rows[0]?.t ?? null;
  }

  async upsertCases(cases: readonly IncomingCase[], cfg: PolicyConfig, now: Date): Promise<{ inserted: number; resolved: number }> {
    if (cases.length === 0) return { inserted: 0, resolved: 0 };
    const rows = cases.map((c) => ({
      id: c.id, product: c.product, severity: c.severity, customer: c.customer, created_at: c.createdAt.toISOString(),
      sla_deadline: slaDeadline(c.createdAt, c.severity, cfg).toISOString(), weight: cfg.severities[c.severity].weight,
      status: c.resolved ? 'resolved' : 'unassigned',
    }));
    // DISTINCT ON: a queue page that repeats a case must not make ON CONFLICT touch one row twice.
    const r = await this.db.query<{ inserted: boolean }>(
      `INSERT INTO cases (id, product, severity, customer, created_at, sla_deadline, weight, status, first_seen_at, resolved_at)
       SELECT DISTINCT ON (id) id, product, severity, customer, created_at, sla_deadline, weight, status, $2,
              CASE WHEN status = 'resolved' THEN $2::timestamptz END
         FROM jsonb_to_recordset($1::jsonb) AS x(id text, product text, severity text, customer text, created_at timestamptz,
              sla_deadline timestamptz, weight float8, status text)
        ORDER BY id, (status = 'resolved') DESC
       ON CONFLICT (id) DO UPDATE SET status = 'resolved', resolved_at = $2
        WHERE excluded.status = 'resolved' AND cases.status <> 'resolved'
       RETURNING (xmax = 0) AS inserted`,
      [JSON.stringify(rows), now],
    );
    const inserted = r.rows.filter((x) => x.inserted).length;
    return { inserted, resolved: r.rows.length - inserted };
  }

  async recordRejects(cycleId: number, rejects: readonly Rejected[]): Promise<void> {
    if (rejects.length === 0) return;
    await this.db.query(
      `INSERT INTO rejected_records (cycle_id, reason, record) SELECT $1, reason, record FROM jsonb_to_recordset($2::jsonb) AS x(reason text, record jsonb)`,
      [cycleId, JSON.stringify(rejects.map((r) => ({ reason: r.reason, record: r.record ?? null })))],
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
      const plan = planCycle({ cases, engineers, state, rotationBase }, policy, cfg, now);
      if (plan.assignments.length > 0) {
        const rows = plan.assignments.map((a) => ({ ...a, key: idempotencyKey(a.caseId, now), policy_version: plan.decisions[0]?.policyVersion ?? cfg.version }));
        const versions = new Map(plan.decisions.map((d) => [d.caseId, d.policyVersion]));
        for (const r of rows) r.policy_version = versions.get(r.caseId) ?? r.policy_version;
        await q.query(
          `INSERT INTO assignments (case_id, engineer_id, product, assigned_at, ladder_step, policy_version, idempotency_key, next_post_at)
           SELECT "caseId", "engineerId", product, $2, "ladderStep", policy_version, key, $2
             FROM jsonb_to_recordset($1::jsonb) AS x("caseId" text, "engineerId" text, product text, "ladderStep" int, policy_version text, key text)`,
          [JSON.stringify(rows), now],
        );
        await q.query(
          `UPDATE cases c SET status = 'assigned', engineer_id = x."engineerId", assigned_at = $2, ladder_step = x."ladderStep",
                  last_outcome = 'assigned', last_ladder_step = x."ladderStep"
             FROM jsonb_to_recordset($1::jsonb) AS x("caseId" text, "engineerId" text, "ladderStep" int)
            WHERE c.id = x."caseId"`,
          [JSON.stringify(rows), now],
        );
        await q.query(
          `UPDATE engineers e SET rotation = x.rotation, last_assigned_at = $2
             FROM (SELECT "engineerId", max(rotation) AS rotation FROM jsonb_to_recordset($1::jsonb) AS y("engineerId" text, rotation int) GROUP BY 1) x
            WHERE e.id = x."engineerId"`,
          [JSON.stringify(rows), now],
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

  async drainOutbox(post: (item: OutboxItem) => Promise<PostResult>, now: Date, batch = 200): Promise<{ posted: number; failed: number }> {
    let posted = 0;
    let failedCount = 0;
    let stop = false;
    for (;;) {
      const n = await this.db.tx(async (q) => {
        const items = (
          await q.query<{ id: number; case_id: string; engineer_id: string; email: string; assigned_at: Date; ladder_step: number; policy_version: string; idempotency_key: string; post_attempts: number }>(
            `SELECT a.id, a.case_id, a.engineer_id, e.email, a.assigned_at, a.ladder_step, a.policy_version, a.idempotency_key, a.post_attempts
               FROM assignments a JOIN engineers e ON e.id = a.engineer_id
              WHERE a.posted_at IS NULL AND a.next_post_at <= $1
              ORDER BY a.id LIMIT $2
                FOR UPDATE OF a SKIP LOCKED`,
            [now, batch],
          )
        ).rows;
        const ok: number[] = [];
        const failed: { id: number; error: string }[] = [];
        for (const it of items) {
          // The API is evidently down: stop here (rows stay unclaimed) rather than hold the batch for N timeouts.
          if (failed.length >= MAX_CONSECUTIVE_FAILURES && ok.length === 0) {
            stop = true;
            break;
          }
          const res = await post({
            assignmentId: it.id, caseId: it.case_id, engineerId: it.engineer_id, engineerEmail: it.email, assignedAt: new Date(it.assigned_at),
            ladderStep: it.ladder_step, policyVersion: it.policy_version, idempotencyKey: it.idempotency_key, attempts: it.post_attempts,
          });
          if (res.ok) ok.push(it.id);
          else failed.push({ id: it.id, error: res.error.slice(0, 500) });
        }
        if (ok.length > 0) {
          await q.query(`UPDATE assignments SET posted_at = $2, post_attempts = post_attempts + 1, last_post_error = NULL WHERE id = ANY($1::int[])`, [ok, now]);
        }
        if (failed.length > 0) {
          // Retried by the next cycle, not again in this one (next_post_at just after this cycle's `now`).
          await q.query(
            `UPDATE assignments a SET post_attempts = post_attempts + 1, last_post_error = x.error, next_post_at = $2
               FROM jsonb_to_recordset($1::jsonb) AS x(id int, error text) WHERE a.id = x.id`,
            [JSON.stringify(failed), new Date(now.getTime() + 1)],
          );
        }
        posted += ok.length;
        failedCount += failed.length;
        return items.length;
      });
      if (n < batch || stop) return { posted, failed: failedCount };
    }
  }
}
