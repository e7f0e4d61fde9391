// The HTTP API (Fastify): JSON schemas on every route, an OpenAPI document, the built web UI; and, on a separate
// listener, the operations routes (probes, Prometheus metrics) that must not be public.
import { existsSync } from 'node:fs';
import fastifySwagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Db } from '../db';
import type { Metrics } from '../metrics';
import { NO_AUTH, checkAuth, type AuthConfig } from './auth';
import { getCase, listCases, listEngineers, stats, type SortField } from './queries';
import * as S from './schemas';

export interface ServerOptions {
  readonly db: Db;
  readonly metrics: Metrics;
  readonly atRiskMinutes: number;
  /** Built UI (web/dist); served at / when present. */
  readonly webDist?: string;
  /** Fastify's pino logger (JSON lines) at this level (LOG_LEVEL); `false` (tests) = none. */
  readonly logger?: boolean | { level: string; stream?: { write(line: string): void } };
  readonly clock?: () => Date;
  /** Authentication of the public routes (default: none). */
  readonly auth?: AuthConfig;
  /** Also mount the operations routes on this server (tests, or a single listener); default false. */
  readonly opsRoutes?: boolean;
  /** Readiness: red when no cycle finished ok for this long (0 = database only). */
  readonly maxCycleAgeSeconds?: number;
  /** Seconds a /stats answer is reused (single flight); default 2, 0 = per request. */
  readonly statsCacheSeconds?: number;
}

/** Probes are polled every few seconds: logged at debug, everything else at info. */
const PROBES = new Set(['/healthz', '/readyz', '/metrics']);

function fastifyOptions(o: ServerOptions): FastifyServerOptions {
  const logger = o.logger === undefined || o.logger === false ? false : o.logger === true ? { level: process.env.LOG_LEVEL || 'info' } : o.logger;
  return {
    logger: logger ? { ...logger, redact: ['req.headers.authorization', 'req.headers.cookie'] } : false,
    // Fastify's own per-request lines are off: the onResponse hook logs one line, probes at debug.
    logController: new LogController({ disableRequestLogging: true }),
    // Bounded input: long path parameters and bodies are refused before routing.
    routerOptions: { maxParamLength: 200 },
    bodyLimit: 16 * 1024,
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false } },
  };
}

/** Database errors carry SQL fragments and parameter values (`where`, `detail`): only the code and routine are logged. */
function safeError(err: unknown): Record<string, unknown> {
  const e = err as { code?: unknown; routine?: unknown; name?: unknown; message?: unknown; severity?: unknown };
  if (typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && e.severity !== undefined) return { kind: 'database', code: e.code, routine: e.routine };
  return { kind: typeof e?.name === 'string' ? e.name : 'Error', message: typeof e?.message === 'string' ? e.message.split('\n')[0].slice(0, 200) : undefined };
}

function common(app: FastifyInstance, o: ServerOptions): void {
  // One error shape for every failure: { error, message }. Validation problems are the client's: 400.
  app.setErrorHandler((err: { validation?: unknown; statusCode?: number; message: string }, req, reply) => {
    const status = err.validation ? 400 : err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ route: req.routeOptions.url, error: safeError(err) }, 'request failed');
    void reply.code(status).send({ error: status === 400 ? 'Bad Request' : status === 401 ? 'Unauthorized' : status === 404 ? 'Not Found' : status < 500 ? 'Client Error' : 'Internal Server Error', message: status >= 500 ? 'internal error' : err.message });
  });
  app.setNotFoundHandler((req, reply) => void reply.code(404).send({ error: 'Not Found', message: `no route ${req.method} ${req.url.split('?')[0].slice(0, 200)}` }));
  // PostgreSQL text cannot hold NUL: refuse it up front (it used to reach the database and answer 500).
  app.addHook('onRequest', async (req, reply) => {
    if (/%00|\u0000/i.test(req.url)) return reply.code(400).send({ error: 'Bad Request', message: 'NUL bytes are not allowed in the URL' });
    return undefined;
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    o.metrics.httpDuration.observe({ method: req.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    const line = { method: req.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 };
    if (PROBES.has(route)) req.log.debug(line, 'request');
    else req.log.info(line, 'request');
  });
}

/** A value reused for `ttlMs`, computed once however many requests arrive meanwhile. */
function singleFlight<T>(ttlMs: number, fn: () => Promise<T>): () => Promise<T> {
  let at = 0;
  let p: Promise<T> | null = null;
  return () => {
    const t = Date.now();
    if (!p || t - at > ttlMs) {
      at = t;
      p = fn().catch((err) => {
        p = null;
        throw err;
      });
    }
    return p;
  };
}

export async function buildServer(o: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify(fastifyOptions(o));
  const now = o.clock ?? (() => new Date());
  const auth = o.auth ?? NO_AUTH;

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'case-assigner', version: '1.0.0', description: 'Skill- and SLA-aware fair case assignment: cases, decisions ("why this case went to whom"), dashboard statistics.' },
      ...(auth.mode !== 'none' ? { components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } }, security: [{ bearer: [] }] } : {}),
    },
    refResolver: { buildLocalReference: (json, _base, _frag, i) => (json.$id as string) || `def-${i}` },
  });
  for (const s of [S.errorSchema, S.caseViewSchema, S.candidateSchema, S.decisionSchema, S.caseDetailSchema, S.caseListSchema, S.statsSchema, S.engineerListSchema]) app.addSchema(s);
  common(app, o);
  if (auth.mode !== 'none') {
    app.addHook('onRequest', async (req, reply) => {
      const why = checkAuth(auth, req.headers);
      if (why) return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'Unauthorized', message: why });
      return undefined;
    });
  }

  const err = { 400: { $ref: 'Error#' } };

  app.get('/cases', { schema: { summary: 'List cases', tags: ['cases'], querystring: S.caseListQuery, response: { 200: { $ref: 'CaseList#' }, ...err } } }, async (req) => {
    const q = req.query as { engineer?: string; product?: string; severity?: string; status?: string; since?: string; limit: number; offset: number; sort: string };
    const [sort, dir] = q.sort.split(':') as [SortField, 'asc' | 'desc'];
    return listCases(o.db, { ...q, since: q.since ? new Date(q.since) : undefined, sort, dir }, now(), o.atRiskMinutes);
  });

  app.get('/cases/:id', {
    schema: { summary: 'One case with its decision log', tags: ['cases'], params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 200 } } }, response: { 200: { $ref: 'CaseDetail#' }, 404: { $ref: 'Error#' }, ...err } },
  }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const c = await getCase(o.db, id, now(), o.atRiskMinutes);
    return c ?? reply.code(404).send({ error: 'Not Found', message: `no case ${id}` });
  });

  const cachedStats = singleFlight((o.statsCacheSeconds ?? 2) * 1000, () => stats(o.db, now(), o.atRiskMinutes));
  app.get('/stats', { schema: { summary: 'Dashboard statistics (reused for statsCacheSeconds)', tags: ['stats'], response: { 200: { $ref: 'Stats#' } } } }, async () => cachedStats());
  // Engineers change only when settings change (synced each cycle): reused like /stats.
  const cachedEngineers = singleFlight((o.statsCacheSeconds ?? 2) * 1000, () => listEngineers(o.db));
  app.get('/engineers', { schema: { summary: 'Configured engineers', tags: ['engineers'], response: { 200: { $ref: 'EngineerList#' } } } }, async () => cachedEngineers());
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  if (o.opsRoutes) opsRoutes(app, o);

  if (o.webDist && existsSync(o.webDist)) {
    // Loaded only when there is a UI to serve: a dependency of @fastify/static is ESM-only (fine for Node >= 20.19).
    const { default: fastifyStatic } = await import('@fastify/static');
    await app.register(fastifyStatic, { root: o.webDist, prefix: '/', index: ['index.html'] });
  }
  return app;
}

/** The operations listener: /healthz, /readyz, /metrics. Not routed by the ingress; no authentication. */
export async function buildOpsServer(o: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify(fastifyOptions(o));
  common(app, o);
  opsRoutes(app, o);
  return app;
}

function opsRoutes(app: FastifyInstance, o: ServerOptions): void {
  const clock = () => (o.clock ? o.clock().getTime() : Date.now());
  const startedAt = clock();
  const statusSchema = { type: 'object', required: ['status'], properties: { status: { type: 'string' }, message: { type: 'string' } } };
  app.get('/healthz', { schema: { summary: 'Liveness', tags: ['ops'], response: { 200: statusSchema } } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { summary: 'Readiness: the database answers and cycles complete', tags: ['ops'], response: { 200: statusSchema, 503: statusSchema } } }, async (req, reply) => {
    let last: Date | null;
    try {
      await o.db.query('SELECT 1 FROM schema_migrations LIMIT 1');
      const r = await o.db.query<{ t: Date | null }>(`SELECT max(finished_at) AS t FROM cycles WHERE outcome = 'ok'`);
      last = r.rows[0]?.t ? new Date(r.rows[0].t) : null;
    } catch (e) {
      (req.log as FastifyBaseLogger).warn({ error: safeError(e) }, 'readiness: database check failed');
      const code = (e as { code?: string }).code;
      return reply.code(503).send({ status: 'unavailable', message: `database: ${code && /^[0-9A-Z]{5}$/.test(code) ? `error ${code}` : (e as Error).message.split('\n')[0].slice(0, 200)}` });
    }
    const max = (o.maxCycleAgeSeconds ?? 0) * 1000;
    // A stalled worker (or CronJob) must show: red when no cycle completed in N intervals, after a start-up grace.
    const t = clock();
    if (max > 0 && t - startedAt > max && (!last || t - last.getTime() > max)) {
      return reply.code(503).send({ status: 'unavailable', message: `no assignment cycle completed in the last ${Math.round(max / 1000)} s` });
    }
    return { status: 'ready' };
  });
  // Rendered once a second at most, however many scrapers (or a burst) ask.
  const rendered = singleFlight(1000, async () => {
    await o.metrics.refresh();
    return o.metrics.registry.metrics();
  });
  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['ops'], produces: ['text/plain'], response: { 200: { type: 'string' } } } }, async (_req, reply) => {
    return reply.type(o.metrics.registry.contentType).send(await rendered());
  });
}
