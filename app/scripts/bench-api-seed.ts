// A year of history for the API benchmark: 200 engineers, 100k cases (all but the last days resolved), one
// assignment and one logged decision per case, a cycle every minute (525,600 rows), in SQL (generate_series), so
// PostgreSQL and PGlite seed the same way.
import type { Db } from '../src/db';

export interface SeedOptions { readonly cases: number; readonly engineers: number; readonly cycles: number; readonly now: Date }

export async function seedHistory(db: Db, o: SeedOptions): Promise<void> {
  const products = `ARRAY['aks','vm','network','arc','sql','storage','entra','monitor']`;
  await db.query(
    `INSERT INTO engineers (id, name, email, capacity, readiness, shift, rotation)
     SELECT 'e' || g, 'Engineer ' || lpad(g::text, 3, '0'), 'e' || g || '@example.com', 40,
            '{"aks":3,"vm":2,"network":2,"arc":1,"sql":2,"storage":3,"entra":1,"monitor":2}'::jsonb,
            '{"timezone":"UTC","start":"00:00","end":"23:59","days":["Mon","Tue","Wed","Thu","Fri","Sat","Sun"]}'::jsonb, g
       FROM generate_series(1, $1::int) g`,
    [o.engineers],
  );
  // Case g is created at now - 365 d + g * (365 d / n); cases older than 3 days are resolved 6 h after creation,
  // newer ones assigned, the last 2 hours' waiting.
  await db.query(
    `INSERT INTO cases (id, product, severity, customer, created_at, sla_deadline, weight, status, engineer_id, assigned_at, ladder_step,
                        last_outcome, last_ladder_step, first_seen_at, last_seen_at, resolved_at, close_reason)
     SELECT id, product, sev, 'Customer ' || (g % 700), t, t + make_interval(hours => CASE sev WHEN 'A' THEN 1 WHEN 'B' THEN 4 ELSE 8 END),
            CASE sev WHEN 'A' THEN 3 WHEN 'B' THEN 2 ELSE 1 END, status,
            CASE WHEN status = 'unassigned' THEN NULL ELSE 'e' || (1 + g % $2::int) END,
            CASE WHEN status = 'unassigned' THEN NULL ELSE t + interval '10 minutes' END,
            CASE WHEN status = 'unassigned' THEN NULL ELSE 0 END, CASE WHEN status = 'unassigned' THEN 'unassigned' ELSE 'assigned' END, 0, t, t,
            CASE WHEN status = 'resolved' THEN t + interval '6 hours' END, CASE WHEN status = 'resolved' THEN 'resolved by the queue' END
       FROM (SELECT g, 'C-' || lpad(g::text, 7, '0') AS id, (${products})[1 + g % 8] AS product,
                    (ARRAY['A','B','B','C','C','C','C','C','C','C'])[1 + g % 10] AS sev,
                    $3::timestamptz - interval '365 days' + interval '365 days' * g / $1::int AS t,
                    CASE WHEN $3::timestamptz - interval '365 days' + interval '365 days' * g / $1::int > $3::timestamptz - interval '2 hours' THEN 'unassigned'
                         WHEN $3::timestamptz - interval '365 days' + interval '365 days' * g / $1::int > $3::timestamptz - interval '3 days' THEN 'assigned'
                         ELSE 'resolved' END AS status
               FROM generate_series(1, $1::int) g) x`,
    [o.cases, o.engineers, o.now],
  );
  await db.query(
    `INSERT INTO assignments (case_id, engineer_id, product, assigned_at, ladder_step, policy_version, idempotency_key, posted_at, post_attempts, next_post_at)
     SELECT id, engineer_id, product, assigned_at, 0, 'ours-3.bench', 'case-assigner:' || id || ':bench', assigned_at + interval '1 second', 1, assigned_at
       FROM cases WHERE engineer_id IS NOT NULL`,
  );
  // A compact candidate list per decision (the chosen engineer, two more eligible, the rest grouped by reason).
  await db.query(
    `INSERT INTO decisions (case_id, at, policy_version, ladder_step, outcome, chosen_engineer_id, candidates)
     SELECT id, coalesce(assigned_at, created_at), 'ours-3.bench', 0, CASE WHEN engineer_id IS NULL THEN 'unassigned' ELSE 'assigned' END, engineer_id,
            json_build_object('e', json_build_array(json_build_array(coalesce(engineer_id, 'e1'), 0.3), json_build_array('e2', 0.5), json_build_array('e3', 0.7)),
                              'x', json_build_array(json_build_array(json_build_array('off shift and not back before the SLA deadline'), json_build_array('e4', 'e5', 'e6', 'e7', 'e8'))))
       FROM cases`,
  );
  await db.query(
    `INSERT INTO cycles (started_at, finished_at, outcome, fetched, assigned, posted)
     SELECT $2::timestamptz - make_interval(mins => g), $2::timestamptz - make_interval(mins => g) + interval '400 milliseconds', 'ok', 3, 1, 1
       FROM generate_series(1, $1::int) g`,
    [o.cycles, o.now],
  );
  // As autovacuum would after a bulk load: statistics, and visibility maps for index-only scans.
  await db.exec('VACUUM ANALYZE');
}
