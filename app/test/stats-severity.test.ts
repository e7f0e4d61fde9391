// /stats on PostgreSQL: per-severity breaches that count cases parked with off-shift engineers (the tool records
// assignment, not first response), who is on shift now, and the parked cases with their risk.
import { runCycle } from '../src/cycle';
import { connectPostgres, type Db } from '../src/db';
import { silentLogger } from '../src/log';
import { migrate } from '../src/migrate';
import { stats } from '../src/api/queries';
import { SqlStore } from '../src/store/sql-store';
import { CFG, MONDAY_10, eng, minutes } from './fixtures';
import { FlakySink, ScriptedQueue, record } from './helpers';
import { describePg, startPostgres, type TestPostgres } from './postgres';

let pg: TestPostgres;
let db: Db;
const NOW = minutes(MONDAY_10, 5);
// New York 09:00-18:00 = 14:00-23:00 UTC in January: off shift at 10:05 UTC. Berlin-like "ber" is on shift but not
// ready for aks, so aks work can only go to "ny".
const engineers = [
  eng('ny', { name: 'Ny', readiness: { aks: 3 }, shift: { timezone: 'America/New_York', start: '09:00', end: '18:00', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'] } }),
  eng('ber', { name: 'Ber', readiness: { vm: 3 } }),
];

describePg('/stats per severity, on shift, parked (PostgreSQL)', () => {
  beforeAll(async () => {
    pg = await startPostgres();
    db = connectPostgres(await pg.newDatabase());
    await migrate(db);
    const store = new SqlStore(db);
    const cycle = (queue: ScriptedQueue, at: Date, policy: 'ours' | 'round-robin') =>
      runCycle({ store, queue, sink: new FlakySink(), engineers, policyConfig: CFG, policy, log: silentLogger }, at);
    // The original round-robin parks work with whoever is next, on shift or not: an A at 02:00 (deadline 03:00) and
    // a B at 09:00 (deadline 13:00, before ny's shift).
    await cycle(new ScriptedQueue([[record('A-0', 'A', '2026-01-05T02:00:00Z')]]), new Date('2026-01-05T02:00:00Z'), 'round-robin');
    await cycle(new ScriptedQueue([[record('B-1', 'B', '2026-01-05T09:00:00Z')]]), new Date('2026-01-05T09:00:00Z'), 'round-robin');
    // Ours parks a C with ny (its shift starts before the C's deadline) and keeps the A waiting (nobody can answer it).
    await cycle(new ScriptedQueue([[record('C-1', 'C', '2026-01-05T09:00:00Z'), record('A-1', 'A', '2026-01-05T09:30:00Z')]]), MONDAY_10, 'ours');
  });
  afterAll(async () => {
    await db?.close();
    pg?.stop();
  });

  it('shows who is on shift now and how many cases each off-shift engineer holds unstarted', async () => {
    const s = await stats(db, NOW, 30);
    expect(s.engineers.map((e) => [e.id, e.onShift, e.nextShiftAt, e.parked])).toEqual([
      ['ber', true, NOW.toISOString(), 0],
      ['ny', false, '2026-01-05T14:00:00.000Z', 3],
    ]);
  });

  it('lists parked cases most urgent first: past the deadline = breached, next shift at or after it = at risk', async () => {
    const s = await stats(db, NOW, 30);
    expect(s.parked.map((p) => [p.caseId, p.severity, p.engineerName, p.shiftStartsAt, p.atRisk, p.breached])).toEqual([
      ['A-0', 'A', 'Ny', '2026-01-05T14:00:00.000Z', false, true],
      ['B-1', 'B', 'Ny', '2026-01-05T14:00:00.000Z', true, false],
      ['C-1', 'C', 'Ny', '2026-01-05T14:00:00.000Z', false, false],
    ]);
  });

  it('counts an A parked past its deadline as breached, per severity and in the overall rate', async () => {
    const s = await stats(db, NOW, 30);
    // A-0 was assigned in time (at 02:00) but its engineer is still off shift after the deadline: no first response.
    expect(s.bySeverity.A).toEqual({ cases: 2, breached: 1, breachRate: 1, parked: 1, parkedAtRisk: 0 });
    expect(s.bySeverity.B).toEqual({ cases: 1, breached: 0, breachRate: 0, parked: 1, parkedAtRisk: 1 });
    expect(s.bySeverity.C).toMatchObject({ cases: 1, breached: 0, parked: 1 });
    // Assignment alone would read 0 %: every assigned case was assigned before its deadline.
    expect(s.slaBreachRate).toBeCloseTo(1 / 3, 6);
  });
});
