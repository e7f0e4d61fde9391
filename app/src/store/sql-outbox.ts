// The PostgreSQL outbox (SqlStore's drainOutbox, sql-store.ts): assignment rows are leased with FOR UPDATE SKIP LOCKED
// and posted outside any transaction; a cycle killed mid-way leaves leased items that the next cycle takes over.
// A post's result is recorded only under the lease that made it (lease_token) and for the key it carried, so a
// worker whose lease expired mid-post cannot touch a row leased again or re-targeted since (migrations/003).
import { randomUUID } from 'node:crypto';
import type { Db } from '../db';
import type { Severity } from '../domain';
import { DEFAULT_OUTBOX, backoffMs, type DrainResult, type OutboxItem, type OutboxPolicy, type PostResult } from './store';

/** Posts that may fail in a row (with none acknowledged) before a cycle stops posting and leaves the rest for the next. */
export const MAX_CONSECUTIVE_FAILURES = DEFAULT_OUTBOX.maxConsecutiveFailures;
/** Bound on a refused post's response body kept for diagnosis. */
export const MAX_BODY_CHARS = 2000;

export async function drainOutbox(db: Db, post: (item: OutboxItem) => Promise<PostResult>, now: Date, policy: Partial<OutboxPolicy> = {}): Promise<DrainResult> {
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
      await db.query<{ id: number; case_id: string; engineer_id: string; email: string | null; assigned_at: Date; ladder_step: number; policy_version: string; idempotency_key: string; post_attempts: number;
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
          const r = await db.query(
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
        const r = await db.query(
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
        await db.query(
          `UPDATE assignments SET claimed_until = NULL, lease_token = NULL WHERE id = ANY($1::int[]) AND lease_token = $2 AND posted_at IS NULL`,
          [items.slice(next).map((x) => x.id), lease],
        );
      }
      return { posted, failed, deadLettered, superseded, stopped: halt === 'down' };
    }
  }
}

/** Dead-lettered and pending outbox items (for /stats). */
export async function outboxCounts(db: Db): Promise<{ pending: number; deadLettered: number }> {
  const r = await db.query<{ pending: number; dead: number }>(
    `SELECT (SELECT count(*)::int FROM assignments WHERE posted_at IS NULL AND dead_at IS NULL) AS pending,
            (SELECT count(*)::int FROM assignments WHERE dead_at IS NOT NULL AND posted_at IS NULL) AS dead`,
  );
  return { pending: r.rows[0].pending, deadLettered: r.rows[0].dead };
}

/** Puts dead-lettered items back in the outbox (after the cause was fixed); returns how many. */
export async function redriveDeadLetters(db: Db, now: Date, ids?: readonly number[]): Promise<number> {
  const r = await db.query(
    `UPDATE assignments SET dead_at = NULL, post_attempts = 0, next_post_at = $1, claimed_until = NULL
      WHERE dead_at IS NOT NULL AND posted_at IS NULL AND ($2::int[] IS NULL OR id = ANY($2::int[])) RETURNING 1`,
    [now, ids ?? null],
  );
  return r.rows.length;
}
