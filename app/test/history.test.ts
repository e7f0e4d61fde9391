// A year of history: every query the API, metrics and cycle run is served by an index (checked with EXPLAIN and
// sequential scans disabled, so a missing index shows as a Seq Scan), and retention deletes expired history while
// the decision log stays append-only otherwise. Speed itself is measured by `npm run bench:api`, not here.
import { Client } from 'pg';
import { getCase, listCases, listEngineers, stats, SORT_FIELDS, type SortField } from '../src/api/queries';
import { runCycle } from '../src/cycle';
import { connectPostgres, type Db, type Queryable } from '../src/db';
import { silentLogger } from '../src/log';
import { createMetrics } from '../src/metrics';
import { migrate } from '../src/migrate';
import { SqlStore } from '../src/store/sql-store';
import { seedHistory } from '../scripts/bench-api-seed';
import { CFG, eng } from './fixtures';
import { FlakySink, ScriptedQueue } from './helpers';
import { describePg, startPostgres, type TestPostgres } from './postgres';

let pg: TestPostgres;
let db: Db;
let url: string;
const NOW = new Date();
const BIG = /Seq Scan on (cases|assignments|decisions|cycles|rejected_records)\b/;

/** Records every statement (with its parameters) run through the Db, transactions included. */
function recording(inner: Db, log: { sql: string; params: unknown[] }[]): Db {
  const wrap = (q: Queryable): Queryable => ({
    query: (sql, params) => {
      log.push({ sql, params: params ?? [] });
      return q.query(sql, params);
    },
    exec: (sql) => q.exec(sql),
  });
  return { ...inner, ...wrap(inner), tx: (fn) => inner.tx((q) => fn(wrap(q))), close: () => inner.close(), kind: inner.kind };
}

describePg('a year of history (PostgreSQL)', () => {
  beforeAll(async () => {
    pg = await startPostgres();
    url = await pg.newDatabase();
    db = connectPostgres(url);
    await migrate(db);
    await seedHistory(db, { cases: 20_000, engineers: 200, cycles: 20_000, now: NOW });
  });
  afterAll(async () => {
    await db?.close();
    pg?.stop();
  });

  it('serves every API, metrics and cycle query from an index (no sequential scan of a history table)', async () => {
    const log: { sql: string; params: unknown[] }[] = [];
    const r = recording(db, log);
    await stats(r, NOW, 30);
    for (const sort of Object.keys(SORT_FIELDS) as SortField[]) for (const dir of ['asc', 'desc'] as const) await listCases(r, { sort, dir, limit: 50, offset: 0 }, NOW, 30);
    await listCases(r, { engineer: 'e7', status: 'assigned', sort: 'assignedAt', dir: 'desc', limit: 50, offset: 0 }, NOW, 30);
    await listCases(r, { product: 'aks', since: new Date(NOW.getTime() - 7 * 86_400_000), sort: 'slaDeadline', dir: 'asc', limit: 50, offset: 0 }, NOW, 30);
    await listCases(r, { severity: 'A', status: 'unassigned', sort: 'slaDeadline', dir: 'asc', limit: 50, offset: 0 }, NOW, 30);
    await getCase(r, 'C-0000042', NOW, 30);
    await listEngineers(r);
    await createMetrics(r, { defaultMetrics: false }).refresh();
    const store = new SqlStore(r);
    await store.openCasesNotSeenSince(NOW, 500);
    await runCycle({ store, queue: new ScriptedQueue([]), sink: new FlakySink(), engineers: [eng('e1', { capacity: 1000 })], policyConfig: CFG, log: silentLogger }, NOW);
    const c = new Client({ connectionString: url });
    await c.connect();
    await c.query('SET enable_seqscan = off');
    const offenders: string[] = [];
    let explained = 0;
    for (const { sql, params } of log) {
      if (!/^\s*(WITH|SELECT|UPDATE|DELETE)/i.test(sql) || /pg_advisory|set_config/.test(sql)) continue;
      const plan = (await c.query(`EXPLAIN ${sql}`, params)).rows.map((x) => x['QUERY PLAN']).join('\n');
      explained++;
      if (BIG.test(plan)) offenders.push(`${sql.replace(/\s+/g, ' ').slice(0, 160)}\n${plan}`);
    }
    await c.end();
    expect(explained).toBeGreaterThan(30);
    expect(offenders).toEqual([]);
  });

  it('retention deletes resolved cases, their decisions and assignments, and cycles older than the cutoff; nothing else', async () => {
    const before = (await db.query<{ cases: number; decisions: number; open: number; cycles: number }>(
      `SELECT (SELECT count(*)::int FROM cases) AS cases, (SELECT count(*)::int FROM decisions) AS decisions,
              (SELECT count(*)::int FROM cases WHERE status <> 'resolved') AS open, (SELECT count(*)::int FROM cycles) AS cycles`,
    )).rows[0];
    const cutoff = new Date(NOW.getTime() - 100 * 86_400_000);
    const purged = await new SqlStore(db).purgeExpired(cutoff, 2000);
    const after = (await db.query<{ cases: number; decisions: number; open: number; oldest: Date; old_cycles: number }>(
      `SELECT (SELECT count(*)::int FROM cases) AS cases, (SELECT count(*)::int FROM decisions) AS decisions,
              (SELECT count(*)::int FROM cases WHERE status <> 'resolved') AS open, (SELECT min(resolved_at) FROM cases) AS oldest,
              (SELECT count(*)::int FROM cycles WHERE started_at < $1) AS old_cycles`,
      [cutoff],
    )).rows[0];
    expect(purged.cases).toBeGreaterThan(10_000);
    expect(after.cases).toBe(before.cases - purged.cases);
    expect(after.decisions).toBe(before.decisions - purged.decisions);
    expect(after.open).toBe(before.open);
    expect(new Date(after.oldest).getTime()).toBeGreaterThanOrEqual(cutoff.getTime());
    expect(after.old_cycles).toBe(0);
    expect(await db.query(`SELECT 1 FROM assignments a LEFT JOIN cases c ON c.id = a.case_id WHERE c.id IS NULL`)).toEqual({ rows: [] });
  });

  it('runs the purge once a day whichever process asks (worker or CronJob run)', async () => {
    const store = new SqlStore(db);
    const hour = 3_600_000;
    expect(await store.purgeIfDue(new Date(NOW.getTime() + hour), 100)).not.toBeNull();
    expect(await store.purgeIfDue(new Date(NOW.getTime() + 2 * hour), 100)).toBeNull();
    expect(await store.purgeIfDue(new Date(NOW.getTime() + 26 * hour), 100)).toEqual({ cases: expect.any(Number), decisions: expect.any(Number), cycles: expect.any(Number) });
  });

  it('keeps the decision log append-only outside a purge, and a purge cannot declare a cutoff under 30 days', async () => {
    await expect(db.query(`DELETE FROM decisions WHERE id = (SELECT min(id) FROM decisions)`)).rejects.toThrow(/append-only \(DELETE refused\)/);
    await expect(db.query(`UPDATE decisions SET outcome = 'flagged' WHERE id = (SELECT min(id) FROM decisions)`)).rejects.toThrow(/append-only \(UPDATE refused\)/);
    const recent = new Date(Date.now() - 86_400_000).toISOString();
    await expect(
      db.tx(async (q) => {
        await q.query(`SELECT set_config('case_assigner.retention_cutoff', $1, true)`, [recent]);
        await q.query(`DELETE FROM decisions WHERE id = (SELECT min(id) FROM decisions)`);
      }),
    ).rejects.toThrow(/append-only/);
  });
});
