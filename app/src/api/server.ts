// The HTTP API (Fastify): JSON schemas on every route, an OpenAPI document, Prometheus metrics, the built web UI.
import { existsSync } from 'node:fs';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Db } from '../db';
import type { Metrics } from '../metrics';
import { getCase, listCases, listEngineers, stats, type SortField } from './queries';
import * as S from './schemas';

export interface ServerOptions {
  readonly db: Db;
  readonly metrics: Metrics;
  readonly atRiskMinutes: number;
  /** Built UI (web/dist); served at / when present. */
  readonly webDist?: string;
  /** Fastify's pino logger: JSON lines. `false` in tests. */
  readonly logger?: boolean;
  readonly clock?: () => Date;
}

export async function buildServer(o: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: o.logger ?? false, ajv: { customOptions: { coerceTypes: true, removeAdditional: false } } });
  const now = o.clock ?? (() => new Date());

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'case-assigner', version: '1.0.0', description: 'Skill- and SLA-aware fair case assignment: cases, decisions ("why this case went to whom"), dashboard statistics.' },
    },
    refResolver: { buildLocalReference: (json, _base, _frag, i) => (json.$id as string) || `def-${i}` },
  });
  for (const s of [S.errorSchema, S.caseViewSchema, S.candidateSchema, S.decisionSchema, S.caseDetailSchema, S.caseListSchema, S.statsSchema, S.engineerListSchema]) app.addSchema(s);

  // One error shape for every failure: { error, message }. Validation problems are the client's: 400.
  app.setErrorHandler((err: { validation?: unknown; statusCode?: number; message: string }, req, reply) => {
    const status = err.validation ? 400 : err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    void reply.code(status).send({ error: status === 400 ? 'Bad Request' : status === 404 ? 'Not Found' : status < 500 ? 'Client Error' : 'Internal Server Error', message: status >= 500 ? 'internal error' : err.message });
  });
  app.setNotFoundHandler((req, reply) => void reply.code(404).send({ error: 'Not Found', message: `no route ${req.method} ${req.url.split('?')[0]}` }));

  app.addHook('onResponse', async (req, reply) => {
    o.metrics.httpDuration.observe({ method: req.method, route: req.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  const err = { 400: { $ref: 'Error#' } };

  app.get('/cases', { schema: { summary: 'List cases', tags: ['cases'], querystring: S.caseListQuery, response: { 200: { $ref: 'CaseList#' }, ...err } } }, async (req) => {
    const q = req.query as { engineer?: string; product?: string; severity?: string; status?: string; since?: string; limit: number; offset: number; sort: string };
    const [sort, dir] = q.sort.split(':') as [SortField, 'asc' | 'desc'];
    return listCases(o.db, { ...q, since: q.since ? new Date(q.since) : undefined, sort, dir }, now(), o.atRiskMinutes);
  });

  app.get('/cases/:id', {
    schema: { summary: 'One case with its decision log', tags: ['cases'], params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 200 } } }, response: { 200: { $ref: 'CaseDetail#' }, 404: { $ref: 'Error#' } } },
  }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const c = await getCase(o.db, id, now(), o.atRiskMinutes);
    return c ?? reply.code(404).send({ error: 'Not Found', message: `no case ${id}` });
  });

  app.get('/stats', { schema: { summary: 'Dashboard statistics', tags: ['stats'], response: { 200: { $ref: 'Stats#' } } } }, async () => stats(o.db, now(), o.atRiskMinutes));
  app.get('/engineers', { schema: { summary: 'Configured engineers', tags: ['engineers'], response: { 200: { $ref: 'EngineerList#' } } } }, async () => listEngineers(o.db));

  const statusSchema = { type: 'object', required: ['status'], properties: { status: { type: 'string' }, message: { type: 'string' } } };
  app.get('/healthz', { schema: { summary: 'Liveness', tags: ['ops'], response: { 200: statusSchema } } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { summary: 'Readiness: the database answers', tags: ['ops'], response: { 200: statusSchema, 503: statusSchema } } }, async (_req, reply) => {
    try {
      await o.db.query('SELECT 1 FROM schema_migrations LIMIT 1');
      return { status: 'ready' };
    } catch (e) {
      return reply.code(503).send({ status: 'unavailable', message: `database: ${(e as Error).message}` });
    }
  });
  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['ops'], produces: ['text/plain'], response: { 200: { type: 'string' } } } }, async (_req, reply) => {
    await o.metrics.refresh();
    return reply.type(o.metrics.registry.contentType).send(await o.metrics.registry.metrics());
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  if (o.webDist && existsSync(o.webDist)) {
    // Loaded only when there is a UI to serve: a dependency of @fastify/static is ESM-only (fine for Node >= 20.19).
    const { default: fastifyStatic } = await import('@fastify/static');
    await app.register(fastifyStatic, { root: o.webDist, prefix: '/', index: ['index.html'] });
  }
  return app;
}
