// Settings that govern how the tool runs against real APIs and a real database (not the assignment policy):
// queue reading, outbox retries, database timeouts, readiness, retention, API authentication. Part of settings.yaml;
// every field has a default, so the demo settings need none of them.
import { z } from 'zod';

export const paginationSchema = z.strictObject({
  /** Dot path of the next page's token or cursor in a response; empty/absent = last page. */
  nextPath: z.string().min(1),
  /** Query parameter that sends it back. */
  param: z.string().min(1),
  pageSizeParam: z.string().min(1).optional(),
  pageSize: z.number().int().min(1).max(10_000).optional(),
});

export const readingSchema = z.strictObject({
  overlapSeconds: z.number().int().min(0).max(86_400).default(120),
  maxPagesPerCycle: z.number().int().min(1).max(10_000).default(50),
  /** 0 = never (needs queue.listsAllOpenCases). */
  fullSweepEveryMinutes: z.number().int().min(0).max(10_080).default(60),
  reconcileLimit: z.number().int().min(1).max(100_000).default(500),
});

export const outboxSchema = z.strictObject({
  maxAttempts: z.number().int().min(1).max(1000).default(10),
  baseBackoffSeconds: z.number().min(0.001).max(3600).default(30),
  maxBackoffSeconds: z.number().min(1).max(86_400).default(3600),
  leaseSeconds: z.number().int().min(5).max(3600).default(120),
  batch: z.number().int().min(1).max(1000).default(32),
  /** Posts in flight at once per worker: a crash repeats at most this many. */
  concurrency: z.number().int().min(1).max(64).default(4),
  maxConsecutiveFailures: z.number().int().min(1).max(1000).default(5),
});

/** Server-side timeouts on every PostgreSQL connection (no stall: a frozen worker's session is ended by the server). */
export const databaseSchema = z.strictObject({
  lockTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
  statementTimeoutMs: z.number().int().min(100).max(3_600_000).default(60_000),
  idleInTransactionTimeoutMs: z.number().int().min(100).max(3_600_000).default(15_000),
  /** TCP keepalive probes start after this idle time (a dead peer is noticed). */
  keepAliveInitialDelayMs: z.number().int().min(1000).max(600_000).default(10_000),
  poolSize: z.number().int().min(1).max(100).default(5),
});

export const cycleSchema = z.strictObject({
  /** No new page, lookup or post is started after this; cycles still running after twice this are reaped. */
  deadlineSeconds: z.number().int().min(5).max(3600).default(120),
});

export const readinessSchema = z.strictObject({
  /** /readyz turns red when no cycle finished ok for this many poll intervals (0 = only the database is checked). */
  maxCycleAgeIntervals: z.number().int().min(0).max(1000).default(5),
});

export const retentionSchema = z.strictObject({
  /** Resolved cases, their decisions and assignments, cycles and rejected records older than this are deleted. */
  days: z.number().int().min(30).max(3650).default(400),
});

export const apiAuthSchema = z.strictObject({
  /**
   * none: no authentication (the demo, bound to 127.0.0.1; or an ingress that authenticates, e.g. Traefik
   * forward-auth to Entra ID). bearer: every public route needs `Authorization: Bearer <token>` with a token from
   * tokensFile (one per line, a mounted Secret) or tokensEnv (comma-separated).
   */
  mode: z.enum(['none', 'bearer', 'forward-auth']).default('none'),
  tokensFile: z.string().startsWith('/', 'an absolute path to a mounted secret file').optional(),
  tokensEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name').optional(),
  /** forward-auth: the header the authenticating proxy sets (oauth2-proxy: X-Auth-Request-Email). */
  userHeader: z.string().regex(/^[A-Za-z0-9-]+$/, 'an HTTP header name').default('X-Auth-Request-Email'),
}).refine((a) => a.mode !== 'bearer' || a.tokensFile || a.tokensEnv, 'mode bearer needs tokensFile or tokensEnv');

export const apiSchema = z.strictObject({
  auth: apiAuthSchema.default({ mode: 'none', userHeader: 'X-Auth-Request-Email' }),
  /** Seconds /stats answers are reused (single flight); 0 = computed per request. */
  statsCacheSeconds: z.number().min(0).max(300).default(2),
});

export const runtimeKeys = {
  reading: readingSchema.default(readingSchema.parse({})),
  outbox: outboxSchema.default(outboxSchema.parse({})),
  database: databaseSchema.default(databaseSchema.parse({})),
  cycle: cycleSchema.default(cycleSchema.parse({})),
  readiness: readinessSchema.default(readinessSchema.parse({})),
  retention: retentionSchema.default(retentionSchema.parse({})),
  api: apiSchema.default(apiSchema.parse({})),
};

/** Keys whose values are never shown in an error (tokens, passwords, URLs that may carry credentials). */
export const SENSITIVE_KEY = /token|secret|password|passwd|credential|apikey|api_key|authorization|cookie/i;

/**
 * A URL's user-info and its query/fragment values may be credentials (`?code=`, `?sig=`, `#access_token=`): errors
 * show the URL with those values replaced, parameter names kept so the reader still sees which one is wrong.
 */
export function redactUrl(v: string): string {
  return v
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1<redacted>@')
    .replace(/([?&#][^=&#\s]*=)[^&#\s]*/g, '$1<redacted>');
}
