// Fault injection against a real PostgreSQL, a fake queue API and a fake assignment API on loopback (issue #13):
// every row of the table is reproduced here and shown fixed. Where a setting can switch the fix off
// (pagination, the cursor overlap), the test also shows the loss with it off, so the test can see the failure.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { buildOpsServer } from '../src/api/server';
import { stats } from '../src/api/queries';
import { DEFAULT_READING, runCycle, type CycleDeps, type ReadingPolicy } from '../src/cycle';
import { connectPostgres, type Db, type Queryable } from '../src/db';
import type { Engineer } from '../src/domain';
import { silentLogger } from '../src/log';
import { createMetrics } from '../src/metrics';
import { HttpAssignmentSink, HttpQueue, type HttpQueueOptions } from '../src/queue/http';
import { SqlStore } from '../src/store/sql-store';
import type { OutboxPolicy } from '../src/store/store';
import { CFG, MONDAY_10, eng } from './fixtures';
import { describePg, migratedDatabase, startPostgres, type TestPostgres } from './postgres';
import { FakeQueue, FakeSink } from './support/fake-apis';

let pg: TestPostgres;
const open: Db[] = [];
let fq: FakeQueue;
let fs: FakeSink;

const ENGINEERS: Engineer[] = ['a', 'b', 'c', 'd', 'e'].map((id) => eng(id, { capacity: 1000 }));
const T0 = MONDAY_10.getTime();
const at = (ms: number) => new Date(T0 + ms);
const iso = (ms: number) => new Date(T0 + ms).toISOString();

const freshDb = () => migratedDatabase(pg, open);

async function rows<T>(db: Db, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await db.query<T>(sql, params)).rows;
}
const count = async (db: Db, sql: string, params: unknown[] = []) => (await rows<{ n: number }>(db, `SELECT count(*)::int AS n FROM ${sql}`, params))[0].n;

interface DepsOptions {
  queue?: Partial<HttpQueueOptions>;
  reading?: Partial<ReadingPolicy>;
  outbox?: Partial<OutboxPolicy>;
  engineers?: Engineer[];
}

function deps(db: Db, o: DepsOptions = {}): CycleDeps {
  return {
    store: new SqlStore(db),
    queue: new HttpQueue({
      url: `${fq.url}/cases`, itemsPath: 'items', sinceParam: 'since', headers: {}, timeoutSeconds: 5,
      pagination: { nextPath: 'nextPageToken', param: 'pageToken' }, ...o.queue,
    }),
    sink: new HttpAssignmentSink(fs.url, {}, 5),
    engineers: o.engineers ?? ENGINEERS, policyConfig: CFG, log: silentLogger,
    reading: { fullSweepEveryMinutes: 0, ...o.reading },
    outbox: { random: () => 0.5, ...o.outbox },
  };
}

/** Runs a cycle with the fake queue's tool clock set to the cycle's `now`. */
async function cycle(d: CycleDeps, ms: number) {
  fq.toolNow = T0 + ms;
  return runCycle(d, at(ms));
}

function addCases(n: number, prefix: string, stampMs: (i: number) => number, extra: Partial<{ severity: string; product: string }> = {}) {
  for (let i = 0; i < n; i++) {
    const stamp = stampMs(i);
    fq.put({ id: `${prefix}-${String(i).padStart(5, '0')}`, product: 'aks', severity: 'C', createdAt: new Date(stamp).toISOString(), ...extra }, stamp);
  }
}

describePg('faults: a real queue API and assignment API (PostgreSQL)', () => {
  beforeAll(async () => {
    pg = await startPostgres();
    fq = await new FakeQueue().start();
    fs = await new FakeSink().start();
  });
  afterAll(async () => {
    for (const db of open) await db.close().catch(() => undefined);
    fq?.stop();
    fs?.stop();
    pg?.stop();
  });
  // Each test's pools are closed after it: 16 tests x 5 pooled connections would exceed the test server's 60.
  afterEach(async () => {
    for (const db of open.splice(0)) await db.close().catch(() => undefined);
  });
  beforeEach(() => {
    fq.cases.clear();
    fq.requests = [];
    fq.lookups = [];
    Object.assign(fq, { skewMs: 0, pageCap: 200, openOnly: false, failTokenRequests: 0 });
    fs.reset();
    Object.assign(fs, { refuse: new Set(), alwaysFail: new Set(), transientRate: 0, hangAfter: Infinity });
  });

  describe('row 1: the assignment API refuses some assignments for good', () => {
    it('dead-letters them (body kept, bounded), every other assignment flows, nothing is retried every cycle', async () => {
      const { db } = await freshDb();
      addCases(300, 'R', (i) => T0 - 3_600_000 + i * 1000);
      for (const i of [3, 50, 51, 52, 200]) fs.refuse.add(`R-${String(i).padStart(5, '0')}`);
      // Two more fail transiently forever: dead-lettered after maxAttempts (3 here), with backoff between attempts.
      for (const i of [7, 8]) fs.alwaysFail.add(`R-${String(i).padStart(5, '0')}`);
      const d = deps(db, { outbox: { maxAttempts: 3, baseBackoffSeconds: 10 } });
      const r1 = await cycle(d, 0);
      expect(r1).toMatchObject({ assigned: 300, posted: 293, deadLettered: 5, postFailed: 2, outcome: 'ok' });
      // Every other assignment was attempted and acknowledged once: no head-of-line blocking.
      expect(fs.acked.size).toBe(293);
      expect(fs.duplicates()).toBe(0);
      const dead = await rows<{ case_id: string; last_post_status: number; last_post_body: string; post_attempts: number }>(db, `SELECT case_id, last_post_status, last_post_body, post_attempts FROM assignments WHERE dead_at IS NOT NULL ORDER BY case_id`);
      expect(dead.map((x) => [x.case_id, x.last_post_status, x.post_attempts])).toEqual([['R-00003', 422, 1], ['R-00050', 422, 1], ['R-00051', 422, 1], ['R-00052', 422, 1], ['R-00200', 422, 1]]);
      expect(dead[0].last_post_body).toContain('not a member of the case team');
      expect(dead[0].last_post_body.length).toBe(2000);
      // Later cycles never re-post a dead letter; the two transient ones back off (10 s, then 20 s) and die at 3.
      for (let k = 1; k <= 4; k++) await cycle(d, k * 60_000);
      const perCase = (id: string) => fs.attempts.filter((x) => x.caseId === id).length;
      expect(perCase('R-00003')).toBe(1);
      expect(perCase('R-00007')).toBe(3);
      expect(await count(db, `assignments WHERE dead_at IS NOT NULL`)).toBe(7);
      expect(await count(db, `assignments WHERE posted_at IS NULL AND dead_at IS NULL`)).toBe(0);
      // Visible in /stats and as a metric (the PrometheusRule alerts on it).
      expect((await stats(db, at(5 * 60_000), 30)).outbox).toEqual({ pending: 0, deadLettered: 7 });
      const m = createMetrics(db, { defaultMetrics: false });
      await m.refresh();
      expect(await m.registry.metrics()).toContain('case_assigner_outbox_dead_letters 7');
      // After fixing the cause, an operator redrives them.
      fs.refuse.clear();
      fs.alwaysFail.clear();
      expect(await new SqlStore(db).redriveDeadLetters(at(6 * 60_000))).toBe(7);
      expect(await cycle(d, 6 * 60_000)).toMatchObject({ posted: 7 });
      expect(fs.acked.size).toBe(300);
    });
  });

  describe('row 2: the queue clock is behind the tool (or its commits lag)', () => {
    // Cycles every 10 s; 10 cases arrive between cycles at uniformly spread instants, stamped by the queue clock.
    async function run(skewMs: number, overlapSeconds: number): Promise<{ lost: number; total: number }> {
      const { db } = await freshDb();
      fq.skewMs = skewMs;
      const d = deps(db, { reading: { overlapSeconds } });
      let n = 0;
      for (let k = 0; k < 30; k++) {
        const s = k * 10_000;
        for (let i = 0; i < 10; i++) {
          const created = T0 + s - 10_000 + (i + 0.25) * 1000; // real creation instant
          fq.put({ id: `S-${n++}`, product: 'aks', severity: 'C', createdAt: new Date(created - skewMs).toISOString() }, created - skewMs);
        }
        await cycle(d, s);
      }
      const stored = await count(db, 'cases');
      return { lost: n - stored, total: n };
    }

    it.each([[500], [2000]])('skew -%i ms: cases are lost without an overlap, none with the default overlap', async (skew) => {
      const without = await run(skew, 0);
      expect(without.lost).toBeGreaterThan(0);
      const withOverlap = await run(skew, DEFAULT_READING.overlapSeconds);
      expect(withOverlap).toEqual({ lost: 0, total: 300 });
      // eslint-disable-next-line no-console
      console.log(`skew -${skew} ms: lost ${without.lost} of ${without.total} without overlap, ${withOverlap.lost} with ${DEFAULT_READING.overlapSeconds} s`);
    });

    it('re-reading the overlap is idempotent: no duplicate case, assignment or post', async () => {
      const { db } = await freshDb();
      const d = deps(db);
      addCases(30, 'O', (i) => T0 - 60_000 + i * 1000);
      for (let k = 0; k < 5; k++) await cycle(d, k * 10_000);
      expect(await count(db, 'cases')).toBe(30);
      expect(await count(db, 'assignments')).toBe(30);
      expect(fs.duplicates()).toBe(0);
      expect(fs.attempts).toHaveLength(30);
    });
  });

  describe('row 3: the queue API caps a response at 200 records', () => {
    it('without following page tokens 1,207 of 1,407 are lost; with them none, bounded per cycle and resumed', async () => {
      addCases(1407, 'P', (i) => T0 - 7_200_000 + i * 1000);
      const lossy = await freshDb();
      const noPages = deps(lossy.db, { queue: { pagination: undefined } });
      for (let k = 0; k < 3; k++) await cycle(noPages, k * 60_000);
      expect(await count(lossy.db, 'cases')).toBe(200);

      const { db } = await freshDb();
      fq.requests = [];
      const d = deps(db, { reading: { maxPagesPerCycle: 3 } });
      const r1 = await cycle(d, 0);
      expect(r1).toMatchObject({ fetched: 600, pages: 3, sweepComplete: false });
      // A page fails in the middle of the sweep: the cycle fails, the cursor keeps the token...
      fq.failTokenRequests = 1;
      const r2 = await cycle(d, 60_000);
      expect(r2).toMatchObject({ outcome: 'failed', fetched: 0 });
      // ...and the next cycle resumes at that page, not at the first one.
      const r3 = await cycle(d, 120_000);
      expect(r3).toMatchObject({ fetched: 600, pages: 3, sweepComplete: false });
      const r4 = await cycle(d, 180_000);
      expect(r4).toMatchObject({ fetched: 207, sweepComplete: true, outcome: 'ok' });
      expect(await count(db, 'cases')).toBe(1407);
      expect(fq.requests.filter((x) => x.pageToken === null)).toHaveLength(1);
      // The next sweep is incremental from the completed sweep's start minus the overlap.
      await cycle(d, 240_000);
      expect(fq.requests[fq.requests.length - 1]).toEqual({ since: new Date(T0 - DEFAULT_READING.overlapSeconds * 1000).toISOString(), pageToken: null });
    });
  });

  it('a different queue (URL or since parameter) is read from the start, not from the old position', async () => {
    const { db } = await freshDb();
    addCases(3, 'Q', (i) => T0 - 600_000 + i * 1000);
    await cycle({ ...deps(db), queueKey: 'https://old/cases since' }, 0);
    await cycle({ ...deps(db), queueKey: 'https://old/cases since' }, 60_000);
    expect(fq.requests[fq.requests.length - 1].since).not.toBeNull();
    await cycle({ ...deps(db), queueKey: 'https://new/cases since' }, 120_000);
    expect(fq.requests[fq.requests.length - 1]).toEqual({ since: null, pageToken: null });
  });

  describe('row 4: a later record escalates, moves or reopens a case', () => {
    it('updates severity, product, deadline and weight; an escalation keeps the SLA clock from creation; reopened cases wait again', async () => {
      const { db } = await freshDb();
      const d = deps(db);
      const created = T0 - 2 * 3_600_000;
      fq.put({ id: 'E-1', product: 'aks', severity: 'C', createdAt: new Date(created).toISOString() }, T0 - 1000);
      fq.put({ id: 'E-2', product: 'aks', severity: 'C', createdAt: new Date(created).toISOString() }, T0 - 1000);
      await cycle(d, 0);
      const before = await rows<{ id: string; engineer_id: string }>(db, `SELECT id, engineer_id FROM cases ORDER BY id`);
      expect(before.every((c) => c.engineer_id)).toBe(true);
      // C -> A: the deadline is creation + A's 1 h (already past: most urgent), not C's 8 h; the weight follows.
      fq.put({ id: 'E-1', product: 'AKS ', severity: 'A', createdAt: new Date(created).toISOString() }, T0 + 30_000);
      // The queue carries its own SLA deadline for E-2 (e.g. a paused clock): it wins.
      fq.put({ id: 'E-2', product: 'vm', severity: 'B', createdAt: new Date(created).toISOString(), slaDeadline: iso(5 * 3_600_000) }, T0 + 30_000);
      await cycle({ ...d, fields: { id: 'id', product: 'product', severity: 'severity', customer: 'customer', createdAt: 'createdAt', status: 'status', slaDeadline: 'slaDeadline' } }, 60_000);
      const after = await rows<{ id: string; severity: string; product: string; sla_deadline: Date; weight: number; status: string }>(db, `SELECT id, severity, product, sla_deadline, weight, status FROM cases ORDER BY id`);
      expect(after.map((c) => [c.id, c.severity, c.product, new Date(c.sla_deadline).toISOString(), c.weight, c.status])).toEqual([
        ['E-1', 'A', 'aks', new Date(created + 3_600_000).toISOString(), 3, 'assigned'],
        ['E-2', 'B', 'vm', iso(5 * 3_600_000), 2, 'assigned'],
      ]);
      // Load follows the new weights.
      const load = await rows<{ load: number }>(db, `SELECT sum(weight)::float8 AS load FROM cases WHERE status = 'assigned'`);
      expect(load[0].load).toBe(5);
      // Resolved, then reopened: capacity freed, then the case waits again and is assigned anew (round 1), and posted.
      fq.put({ id: 'E-1', product: 'aks', severity: 'A', createdAt: new Date(created).toISOString(), status: 'closed' }, T0 + 90_000);
      await cycle(d, 120_000);
      expect(await rows(db, `SELECT status, round FROM cases WHERE id = 'E-1'`)).toEqual([{ status: 'resolved', round: 0 }]);
      fq.put({ id: 'E-1', product: 'aks', severity: 'A', createdAt: new Date(created).toISOString(), status: 'reopened' }, T0 + 150_000);
      const r = await cycle(d, 180_000);
      expect(r.assigned).toBe(1);
      expect(await rows(db, `SELECT status, round, resolved_at FROM cases WHERE id = 'E-1'`)).toEqual([{ status: 'assigned', round: 1, resolved_at: null }]);
      expect(await rows(db, `SELECT round, posted_at IS NOT NULL AS posted FROM assignments WHERE case_id = 'E-1' ORDER BY round`)).toEqual([{ round: 0, posted: true }, { round: 1, posted: true }]);
    });
  });

  describe('row 5: the queue resolves a case while another cycle plans it', () => {
    it('the plan skips it (status-guarded), no assignment row, capacity never held', async () => {
      const { db, url } = await freshDb();
      addCases(5, 'X', (i) => T0 - 600_000 + i * 1000);
      // Store the cases without planning: read the queue through a cycle whose plan finds no engineer.
      await cycle(deps(db, { engineers: [eng('z', { capacity: 1000, readiness: { other: 3 } })] }), 0);
      expect(await count(db, `cases WHERE status IN ('unassigned', 'flagged')`)).toBe(5);
      // A second connection (the queue-reading part of another worker) locks X-00002's row...
      const other = new Client({ connectionString: url });
      await other.connect();
      await other.query('BEGIN');
      await other.query(`SELECT id FROM cases WHERE id = 'X-00002' FOR UPDATE`);
      // ...the plan takes its snapshot (X-00002 waiting) and blocks on that row when it locks what it will assign...
      fq.cases.clear();
      const planning = cycle(deps(db), 60_000);
      let blocked = false;
      for (let i = 0; i < 200 && !blocked; i++) {
        const w = await rows<{ n: number }>(db, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%plan: lock planned cases%'`);
        blocked = w[0].n > 0;
        if (!blocked) await new Promise((r) => setTimeout(r, 50));
      }
      expect(blocked).toBe(true);
      // ...while the other worker stores the queue's "resolved" for it and commits.
      const otherDb: Db = {
        kind: 'postgres', close: async () => undefined, exec: async (s) => void (await other.query(s)),
        query: async <T>(s: string, p?: unknown[]) => ({ rows: (await other.query(s, p)).rows as T[] }),
        tx: async <T>(fn: (q: Queryable) => Promise<T>) => fn(otherDb),
      };
      await new SqlStore(otherDb).upsertCases([{ id: 'X-00002', product: 'aks', severity: 'C', customer: 'Contoso', createdAt: at(-598_000), resolved: true }], CFG, at(60_000));
      await other.query('COMMIT');
      await other.end();
      const r = await planning;
      expect(r.assigned).toBe(4);
      expect(await rows(db, `SELECT status, engineer_id, resolved_at IS NOT NULL AS resolved FROM cases WHERE id = 'X-00002'`)).toEqual([{ status: 'resolved', engineer_id: null, resolved: true }]);
      expect(await count(db, `assignments WHERE case_id = 'X-00002'`)).toBe(0);
      expect(await count(db, `decisions WHERE case_id = 'X-00002' AND outcome = 'assigned'`)).toBe(0);
      expect(fs.attempts.map((x) => x.caseId)).not.toContain('X-00002');
      // Load counts only assigned cases: 4.
      expect(await count(db, `cases WHERE status = 'assigned'`)).toBe(4);
    });

    it('a resolution arriving after the plan committed frees the capacity', async () => {
      const { db } = await freshDb();
      const d = deps(db);
      addCases(3, 'Y', (i) => T0 - 600_000 + i * 1000);
      await cycle(d, 0);
      fq.put({ id: 'Y-00000', product: 'aks', severity: 'C', createdAt: iso(-600_000), status: 'resolved' }, T0 + 30_000);
      await cycle(d, 60_000);
      expect(await rows(db, `SELECT status FROM cases WHERE id = 'Y-00000'`)).toEqual([{ status: 'resolved' }]);
      const s = await stats(db, at(60_000), 30);
      expect(s.engineers.reduce((x, e) => x + e.open, 0)).toBe(2);
    });
  });

  describe('row 7: a crash while posting', () => {
    it('repeats exactly the posts in flight (SIGKILL; at most outbox.concurrency), never an acknowledged one', async () => {
      const { db, url } = await freshDb();
      const records = Array.from({ length: 200 }, (_, i) => ({ id: `K-${String(i).padStart(3, '0')}`, product: 'aks', severity: 'C', customer: 'Contoso', createdAt: iso(-3_600_000 + i * 1000), status: 'new' }));
      fs.hangAfter = 120;
      const input = JSON.stringify({ engineers: ENGINEERS, records, now: MONDAY_10.toISOString(), sinkUrl: fs.url });
      const child = spawn(process.execPath, ['-r', join(__dirname, '..', 'scripts', 'swc-register.js'), join(__dirname, 'child-cycle.ts')], {
        env: { ...process.env, DATABASE_URL: url, CYCLE_INPUT: input }, stdio: ['ignore', 'pipe', 'inherit'],
      });
      for (let i = 0; i < 600 && !fs.attempts.some((x) => x.status === 0); i++) await new Promise((r) => setTimeout(r, 100));
      // Kill once the worker has recorded the 120 acknowledgments it received (a post acknowledged but not yet
      // recorded is still in flight for the worker, and would be repeated too: that is the guarantee, but this test
      // wants a deterministic count).
      for (let i = 0; i < 100 && (await count(db, `assignments WHERE posted_at IS NOT NULL`)) < 120; i++) await new Promise((r) => setTimeout(r, 50));
      child.kill('SIGKILL');
      await new Promise<void>((r) => (child.exitCode !== null || child.signalCode ? r() : child.once('exit', () => r())));
      // Up to outbox.concurrency (4) posts were in flight, unanswered, when the worker died.
      const inFlight = new Set(fs.attempts.filter((x) => x.status === 0).map((x) => x.key));
      expect(inFlight.size).toBeGreaterThanOrEqual(1);
      expect(inFlight.size).toBeLessThanOrEqual(4);
      expect(fs.acked.size).toBe(120);
      expect(await count(db, `assignments WHERE posted_at IS NOT NULL`)).toBe(120);
      fs.hangAfter = Infinity;
      // After the dead worker's lease (120 s) expires, the next cycle posts the rest.
      const r = await cycle(deps(db), 5 * 60_000);
      expect(r).toMatchObject({ posted: 80, outcome: 'ok' });
      expect(await count(db, `assignments WHERE posted_at IS NULL`)).toBe(0);
      const deliveries = new Map<string, number>();
      for (const x of fs.attempts) deliveries.set(x.key, (deliveries.get(x.key) ?? 0) + 1);
      const repeated = [...deliveries].filter(([, n]) => n > 1).map(([k]) => k);
      expect(new Set(repeated)).toEqual(inFlight);
      // eslint-disable-next-line no-console
      console.log(`crash while posting: ${repeated.length} delivery(ies) repeated (the posts in flight), 0 acknowledged posts repeated, of 200`);
      expect(fs.duplicates()).toBe(0);
      expect(fs.acked.size).toBe(200);
    });
  });

  describe('row 8: 2 % of posts fail transiently', () => {
    it('no cycle fails, the cursor keeps moving, every assignment is acknowledged once', async () => {
      const { db } = await freshDb();
      fs.transientRate = 0.02;
      const d = deps(db, { outbox: { baseBackoffSeconds: 20 } });
      const outcomes: string[] = [];
      for (let k = 0; k < 40; k++) {
        addCases(25, `T${k}`, (i) => T0 + k * 60_000 - 30_000 + i * 100);
        outcomes.push((await cycle(d, k * 60_000)).outcome);
      }
      for (let k = 40; k < 45; k++) outcomes.push((await cycle(d, k * 60_000)).outcome);
      expect(outcomes.filter((o) => o !== 'ok')).toEqual([]);
      const failed = fs.attempts.filter((x) => x.status === 503).length;
      expect(failed).toBeGreaterThan(5);
      expect(fs.acked.size).toBe(1000);
      expect(fs.duplicates()).toBe(0);
      // The incremental cursor advanced every cycle (since = previous cycle's start - overlap).
      const sinces = fq.requests.map((x) => x.since).filter((x): x is string => x !== null);
      expect(sinces[sinces.length - 1]).toBe(new Date(T0 + 43 * 60_000 - DEFAULT_READING.overlapSeconds * 1000).toISOString());
    });
  });

  describe('row 10: cases vanish from an open-cases-only queue', () => {
    it.each([['with a direct lookup', true], ['listing only', false]])('a full listing frees them with a logged reason (%s)', async (_name, lookup) => {
      const { db } = await freshDb();
      fq.openOnly = true;
      const logs: { caseId?: unknown; reason?: unknown }[] = [];
      const d: CycleDeps = {
        ...deps(db, { reading: { fullSweepEveryMinutes: 60 }, queue: { listsAllOpenCases: true, caseUrl: lookup ? `${fq.url}/cases/{id}` : undefined } }),
        log: { ...silentLogger, info: (msg, f) => void (msg === 'case freed by reconciliation' && logs.push(f ?? {})) },
      };
      addCases(50, 'V', (i) => T0 - 600_000 + i * 1000);
      await cycle(d, 0);
      expect(await count(db, `cases WHERE status = 'assigned'`)).toBe(50);
      // The queue closes 30: they simply disappear from every listing (no "resolved" record ever comes).
      for (let i = 0; i < 30; i++) fq.cases.get(`V-${String(i).padStart(5, '0')}`)!.status = 'resolved';
      for (let k = 1; k < 6; k++) await cycle(d, k * 600_000);
      expect(await count(db, `cases WHERE status = 'assigned'`)).toBe(50); // incremental reads cannot see it
      const r = await cycle(d, 3_600_000);
      expect(r.reconciled).toBe(30);
      expect(await count(db, `cases WHERE status = 'assigned'`)).toBe(20);
      expect(logs).toHaveLength(30);
      expect(logs[0].reason).toBe(lookup ? 'not listed, and not found by a direct lookup' : 'not listed by a complete full listing of the queue');
      expect(await count(db, `cases WHERE close_reason LIKE 'not listed%'`)).toBe(30);
      if (lookup) expect(fq.lookups).toHaveLength(30);
      const s = await stats(db, at(3_600_000), 30);
      expect(s.engineers.reduce((x, e) => x + e.open, 0)).toBe(20);
    });
  });

  describe('row 6: one worker stalls while holding the cycle lock (SIGSTOP)', () => {
    const workers: ChildProcess[] = [];
    afterAll(() => {
      for (const w of workers) {
        try {
          w.kill('SIGCONT');
          w.kill('SIGKILL');
        } catch {
          // already gone
        }
      }
    });

    function worker(url: string, name: string): ChildProcess {
      const w = spawn(process.execPath, ['-r', join(__dirname, '..', 'scripts', 'swc-register.js'), join(__dirname, 'support', 'worker-child.ts')], {
        env: { ...process.env, DATABASE_URL: url, CASE_ASSIGNER_APP_NAME: name, QUEUE_URL: `${fq.url}/cases`, SINK_URL: fs.url, ENGINEERS: JSON.stringify(ENGINEERS), NOW: MONDAY_10.toISOString() },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      workers.push(w);
      return w;
    }

    it('the others resume within the idle-in-transaction timeout plus a poll, while it stays stopped; its cycle is reaped', async () => {
      const { db, url } = await freshDb();
      addCases(40, 'W', (i) => T0 - 600_000 + i * 1000);
      // Stop worker 1 inside its planning transaction: it waits for the decision log, which we lock, then freezes.
      const blocker = new Client({ connectionString: url });
      await blocker.connect();
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE decisions IN SHARE MODE');
      const w1 = worker(url, 'worker-1');
      for (let i = 0; i < 600; i++) {
        const w = await rows<{ n: number }>(db, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'worker-1' AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO decisions%'`);
        if (w[0].n > 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      w1.kill('SIGSTOP');
      worker(url, 'worker-2');
      worker(url, 'worker-3');
      const released = Date.now();
      await blocker.query('ROLLBACK');
      await blocker.end();
      // Worker 1 now holds the planning lock in an idle transaction it will never finish.
      let resumedMs = -1;
      for (let i = 0; i < 600; i++) {
        if ((await count(db, `assignments`)) === 40) {
          resumedMs = Date.now() - released;
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(resumedMs).toBeGreaterThan(0);
      expect(w1.signalCode).toBeNull(); // still stopped, not dead: the server ended its session, nobody waited for it
      // eslint-disable-next-line no-console
      console.log(`stalled worker: the others assigned every case ${resumedMs} ms after it froze holding the lock (idle_in_transaction_session_timeout 2 s, lock_timeout 1 s, poll 0.5 s)`);
      expect(await rows(db, `SELECT count(*)::int AS n FROM (SELECT case_id FROM assignments GROUP BY 1 HAVING count(*) > 1) x`)).toEqual([{ n: 0 }]);
      // Its cycle row is reaped by a running worker once past twice the cycle deadline (5 s in the child).
      for (let i = 0; i < 300 && (await count(db, `cycles WHERE error LIKE 'reaped%'`)) === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await count(db, `cycles WHERE error LIKE 'reaped%'`)).toBeGreaterThanOrEqual(1);
    });

    it('every connection carries the server-side timeouts (settings database.*)', async () => {
      const { url } = await freshDb();
      const d = connectPostgres(url, 1, { lockTimeoutMs: 1234, statementTimeoutMs: 5678, idleInTransactionTimeoutMs: 9012 });
      open.push(d);
      const show = async (name: string) => (await d.query<Record<string, string>>(`SHOW ${name}`)).rows[0][name];
      expect([await show('lock_timeout'), await show('statement_timeout'), await show('idle_in_transaction_session_timeout')]).toEqual(['1234ms', '5678ms', '9012ms']);
      const def = connectPostgres(url);
      open.push(def);
      expect((await def.query<{ idle_in_transaction_session_timeout: string }>('SHOW idle_in_transaction_session_timeout')).rows[0].idle_in_transaction_session_timeout).toBe('15s');
    });

    it('readiness turns red when no cycle completed in N intervals', async () => {
      const { db } = await freshDb();
      let t = T0;
      const ops = await buildOpsServer({ db, metrics: createMetrics(db, { defaultMetrics: false }), atRiskMinutes: 30, maxCycleAgeSeconds: 300, clock: () => new Date(t) });
      await ops.listen({ port: 0, host: '127.0.0.1' });
      const ready = async () => (await fetch(`http://127.0.0.1:${(ops.server.address() as { port: number }).port}/readyz`)).status;
      expect(await ready()).toBe(200); // start-up grace
      t = T0 + 301_000;
      expect(await ready()).toBe(503);
      await db.query(`INSERT INTO cycles (started_at, finished_at, outcome) VALUES ($1, $1, 'ok')`, [at(300_000)]);
      expect(await ready()).toBe(200);
      t = T0 + 601_000;
      expect(await ready()).toBe(503);
      await ops.close();
    });
  });
});
