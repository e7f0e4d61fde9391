// Storage, concurrency and fault tests against a real PostgreSQL (started by the test, see postgres.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Client } from 'pg';
import { runCycle, type CycleDeps } from '../src/cycle';
import { connectPostgres, type Db } from '../src/db';
import type { Engineer } from '../src/domain';
import { silentLogger } from '../src/log';
import { loadMigrations, migrate } from '../src/migrate';
import { createMetrics } from '../src/metrics';
import { MemoryStore } from '../src/store/memory-store';
import { MAX_CONSECUTIVE_FAILURES, SqlStore } from '../src/store/sql-store';
import { DEFAULT_OUTBOX } from '../src/store/store';
import { CFG, MONDAY_10, eng, minutes } from './fixtures';
import { FlakySink, ScriptedQueue, record } from './helpers';
import { describePg, migratedDatabase, startPostgres, type TestPostgres } from './postgres';

let pg: TestPostgres;
const open: Db[] = [];

const freshDb = () => migratedDatabase(pg, open);

function deps(db: Db, engineers: Engineer[], queue: ScriptedQueue, sink = new FlakySink()): CycleDeps {
  return { store: new SqlStore(db), queue, sink, engineers, policyConfig: CFG, log: silentLogger };
}

const cases = (n: number, severity = 'C') => Array.from({ length: n }, (_, i) => record(`K-${String(i).padStart(3, '0')}`, severity, minutes(MONDAY_10, -60 + i).toISOString()));

async function rows<T>(db: Db, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await db.query<T>(sql, params)).rows;
}

describePg('storage on PostgreSQL', () => {
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    for (const db of open) await db.close().catch(() => undefined);
    pg?.stop();
  });

  describe('migrations', () => {
    it('apply once, in order, and are recorded; a second run applies nothing', async () => {
      const db = connectPostgres(await pg.newDatabase());
      open.push(db);
      const [a, b] = await Promise.all([migrate(db), migrate(db)]);
      expect([...a, ...b]).toEqual(loadMigrations().map((m) => m.name));
      expect(await migrate(db)).toEqual([]);
      expect(await rows(db, 'SELECT version, name FROM schema_migrations ORDER BY version')).toEqual(loadMigrations().map((m) => ({ version: m.version, name: m.name })));
    });
  });

  describe('upgrade', () => {
    it('a database that had only 001 (with an unposted assignment) migrates to the latest and its outbox item is posted', async () => {
      const db = connectPostgres(await pg.newDatabase());
      open.push(db);
      expect(await migrate(db, loadMigrations().slice(0, 1))).toEqual(['001_initial']);
      await db.exec(`INSERT INTO engineers (id, name, email, capacity, readiness, shift) VALUES ('a', 'a', 'a@example.com', 10, '{"aks": 3}', '{}');
        INSERT INTO cases (id, product, severity, customer, created_at, sla_deadline, weight, status, engineer_id, assigned_at, ladder_step)
          VALUES ('OLD-1', 'aks', 'C', 'x', '2026-01-05T08:00:00Z', '2026-01-05T16:00:00Z', 1, 'assigned', 'a', '2026-01-05T08:01:00Z', 0);
        INSERT INTO assignments (case_id, engineer_id, product, assigned_at, ladder_step, policy_version, idempotency_key, next_post_at)
          VALUES ('OLD-1', 'a', 'aks', '2026-01-05T08:01:00Z', 0, 'ours-2.x', 'case-assigner:OLD-1:1', '2026-01-05T08:01:00Z');`);
      expect(await migrate(db)).toEqual(loadMigrations().slice(1).map((m) => m.name));
      const sink = new FlakySink();
      const r = await runCycle(deps(db, [eng('a')], new ScriptedQueue([cases(1)]), sink), MONDAY_10);
      expect(r.outcome).toBe('ok');
      expect(sink.attempts.map((i) => i.idempotencyKey)).toContain('case-assigner:OLD-1:1');
      expect(await rows(db, `SELECT case_id, round, posted_at IS NOT NULL AS posted FROM assignments ORDER BY case_id`)).toEqual([
        { case_id: 'K-000', round: 0, posted: true }, { case_id: 'OLD-1', round: 0, posted: true },
      ]);
    });
  });

  describe('outbox leases', () => {
    it('run leaseSeconds from each claim: a slow queue read and earlier batches do not shorten them', async () => {
      const { db } = await freshDb();
      let wall = 1_000_000;
      const leases: [string, number][] = [];
      const queue = { fetch: async () => { wall += 60_000; return { records: cases(2), rejects: [] }; } }; // a 60 s read
      const sink = {
        post: async (item: { assignmentId: number; caseId: string }) => {
          const r = await db.query<{ claimed_until: Date }>(`SELECT claimed_until FROM assignments WHERE id = $1`, [item.assignmentId]);
          leases.push([item.caseId, new Date(r.rows[0].claimed_until).getTime() - MONDAY_10.getTime()]);
          wall += 50_000; // a 50 s post
          return { ok: true as const };
        },
      };
      const r = await runCycle({ ...deps(db, [eng('a')], new ScriptedQueue()), queue, sink, outbox: { batch: 1, leaseSeconds: 120, clock: () => wall } }, MONDAY_10);
      expect(r.posted).toBe(2);
      // Claimed 60 s and 110 s after the cycle's start: each lease ends 120 s after its claim.
      expect(leases).toEqual([['K-000', 180_000], ['K-001', 230_000]]);
    });
  });

  describe('reconciliation', () => {
    it('a direct lookup that fails for one case keeps that case, frees the others, and the full sweep still completes', async () => {
      const { db } = await freshDb();
      const store = new SqlStore(db);
      const all = cases(3);
      let listing: unknown[] = all;
      const queue = {
        listsAllOpenCases: true,
        fetch: async () => ({ records: listing, rejects: [] }),
        lookup: async (id: string) => {
          if (id === 'K-000') throw new Error('queue API https://q/cases/K-000 answered 500');
          return { state: 'missing' as const };
        },
      };
      const d = { ...deps(db, [eng('a')], new ScriptedQueue()), queue, reading: { fullSweepEveryMinutes: 60 } };
      await runCycle(d, MONDAY_10);
      listing = []; // the queue forgets all three; the next full sweep is due an hour later
      const r = await runCycle(d, minutes(MONDAY_10, 61));
      expect(r.reconciled).toBe(2);
      expect(await rows(db, `SELECT id, status FROM cases ORDER BY id`)).toEqual([{ id: 'K-000', status: 'assigned' }, { id: 'K-001', status: 'resolved' }, { id: 'K-002', status: 'resolved' }]);
      // The sweep was recorded as complete: the next cycle reads incrementally instead of listing everything again.
      expect((await store.getCursor())!.lastFullSweepAt).toEqual(minutes(MONDAY_10, 61));
    });
  });

  describe('invariants in the schema', () => {
    it('keeps the decision log append-only and at most one assignment per case', async () => {
      const { db } = await freshDb();
      await runCycle(deps(db, [eng('a')], new ScriptedQueue([cases(1)])), MONDAY_10);
      await expect(db.query(`UPDATE decisions SET outcome = 'flagged'`)).rejects.toThrow(/append-only/);
      await expect(db.query(`DELETE FROM decisions`)).rejects.toThrow(/append-only/);
      await expect(
        db.query(`INSERT INTO assignments (case_id, engineer_id, product, assigned_at, ladder_step, policy_version, idempotency_key) VALUES ('K-000', 'a', 'aks', now(), 0, 'x', 'other-key')`),
      ).rejects.toThrow(/assignments_case_round_key/);
    });
  });

  describe('cycle', () => {
    it('deduplicates cases within and across fetches, and a resolved case frees capacity', async () => {
      const { db } = await freshDb();
      const queue = new ScriptedQueue([[...cases(2), cases(1)[0]], cases(2)]);
      const r1 = await runCycle(deps(db, [eng('a', { capacity: 1 })], queue), MONDAY_10);
      expect(r1).toMatchObject({ fetched: 3, assigned: 1, outcome: 'ok' });
      // K-001 has waited 59 minutes (past the 30-minute wait) and nobody has room: flagged.
      expect(await rows(db, 'SELECT id, status FROM cases ORDER BY id')).toEqual([{ id: 'K-000', status: 'assigned' }, { id: 'K-001', status: 'flagged' }]);
      await runCycle(deps(db, [eng('a', { capacity: 1 })], queue), minutes(MONDAY_10, 5));
      expect((await rows(db, 'SELECT count(*)::int AS n FROM cases'))[0]).toEqual({ n: 2 });
      queue.push([{ ...cases(1)[0], status: 'resolved' }]);
      const r3 = await runCycle(deps(db, [eng('a', { capacity: 1 })], queue), minutes(MONDAY_10, 10));
      expect(r3.assigned).toBe(1);
      expect(await rows(db, 'SELECT id, status FROM cases ORDER BY id')).toEqual([{ id: 'K-000', status: 'resolved' }, { id: 'K-001', status: 'assigned' }]);
    });

    it('skips malformed queue records with a counted, logged reason and goes on', async () => {
      const { db } = await freshDb();
      const bad = [
        'not-an-object', null, { product: 'aks', severity: 'C', createdAt: '2026-01-05T09:00:00Z' },
        { ...record('X-1'), severity: 'Z' }, { ...record('X-2'), createdAt: 'yesterday' }, { ...record('X-3'), createdAt: '2027-01-01T00:00:00Z' },
        { ...record('X-4'), product: '' },
      ];
      const logs: string[] = [];
      const log = { ...silentLogger, warn: (msg: string, f?: Record<string, unknown>) => logs.push(`${msg}: ${f?.reason}`) };
      const metrics = createMetrics(db, { defaultMetrics: false });
      const r = await runCycle({ ...deps(db, [eng('a')], new ScriptedQueue([[...bad, ...cases(2)]])), log, observe: (e) => metrics.observeCycle(e) }, MONDAY_10);
      expect(r).toMatchObject({ outcome: 'ok', fetched: 9, skipped: 7, assigned: 2 });
      expect(logs).toEqual(expect.arrayContaining(['queue record skipped: not an object', 'queue record skipped: missing or invalid id', 'queue record skipped: invalid severity "Z" (allowed: A, B, C)']));
      expect((await rows(db, `SELECT skipped FROM cycles`))[0]).toEqual({ skipped: 7 });
      expect((await rows<{ n: number }>(db, `SELECT count(*)::int AS n FROM rejected_records`))[0].n).toBe(7);
      const text = await metrics.registry.metrics();
      expect(text).toContain('case_assigner_queue_records_skipped_total{reason="not an object"} 2');
      expect(text).toContain('case_assigner_queue_records_skipped_total{reason="invalid severity"} 1');
    });

    it('retries a failing assignment API on a later cycle (per-item backoff) without double posting', async () => {
      const { db } = await freshDb();
      const sink = new FlakySink(3); // the first three posts fail (503)
      const queue = new ScriptedQueue([cases(5)]);
      const r1 = await runCycle(deps(db, [eng('a'), eng('b')], queue, sink), MONDAY_10);
      // Transient refusals are retried per item: they do not fail the cycle (which would stall the queue cursor).
      expect(r1).toMatchObject({ outcome: 'ok', assigned: 5, posted: 2, postFailed: 3 });
      expect((await rows(db, `SELECT count(*)::int AS n FROM assignments WHERE posted_at IS NULL`))[0]).toEqual({ n: 3 });
      const r2 = await runCycle(deps(db, [eng('a'), eng('b')], queue, sink), minutes(MONDAY_10, 1));
      expect(r2).toMatchObject({ outcome: 'ok', posted: 3 });
      const r3 = await runCycle(deps(db, [eng('a'), eng('b')], queue, sink), minutes(MONDAY_10, 2));
      expect(r3.posted).toBe(0);
      // Every assignment acknowledged exactly once; retries reuse the assignment's idempotency key.
      expect([...sink.accepted.values()]).toEqual([1, 1, 1, 1, 1]);
      const keys = await rows<{ idempotency_key: string; post_attempts: number }>(db, `SELECT idempotency_key, post_attempts FROM assignments ORDER BY id`);
      expect(new Set(sink.attempts.map((a) => a.idempotencyKey))).toEqual(new Set(keys.map((k) => k.idempotency_key)));
      expect(keys.map((k) => k.post_attempts).sort()).toEqual([1, 1, 2, 2, 2]);
    });

    it('stops posting when the assignment API is down (the cycle fails), leaving the rest for the next cycle', async () => {
      const { db } = await freshDb();
      const sink = new FlakySink(1000);
      const r = await runCycle(deps(db, [eng('a'), eng('b')], new ScriptedQueue([cases(12)]), sink), MONDAY_10);
      expect(r).toMatchObject({ outcome: 'failed', assigned: 12, posted: 0 });
      // Five failures in a row with none acknowledged stop it; posts already in flight on other lanes finish.
      expect(sink.attempts.length).toBeGreaterThanOrEqual(MAX_CONSECUTIVE_FAILURES);
      expect(sink.attempts.length).toBeLessThanOrEqual(MAX_CONSECUTIVE_FAILURES + DEFAULT_OUTBOX.concurrency - 1);
      expect((await rows(db, `SELECT count(*)::int AS n FROM assignments WHERE posted_at IS NULL`))[0]).toEqual({ n: 12 });
    });

    it('plans exactly like the in-memory store the simulator uses', async () => {
      const { db } = await freshDb();
      const engineers = [eng('a', { capacity: 4 }), eng('b', { capacity: 3, readiness: { aks: 2 } }), eng('c', { capacity: 5, readiness: { aks: 1 } })];
      const pages = [[...cases(6, 'C'), ...cases(3, 'B').map((c, i) => ({ ...c, id: `B-${i}` })), { ...record('A-1', 'A') }], [{ ...cases(1)[0], status: 'resolved' }], []];
      const mem = new MemoryStore();
      for (let i = 0; i < pages.length; i++) {
        const now = minutes(MONDAY_10, i * 45);
        await runCycle(deps(db, engineers, new ScriptedQueue([pages[i]])), now);
        await runCycle({ ...deps(db, engineers, new ScriptedQueue([pages[i]])), store: mem }, now);
      }
      const sql = await rows<{ case_id: string; engineer_id: string; ladder_step: number }>(db, `SELECT case_id, engineer_id, ladder_step FROM assignments ORDER BY case_id`);
      const inMem = mem.assignments.map((a) => ({ case_id: a.caseId, engineer_id: a.engineerId, ladder_step: a.ladderStep })).sort((x, y) => (x.case_id < y.case_id ? -1 : 1));
      expect(sql.length).toBeGreaterThan(5);
      expect(sql).toEqual(inMem);
    });
  });

  describe('concurrency and crashes', () => {
    it('three concurrent cycles assign each case exactly once and never exceed capacity', async () => {
      const { db, url } = await freshDb();
      // 3 x capacity 10 = 30 weight for 40 C cases. Readiness 2: not ready for severity-A work, so no headroom is kept
      // for it (src/critical.ts) and the capacity fills.
      const engineers = [eng('a', { readiness: { aks: 2 } }), eng('b', { readiness: { aks: 2 } }), eng('c', { readiness: { aks: 2 } })];
      await new SqlStore(db).syncEngineers(engineers);
      const sinks = [new FlakySink(), new FlakySink(), new FlakySink()];
      const pools = sinks.map(() => connectPostgres(url));
      open.push(...pools);
      // Each replica fetches an overlapping page of the same queue.
      const all = cases(40);
      const results = await Promise.all(
        pools.map((p, i) => runCycle(deps(p, engineers, new ScriptedQueue([all.slice(i * 5, 30 + i * 5)]), sinks[i]), MONDAY_10)),
      );
      expect(results.map((r) => r.outcome)).toEqual(['ok', 'ok', 'ok']);
      const per = await rows<{ case_id: string; n: number }>(db, `SELECT case_id, count(*)::int AS n FROM assignments GROUP BY case_id HAVING count(*) > 1`);
      expect(per).toEqual([]);
      expect(results.reduce((s, r) => s + r.assigned, 0)).toBe(30);
      expect((await rows(db, `SELECT count(*)::int AS n FROM decisions WHERE outcome = 'assigned'`))[0]).toEqual({ n: 30 });
      const loads = await rows<{ engineer_id: string; load: number }>(db, `SELECT engineer_id, sum(weight)::float8 AS load FROM cases WHERE status = 'assigned' GROUP BY 1 ORDER BY 1`);
      expect(loads).toEqual([{ engineer_id: 'a', load: 10 }, { engineer_id: 'b', load: 10 }, { engineer_id: 'c', load: 10 }]);
      const accepted = sinks.flatMap((s) => [...s.accepted.entries()]);
      expect(accepted).toHaveLength(30);
      expect(new Set(accepted.map(([k]) => k)).size).toBe(30);
    });

    describe('a cycle killed with SIGKILL', () => {
      let server: Server;
      let received: { key: string; caseId: string }[];
      let hang: boolean;
      let sinkUrl: string;

      beforeAll(async () => {
        server = createServer((req, res) => {
          let body = '';
          req.on('data', (c) => (body += c));
          req.on('end', () => {
            received.push({ key: String(req.headers['idempotency-key']), caseId: JSON.parse(body).caseId });
            if (hang) return; // never answer: the child is killed while waiting
            res.writeHead(201).end('{}');
          });
        });
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
        sinkUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/assignments`;
      });
      afterAll(() => {
        server.closeAllConnections();
        server.close();
      });
      beforeEach(() => {
        received = [];
        hang = false;
      });

      function child(url: string, engineers: Engineer[], records: unknown[]): ChildProcess {
        const input = JSON.stringify({ engineers, records, now: MONDAY_10.toISOString(), sinkUrl });
        return spawn(process.execPath, ['-r', join(__dirname, '..', 'scripts', 'swc-register.js'), join(__dirname, 'child-cycle.ts')], {
          env: { ...process.env, DATABASE_URL: url, CYCLE_INPUT: input }, stdio: ['ignore', 'pipe', 'inherit'],
        });
      }

      async function until(check: () => Promise<boolean>, what: string): Promise<void> {
        for (let i = 0; i < 600; i++) {
          if (await check()) return;
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error(`timed out waiting for ${what}`);
      }

      const killed = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode ? r() : c.once('exit', () => r())));

      it('mid-transaction: nothing is half-written, and the rerun assigns every case once', async () => {
        const { db, url } = await freshDb();
        const engineers = [eng('a'), eng('b')];
        // Hold a lock that the cycle's last write (the decision log insert) must wait for, so the child is
        // stopped after writing assignments and case updates, inside its open transaction.
        const blocker = new Client({ connectionString: url });
        await blocker.connect();
        await blocker.query('BEGIN');
        await blocker.query('LOCK TABLE decisions IN SHARE MODE');
        const c = child(url, engineers, cases(8));
        await until(async () => (await rows<{ n: number }>(db, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO decisions%'`))[0].n === 1, 'the child to block in the decision insert');
        c.kill('SIGKILL');
        await killed(c);
        await blocker.query('ROLLBACK');
        await blocker.end();
        expect(await rows(db, `SELECT count(*)::int AS n FROM assignments`)).toEqual([{ n: 0 }]);
        expect(await rows(db, `SELECT count(*)::int AS n FROM cases WHERE status = 'unassigned'`)).toEqual([{ n: 8 }]);
        const r = await runCycle({ ...deps(db, engineers, new ScriptedQueue([cases(8)])), sink: new FlakySink() }, minutes(MONDAY_10, 5));
        expect(r).toMatchObject({ outcome: 'ok', assigned: 8, posted: 8 });
        expect(await rows(db, `SELECT count(DISTINCT case_id)::int AS cases, count(*)::int AS n FROM assignments`)).toEqual([{ cases: 8, n: 8 }]);
        expect(await rows(db, `SELECT count(*)::int AS n FROM decisions`)).toEqual([{ n: 8 }]);
        expect(received).toEqual([]);
      });

      it('while posting: the assignment survives and is re-posted with the same idempotency key', async () => {
        const { db, url } = await freshDb();
        const engineers = [eng('a')];
        hang = true;
        const c = child(url, engineers, cases(3));
        await until(async () => received.length >= 1, 'the first post');
        c.kill('SIGKILL');
        await killed(c);
        // Committed before posting: nothing lost. Not acknowledged: still in the outbox.
        await until(async () => (await rows<{ n: number }>(db, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'`))[0].n === 0, 'the dead transaction to end');
        expect(await rows(db, `SELECT count(*)::int AS n FROM assignments WHERE posted_at IS NULL`)).toEqual([{ n: 3 }]);
        hang = false;
        const sink = new FlakySink();
        const r = await runCycle({ ...deps(db, engineers, new ScriptedQueue([])), sink }, minutes(MONDAY_10, 5));
        expect(r).toMatchObject({ outcome: 'ok', assigned: 0, posted: 3 });
        // The post in flight when the child died is repeated with the same key, so the receiver can deduplicate it.
        const key = await rows<{ idempotency_key: string }>(db, `SELECT idempotency_key FROM assignments WHERE case_id = $1`, [received[0].caseId]);
        expect(received[0].key).toBe(key[0].idempotency_key);
        expect(sink.attempts.map((a) => a.idempotencyKey)).toContain(received[0].key);
        expect(await rows(db, `SELECT count(*)::int AS n FROM assignments WHERE posted_at IS NULL`)).toEqual([{ n: 0 }]);
      });
    });
  });
});
