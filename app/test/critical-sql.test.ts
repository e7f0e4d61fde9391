// The critical-work rules through the production store (PostgreSQL): the interrupt flag and the priority reach the
// assignment API, and a rebalanced case goes back to the outbox for its new engineer, naming the previous one.
import { Client } from 'pg';
import { criticalSchema } from '../src/critical';
import { runCycle } from '../src/cycle';
import { connectPostgres, type Db } from '../src/db';
import { silentLogger } from '../src/log';
import { migrate } from '../src/migrate';
import { getCase } from '../src/api/queries';
import { policyConfig } from '../src/settings';
import { SqlStore } from '../src/store/sql-store';
import { MemoryStore } from '../src/store/memory-store';
import type { OutboxItem, Store } from '../src/store/store';
import type { AssignmentFlags } from '../src/critical';
import { CFG, MONDAY_10, eng, minutes } from './fixtures';
import { FlakySink, ScriptedQueue, record } from './helpers';
import { describePg, startPostgres, type TestPostgres } from './postgres';

let pg: TestPostgres;
const PRE = policyConfig(CFG.severities, CFG.relaxAfterMinutes, criticalSchema.parse({ preemption: { enabled: true } }));
const sent = (sink: FlakySink) => sink.attempts.map((i) => i as OutboxItem & AssignmentFlags);

describePg('critical work on PostgreSQL', () => {
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(() => pg?.stop());

  async function fresh(): Promise<Db> {
    const db = connectPostgres(await pg.newDatabase());
    await migrate(db);
    return db;
  }

  it('posts an interrupt and the priority for an A that only a full expert can answer in time', async () => {
    const db = await fresh();
    try {
      const store = new SqlStore(db);
      const engineers = [eng('ex', { readiness: { aks: 3 }, capacity: 3 })];
      const sink = new FlakySink();
      const cycle = (records: unknown[], at: Date) => runCycle({ store, queue: new ScriptedQueue([records]), sink, engineers, policyConfig: PRE, log: silentLogger }, at);
      await cycle([record('A-1', 'A', '2026-01-05T09:50:00Z')], minutes(MONDAY_10, -10));
      await cycle([record('A-2', 'A', '2026-01-05T09:55:00Z')], minutes(MONDAY_10, 10)); // 45 min left: interrupt
      expect(sent(sink).map((i) => [i.caseId, i.engineerId, i.interrupt ?? false, i.priority?.severity, i.priority?.respondBy.toISOString()])).toEqual([
        ['A-1', 'ex', false, 'A', '2026-01-05T10:50:00.000Z'],
        ['A-2', 'ex', true, 'A', '2026-01-05T10:55:00.000Z'],
      ]);
      const d = (await getCase(db, 'A-2', MONDAY_10, 30))!.decisions.at(-1)!;
      expect((d as { notes?: string[] }).notes?.[0]).toMatch(/^preemption: .*ex .*interrupt/);
    } finally {
      await db.close();
    }
  });

  it('moves a case parked with an off-shift engineer to one on shift, posts it again with reassignedFrom, once', async () => {
    const db = await fresh();
    try {
      const store = new SqlStore(db);
      const morning = eng('morning', { readiness: { aks: 3 }, shift: { timezone: 'UTC', start: '12:00', end: '20:00', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'] } });
      const night = eng('night', { readiness: { aks: 1 }, capacity: 1, shift: { timezone: 'UTC', start: '00:00', end: '12:00', days: ['Mon'] } });
      const sink = new FlakySink();
      const cycle = (records: unknown[], at: Date) => runCycle({ store, queue: new ScriptedQueue([records]), sink, engineers: [morning, night], policyConfig: CFG, log: silentLogger }, at);
      // night is full (a C), so the next C is parked with morning (starts 12:00, before its 17:00 deadline).
      await cycle([record('C-1', 'C', '2026-01-05T08:55:00Z'), record('C-2', 'C', '2026-01-05T09:00:00Z')], minutes(MONDAY_10, -60));
      expect(sent(sink).map((i) => [i.caseId, i.engineerId])).toEqual([['C-1', 'night'], ['C-2', 'morning']]);
      // C-1 resolves: night has room, and C-2 moves there.
      await cycle([{ ...record('C-1', 'C', '2026-01-05T08:55:00Z'), status: 'resolved' }], MONDAY_10);
      expect(sent(sink).slice(2).map((i) => [i.caseId, i.engineerId, i.reassignedFrom])).toEqual([['C-2', 'night', 'morning']]);
      const c = (await getCase(db, 'C-2', MONDAY_10, 30))!;
      expect(c.engineerId).toBe('night');
      expect((c.decisions.at(-1) as { notes?: string[] }).notes).toEqual(['rebalance: moved from morning (off shift until 2026-01-05T12:00Z, not started) to night (on shift now)']);
      // Moved once: a later cycle leaves it alone.
      await cycle([], minutes(MONDAY_10, 5));
      expect(sink.attempts).toHaveLength(3);
    } finally {
      await db.close();
    }
  });

  it('a plan that assigns one case and moves another locks both in id order (no deadlock with a concurrent queue upsert)', async () => {
    const url = await pg.newDatabase();
    const db = connectPostgres(url);
    await migrate(db);
    const other = new Client({ connectionString: url });
    try {
      const store = new SqlStore(db);
      const morning = eng('morning', { readiness: { aks: 3, vm: 3 }, shift: { timezone: 'UTC', start: '12:00', end: '20:00', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'] } });
      const night = eng('night', { readiness: { aks: 1 }, capacity: 1, shift: { timezone: 'UTC', start: '00:00', end: '12:00', days: ['Mon'] } });
      await runCycle({ store, queue: new ScriptedQueue([[record('C-1', 'C', '2026-01-05T08:55:00Z'), record('C-2', 'C', '2026-01-05T09:00:00Z')]]), sink: new FlakySink(), engineers: [morning, night], policyConfig: CFG, log: silentLogger }, minutes(MONDAY_10, -60));
      // Next plan: C-2 moves to night (C-1 resolved) and Z-1 (vm: only morning) is assigned, so it writes C-2 and Z-1.
      await store.upsertCases([{ id: 'C-1', product: 'aks', severity: 'C', customer: 'x', createdAt: new Date('2026-01-05T08:55:00Z'), resolved: true },
        { id: 'Z-1', product: 'vm', severity: 'C', customer: 'x', createdAt: new Date('2026-01-05T09:50:00Z'), resolved: false }], CFG, MONDAY_10);
      // A queue upsert (another worker) locks in id order: C-2 first...
      await other.connect();
      await other.query(`SET lock_timeout = '5s'`);
      await other.query('BEGIN');
      await other.query(`SELECT id FROM cases WHERE id = 'C-2' FOR UPDATE`);
      const planning = store.assign('ours', CFG, [morning, night], MONDAY_10);
      let blocked = false;
      for (let i = 0; i < 200 && !blocked; i++) {
        blocked = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`)).rows[0].n > 0;
        if (!blocked) await new Promise((r) => setTimeout(r, 25));
      }
      expect(blocked).toBe(true);
      // ...then Z-1: the plan must not be holding Z-1 while it waits for C-2 (that is a deadlock, one side aborted).
      await other.query(`SELECT id FROM cases WHERE id = 'Z-1' FOR UPDATE`);
      await other.query('COMMIT');
      const plan = await planning;
      expect(plan.assignments.map((a) => [a.caseId, a.engineerId])).toEqual([['Z-1', 'morning']]);
      expect(plan.moves.map((m) => [m.caseId, m.engineerId])).toEqual([['C-2', 'night']]);
    } finally {
      await other.end().catch(() => undefined);
      await db.close();
    }
  });

  it('a reopened case may be rebalanced again (new round), on PostgreSQL and in MemoryStore alike', async () => {
    const db = await fresh();
    try {
      const morning = eng('morning', { readiness: { aks: 3 }, shift: { timezone: 'UTC', start: '12:00', end: '20:00', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'] } });
      const night = eng('night', { readiness: { aks: 1 }, capacity: 1, shift: { timezone: 'UTC', start: '00:00', end: '12:00', days: ['Mon'] } });
      const run = async (store: Store) => {
        const sink = new FlakySink();
        const cycle = (records: unknown[], at: Date) => runCycle({ store, queue: new ScriptedQueue([records]), sink, engineers: [morning, night], policyConfig: CFG, log: silentLogger }, at);
        await cycle([record('C-1', 'C', '2026-01-05T08:55:00Z'), record('C-2', 'C', '2026-01-05T09:00:00Z')], minutes(MONDAY_10, -60));
        await cycle([{ ...record('C-1', 'C', '2026-01-05T08:55:00Z'), status: 'resolved' }], MONDAY_10); // C-2 moves to night
        await cycle([{ ...record('C-2', 'C', '2026-01-05T09:00:00Z'), status: 'resolved' }], minutes(MONDAY_10, 5));
        // C-2 reopens while an older C-3 takes night's room: C-2 (round 1) is parked with morning again...
        await cycle([record('C-3', 'C', '2026-01-05T08:00:00Z'), record('C-2', 'C', '2026-01-05T09:00:00Z')], minutes(MONDAY_10, 10));
        // ...and when C-3 resolves, this round's assignment has never moved: it moves to night.
        await cycle([{ ...record('C-3', 'C', '2026-01-05T08:00:00Z'), status: 'resolved' }], minutes(MONDAY_10, 15));
        return sent(sink).map((i) => [i.caseId, i.engineerId, i.reassignedFrom ?? null]);
      };
      const sql = await run(new SqlStore(db));
      expect(sql).toEqual([['C-1', 'night', null], ['C-2', 'morning', null], ['C-2', 'night', 'morning'], ['C-3', 'night', null], ['C-2', 'morning', null], ['C-2', 'night', 'morning']]);
      expect(await run(new MemoryStore())).toEqual(sql);
    } finally {
      await db.close();
    }
  });
});
