import type { FastifyInstance } from 'fastify';
import { buildOpsServer, buildServer } from '../src/api/server';
import { runCycle } from '../src/cycle';
import type { Db } from '../src/db';
import { silentLogger } from '../src/log';
import { createMetrics } from '../src/metrics';
import { SqlStore } from '../src/store/sql-store';
import { CFG, MONDAY_10, eng, minutes } from './fixtures';
import { connectPostgres } from '../src/db';
import { migrate } from '../src/migrate';
import { FlakySink, ScriptedQueue, record } from './helpers';
import { describePg, startPostgres, type TestPostgres } from './postgres';

// Real HTTP on a free port: fastify.inject's light-my-request needs an ESM-only `cookie` that jest's CommonJS
// runtime cannot load on Node 20.
interface Res { statusCode: number; body: string; json(): any }
async function call(server: FastifyInstance, path: string): Promise<Res> {
  const { port } = server.server.address() as { port: number };
  const r = await fetch(`http://127.0.0.1:${port}${path}`);
  const body = await r.text();
  return { statusCode: r.status, body, json: () => JSON.parse(body) };
}

let pg: TestPostgres;
let db: Db;
let app: FastifyInstance;
let ops: FastifyInstance;
const NOW = minutes(MONDAY_10, 5);

describePg('HTTP API (on PostgreSQL)', () => {
beforeAll(async () => {
  pg = await startPostgres();
  db = connectPostgres(await pg.newDatabase());
  await migrate(db);
  const engineers = [eng('ana', { name: 'Ana' }), eng('bo', { name: 'Bo', readiness: { aks: 1, vm: 2 } })];
  const queue = new ScriptedQueue([[record('C-1', 'C', '2026-01-05T09:00:00Z'), record('A-1', 'A', '2026-01-05T09:30:00Z'), record('A-2', 'A', '2026-01-05T09:20:00Z', 'network')]]);
  await runCycle({ store: new SqlStore(db), queue, sink: new FlakySink(), engineers, policyConfig: CFG, log: silentLogger }, MONDAY_10);
  const metrics = createMetrics(db, { defaultMetrics: false });
  app = await buildServer({ db, metrics, atRiskMinutes: 30, clock: () => NOW, statsCacheSeconds: 0 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  ops = await buildOpsServer({ db, metrics, atRiskMinutes: 30, clock: () => NOW });
  await ops.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await app?.close();
  await ops?.close();
  await db?.close();
  pg?.stop();
});

describe('GET /cases', () => {
  it('lists cases with the contract fields, most urgent first by default', async () => {
    const res = await call(app, '/cases');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ total: 3, limit: 50, offset: 0 });
    expect(body.items.map((c: { id: string }) => c.id)).toEqual(['A-2', 'A-1', 'C-1']);
    expect(body.items[1]).toEqual({
      id: 'A-1', product: 'aks', severity: 'A', customer: 'Contoso', createdAt: '2026-01-05T09:30:00.000Z', slaDeadline: '2026-01-05T10:30:00.000Z',
      status: 'assigned', engineerId: 'ana', engineerName: 'Ana', assignedAt: '2026-01-05T10:00:00.000Z', ladderStep: 0, atRisk: false,
    });
    expect(body.items[0]).toMatchObject({ id: 'A-2', status: 'flagged', engineerId: null, atRisk: true });
    // C is minimum readiness 1: Bo (aks 1, idle) is the least loaded eligible engineer.
    expect(body.items[2]).toMatchObject({ id: 'C-1', engineerId: 'bo' });
  });

  it('filters, sorts and paginates', async () => {
    expect((await call(app, '/cases?engineer=ana')).json().items.map((c: { id: string }) => c.id)).toEqual(['A-1']);
    expect((await call(app, '/cases?status=flagged')).json().items.map((c: { id: string }) => c.id)).toEqual(['A-2']);
    expect((await call(app, '/cases?severity=C&product=aks')).json().total).toBe(1);
    expect((await call(app, '/cases?since=2026-01-05T09:25:00Z')).json().total).toBe(1);
    const page = (await call(app, '/cases?sort=createdAt:desc&limit=1&offset=1')).json();
    expect(page).toMatchObject({ total: 3, limit: 1, offset: 1 });
    expect(page.items.map((c: { id: string }) => c.id)).toEqual(['A-2']);
  });

  it.each([
    ['severity=D', 'severity'],
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['sort=customer:asc', 'sort'],
    ['since=yesterday', 'since'],
    ['offset=-1', 'offset'],
    ['colour=red', 'additional'],
  ])('rejects %s with 400 and a message', async (qs, word) => {
    const res = await call(app, `/cases?${qs}`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'Bad Request', message: expect.stringContaining(word) });
  });
});

describe('GET /cases/:id', () => {
  it('explains the decision: candidates, reasons, scores, ladder step, policy version', async () => {
    const body = (await call(app, '/cases/A-1')).json();
    expect(body).toMatchObject({ id: 'A-1', engineerId: 'ana' });
    expect(body.decisions).toHaveLength(1);
    const d = body.decisions[0];
    expect(d).toMatchObject({ outcome: 'assigned', chosenEngineerId: 'ana', ladderStep: 0, policyVersion: CFG.version, at: '2026-01-05T10:00:00.000Z' });
    expect(d.candidates).toEqual([
      { engineerId: 'ana', engineerName: 'Ana', eligible: true, excludedReasons: [], score: 0.3 },
      { engineerId: 'bo', engineerName: 'Bo', eligible: false, excludedReasons: ['readiness 1 for aks < 3'], score: null },
    ]);
  });

  it('returns 404 for an unknown case', async () => {
    const res = await call(app, '/cases/nope');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'Not Found', message: 'no case nope' });
  });
});

describe('GET /stats, /engineers', () => {
  it('reports load per engineer, per product, queue, fairness and the last cycle', async () => {
    const s = (await call(app, '/stats')).json();
    expect(s.engineers).toEqual([
      { id: 'ana', name: 'Ana', open: 1, load: 3, capacity: 10, assignedToday: 1, assignedWeek: 1, onShift: true, nextShiftAt: NOW.toISOString(), outOfOffice: false, parked: 0 },
      { id: 'bo', name: 'Bo', open: 1, load: 1, capacity: 10, assignedToday: 1, assignedWeek: 1, onShift: true, nextShiftAt: NOW.toISOString(), outOfOffice: false, parked: 0 },
    ]);
    expect(s.products).toEqual([{ product: 'aks', open: 2, unassigned: 0 }, { product: 'network', open: 1, unassigned: 1 }]);
    expect(s).toMatchObject({ unassigned: 1, atRisk: 1, queueDepth: 1, jainIndex: expect.closeTo(0.8, 6) });
    expect(s.lastCycle).toMatchObject({ outcome: 'ok', assigned: 2, error: null, startedAt: '2026-01-05T10:00:00.000Z' });
  });

  it('lists engineers with readiness and shift', async () => {
    const e = (await call(app, '/engineers')).json();
    expect(e[1]).toEqual({ id: 'bo', name: 'Bo', email: 'bo@example.com', capacity: 10, readiness: { aks: 1, vm: 2 }, shift: { timezone: 'UTC', start: '08:00', end: '18:00', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'] }, outOfOffice: false });
  });
});

describe('operations endpoints', () => {
  it('serves health, readiness and metrics on the operations listener only, and the OpenAPI document', async () => {
    expect((await call(ops, '/healthz')).json()).toEqual({ status: 'ok' });
    expect((await call(ops, '/readyz')).json()).toEqual({ status: 'ready' });
    for (const p of ['/healthz', '/readyz', '/metrics']) expect((await call(app, p)).statusCode).toBe(404);
    const m = await call(ops, '/metrics');
    expect(m.body).toContain('case_assigner_assignments_total{engineer="ana",product="aks"} 1');
    expect(m.body).toContain('case_assigner_queue_depth 1');
    expect(m.body).toContain('case_assigner_unassignable_cases 1');
    expect(m.body).toMatch(/case_assigner_last_successful_cycle_timestamp_seconds 1767607200\.\d+/);
    expect(m.body).toContain('case_assigner_http_request_duration_seconds_bucket');
    const doc = (await call(app, '/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/cases', '/cases/{id}', '/stats', '/engineers']));
    expect(doc.components.schemas.CaseView.required).toContain('atRisk');
  });

  it('reports 503 on /readyz when the database is gone', async () => {
    const broken = { ...db, query: async () => { throw new Error('connection refused'); } } as unknown as Db;
    const app2 = await buildOpsServer({ db: broken, metrics: createMetrics(broken, { defaultMetrics: false }), atRiskMinutes: 30 });
    await app2.listen({ port: 0, host: '127.0.0.1' });
    const res = await call(app2, '/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'unavailable', message: 'database: connection refused' });
    await app2.close();
  });
});
});
