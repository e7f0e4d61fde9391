// Retention: the daily purge of history older than retention.days (resolved cases with their assignments and
// decisions, finished cycles, rejected records). Used by SqlStore (sql-store.ts); the decision log's trigger
// (migrations) allows these deletes only inside purgeExpired.
import type { Db } from '../db';

/** Runs the retention purge when it last ran more than a day ago (any process; one wins the row). */
export async function purgeIfDue(db: Db, now: Date, retentionDays: number): Promise<{ cases: number; decisions: number; cycles: number } | null> {
  const due = await db.query(
    `INSERT INTO maintenance (name, last_run_at) VALUES ('retention', $1)
     ON CONFLICT (name) DO UPDATE SET last_run_at = excluded.last_run_at WHERE maintenance.last_run_at < $1::timestamptz - interval '1 day'
     RETURNING 1`,
    [now],
  );
  if (due.rows.length === 0) return null;
  return purgeExpired(db, new Date(now.getTime() - retentionDays * 86_400_000));
}

/**
 * Retention: deletes resolved cases (with their assignments and decisions) resolved before `cutoff`, and cycles
 * and rejected records older than it, in chunks (short transactions). The decision log's trigger allows these
 * deletes only inside this purge (it declares the cutoff) and only for entries older than the cutoff.
 */
export async function purgeExpired(db: Db, cutoff: Date, chunk = 5000): Promise<{ cases: number; decisions: number; cycles: number }> {
  const total = { cases: 0, decisions: 0, cycles: 0 };
  for (;;) {
    const n = await db.tx(async (q) => {
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
    const n = await db.tx(async (q) => {
      const ids = (await q.query<{ id: number }>(`SELECT id FROM cycles WHERE started_at < $1 AND outcome <> 'running' ORDER BY started_at LIMIT $2`, [cutoff, chunk])).rows.map((x) => x.id);
      if (ids.length === 0) return 0;
      await q.query(`DELETE FROM rejected_records WHERE cycle_id = ANY($1::int[])`, [ids]);
      await q.query(`DELETE FROM cycles WHERE id = ANY($1::int[])`, [ids]);
      total.cycles += ids.length;
      return ids.length;
    });
    if (n < chunk) break;
  }
  await db.query(`DELETE FROM rejected_records WHERE at < $1`, [cutoff]);
  return total;
}
