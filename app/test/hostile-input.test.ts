// Hostile input against the HTTP API (PostgreSQL): bounds on every query parameter, NUL bytes, no SQL or parameter
// values in logs, authentication of the public routes, probes kept out of the info log.
import type { FastifyInstance } from 'fastify';
import { buildOpsServer, buildServer, type ServerOptions } from '../src/api/server';
import { connectPostgres, type Db } from '../src/db';
import { describeError } from '../src/log';
import { createMetrics } from '../src/metrics';
import { migrate } from '../src/migrate';
import { describePg, startPostgres, type TestPostgres } from './postgres';
import { runCycle } from '../src/cycle';
import { LOG_EXCERPT_CHARS, createLogger, silentLogger } from '../src/log';
import { SqlStore } from '../src/store/sql-store';
import { CFG, MONDAY_10, eng } from './fixtures';
import { FlakySink, ScriptedQueue, record } from './helpers';

const lastCycle = async () => (await db.query<{ id: number }>(`SELECT max(id) AS id FROM cycles`)).rows[0].id;

let pg: TestPostgres;
let db: Db;
const servers: FastifyInstance[] = [];

async function serve(o: Partial<ServerOptions> & { ops?: boolean } = {}): Promise<{ get: (path: string, headers?: Record<string, string>) => Promise<{ status: number; body: string }>; logs: string[] }> {
  const logs: string[] = [];
  const opts: ServerOptions = { db, metrics: createMetrics(db, { defaultMetrics: false }), atRiskMinutes: 30, logger: { level: 'info', stream: { write: (l: string) => void logs.push(l) } }, ...o };
  const app = o.ops ? await buildOpsServer(opts) : await buildServer(opts);
  await app.listen({ port: 0, host: '127.0.0.1' });
  servers.push(app);
  const port = (app.server.address() as { port: number }).port;
  return {
    logs,
    get: async (path, headers = {}) => {
      const r = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
      return { status: r.status, body: await r.text() };
    },
  };
}

describePg('hostile input', () => {
  beforeAll(async () => {
    pg = await startPostgres();
    db = connectPostgres(await pg.newDatabase());
    await migrate(db);
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await db?.close();
    pg?.stop();
  });

  it.each([
    ['/cases?offset=9223372036854775808', 'offset'],
    ['/cases?offset=10001', 'offset'],
    ['/cases?limit=1e30', 'limit'],
    [`/cases?engineer=${'e'.repeat(201)}`, 'engineer'],
    ['/cases?since=0000-99-99T00:00:00Z', 'since'],
    ['/cases?product=%00', 'NUL'],
    ['/cases/a%00b', 'NUL'],
    ['/stats?x=%00', 'NUL'],
  ])('%s -> 400 with a message', async (path, word) => {
    const s = await serve();
    const r = await s.get(path);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toEqual({ error: 'Bad Request', message: expect.stringContaining(word) });
  });

  it('logs a failing query without its SQL or parameter values, and answers a generic 500', async () => {
    // A real PostgreSQL error whose message quotes the parameter value.
    const leaky = { ...db, query: () => db.query(`SELECT $1::int AS n, 'select-marker' AS s`, ['secret-param-value']) } as unknown as Db;
    const s = await serve({ db: leaky, statsCacheSeconds: 0 });
    const r = await s.get('/stats');
    expect(r.status).toBe(500);
    expect(JSON.parse(r.body)).toEqual({ error: 'Internal Server Error', message: 'internal error' });
    const text = s.logs.join('');
    expect(text).toContain('"code":"22P02"');
    expect(text).not.toMatch(/secret-param-value|select-marker|SELECT/);
  });

  it('stores and logs cycle errors without SQL or parameter values (describeError)', async () => {
    const err = await db.query(`SELECT $1::int`, ['secret-param-value']).catch((e) => e);
    expect(describeError(err)).toBe('database error 22P02: invalid input syntax for type integer: <value>');
    expect(describeError(new Error('queue API https://q/cases answered 502\nstack'))).toBe('queue API https://q/cases answered 502');
  });

  it('a queue page with a NUL byte in a record (rejected) is stored and read past, not a failed cycle re-reading it forever', async () => {
    const store = new SqlStore(db);
    const queue = new ScriptedQueue([[{ ...record('N-1'), id: 'N\u00001' }, { ...record('N-2'), note: 'a\u0000b', severity: 'Z' }, record('N-3')]]);
    const r = await runCycle({ store, queue, sink: new FlakySink(), engineers: [eng('ana')], policyConfig: CFG, log: silentLogger }, MONDAY_10);
    expect(r.error).toBeNull();
    expect(r.skipped).toBe(2);
    expect((await db.query<{ id: string }>(`SELECT id FROM cases WHERE id LIKE 'N%' ORDER BY id`)).rows.map((x) => x.id)).toEqual(['N-3']);
    const stored = (await db.query<{ reason: string; record: string }>(`SELECT reason, record::text AS record FROM rejected_records WHERE cycle_id = $1 ORDER BY id`, [await lastCycle()])).rows;
    expect(stored.map((x) => x.reason)).toEqual(['NUL byte in a field', expect.stringMatching(/^invalid severity/)]);
    expect(stored.map((x) => x.record).join('')).not.toMatch(/\\u0000/);
  });

  it('logs a rejected queue record as a bounded excerpt, not whole (a broken queue must not flood the logs)', async () => {
    const store = new SqlStore(db);
    const lines: string[] = [];
    const log = createLogger({}, 'info', (l) => void lines.push(l));
    const huge = { ...record('H-1'), severity: 'Z', note: 'x'.repeat(1_000_000) };
    const r = await runCycle({ store, queue: new ScriptedQueue([[huge, record('H-2')]]), sink: new FlakySink(), engineers: [eng('ana')], policyConfig: CFG, log }, MONDAY_10);
    expect(r.skipped).toBe(1);
    const skipped = lines.filter((l) => l.includes('queue record skipped'));
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.length).toBeLessThan(LOG_EXCERPT_CHARS + 400);
    expect(skipped[0]).toMatch(/\(\d+ characters\)/);
  });

  it('logs requests at info, probes only at debug', async () => {
    const requests = (logs: string[]) => logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
    const s = await serve({ ops: true });
    await s.get('/healthz');
    await s.get('/readyz');
    expect(requests(s.logs)).toEqual([]);
    const api = await serve();
    await api.get('/engineers');
    expect(requests(api.logs)).toEqual([expect.objectContaining({ level: 30, route: '/engineers', status: 200 })]);
  });

  describe('authentication of the public routes', () => {
    const token = 'a-long-enough-test-token-0123456789';

    it('bearer: no or a wrong token is refused (401, nothing echoed), the right one passes; probes need none', async () => {
      const s = await serve({ auth: { mode: 'bearer', tokens: [token], userHeader: 'x-auth-request-email' } });
      expect((await s.get('/engineers')).status).toBe(401);
      const wrong = await s.get('/engineers', { authorization: 'Bearer guessed-token-value' });
      expect(wrong.status).toBe(401);
      expect(wrong.body).not.toContain('guessed-token-value');
      expect((await s.get('/engineers', { authorization: `Bearer ${token}` })).status).toBe(200);
      expect((await s.get('/cases?limit=1', { authorization: `bearer ${token}` })).status).toBe(200);
      const ops = await serve({ ops: true });
      expect((await ops.get('/healthz')).status).toBe(200);
    });

    it('forward-auth: the ingress sets the user header; without it (around the ingress) 401, or a bearer token', async () => {
      const s = await serve({ auth: { mode: 'forward-auth', tokens: [token], userHeader: 'x-auth-request-email' } });
      expect((await s.get('/stats')).status).toBe(401);
      expect((await s.get('/stats', { 'x-auth-request-email': 'ana@example.com' })).status).toBe(200);
      expect((await s.get('/stats', { authorization: `Bearer ${token}` })).status).toBe(200);
    });
  });
});
