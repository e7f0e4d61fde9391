#!/usr/bin/env node
// case-assigner: serve | assign --once | worker | migrate | purge | redrive | simulate | check-settings
import { parseArgs } from 'node:util';
import { loadTokens, NO_AUTH, type AuthConfig } from './api/auth';
import { buildOpsServer, buildServer } from './api/server';
import { adapters, cycleDeps, openDatabase, webDist } from './app';
import { parseRecords } from './queue/records';
import { runCycle } from './cycle';
import { createLogger, describeError } from './log';
import { redactUrl } from './settings-runtime';
import { createMetrics } from './metrics';
import { migrate } from './migrate';
import { loadSettings, SettingsError, DEFAULT_SETTINGS_PATH, type Settings } from './settings';
import { settingsWarnings } from './settings-check';
import { loadScenario } from './sim/scenario';
import { simulate, formatTable } from './sim/run';
import { SqlStore } from './store/sql-store';
import type { Db } from './db';

const USAGE = `usage: case-assigner <command> [options]

commands:
  serve [--with-worker]   HTTP API and the built web UI (port 8000), probes and /metrics on a separate port (9464);
                          --with-worker also runs cycles in-process
  assign --once           run one assignment cycle and exit (what the Kubernetes CronJob runs); exit 1 if it failed
  worker                  run a cycle every pollIntervalSeconds until SIGTERM (and the retention purge daily;
                          assign --once runs it too when a day has passed)
  migrate                 apply pending database migrations
  purge                   delete history older than retention.days (resolved cases, decisions, cycles)
  redrive                 put dead-lettered assignments back in the outbox (after fixing the cause) [--id N]
  simulate --scenario F   replay a scenario under the 'ours' and 'round-robin' policies [--json]
  check-settings          validate the settings file and exit; warns about readiness keys no queue product uses
                          [--queue-products a,b,c | --from-queue (reads one page of the queue API)]

options:
  --settings PATH         settings file (default $CASE_ASSIGNER_SETTINGS or ${DEFAULT_SETTINGS_PATH})
  --database-url URL      PostgreSQL (default $DATABASE_URL); without one, embedded PGlite (in memory, or --data-dir)
  --data-dir DIR          PGlite data directory (embedded mode)
  --port N, --host H      public listener (default $PORT or 8000, $HOST or 127.0.0.1)
  --ops-port N            probes and metrics listener (default $OPS_PORT or 9464, same host)
`;

/** A mistake on the command line: one line, then the usage; exit 2. Never a stack trace. */
class UsageError extends Error {}

function parse() {
  try {
    return parseArgs({
      allowPositionals: true,
      strict: true,
      options: {
        settings: { type: 'string' }, 'database-url': { type: 'string' }, 'data-dir': { type: 'string' },
        port: { type: 'string' }, host: { type: 'string' }, 'ops-port': { type: 'string' }, once: { type: 'boolean' }, 'with-worker': { type: 'boolean' },
        scenario: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, 'queue-products': { type: 'string' }, 'from-queue': { type: 'boolean' }, id: { type: 'string' },
      },
    });
  } catch (err) {
    // node:util's messages name the option; they never contain option values beyond the flag itself.
    throw new UsageError((err as Error).message.split('\n')[0].replace(/\. To specify a positional argument.*$/, ''));
  }
}

function port(value: string | undefined, name: string, fallback: number): number {
  const v = value ?? fallback.toString();
  if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw new UsageError(`${name} must be a port number 0..65535 (got "${v.slice(0, 20)}")`);
  return Number(v);
}

function authConfig(s: Settings): AuthConfig {
  const a = s.api.auth;
  if (a.mode === 'none') return NO_AUTH;
  const tokens = a.tokensFile || a.tokensEnv ? loadTokens(a) : [];
  return { mode: a.mode, tokens, userHeader: a.userHeader.toLowerCase() };
}

const isLoopback = (h: string) => h === '127.0.0.1' || h === '::1' || h === 'localhost';

async function main(): Promise<number> {
  const { values: o, positionals } = parse();
  const cmd = positionals[0];
  if (o.help || !cmd) {
    process.stdout.write(USAGE);
    return cmd || o.help ? 0 : 2;
  }
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1].slice(0, 40)}"`);
  const log = createLogger({ service: 'case-assigner', command: cmd });

  async function withDb<T>(settings: Settings | null, fn: (db: Db) => Promise<T>): Promise<T> {
    const db = await openDatabase({ databaseUrl: o['database-url'], dataDir: o['data-dir'], timeouts: settings?.database });
    if (db.kind === 'pglite') {
      // Embedded mode has no separate migration step.
      const applied = await migrate(db);
      log.info('embedded PGlite database ready', { applied });
    }
    return fn(db);
  }

  async function purgeIfDue(db: Db, settings: Settings): Promise<void> {
    const r = await new SqlStore(db).purgeIfDue(new Date(), settings.retention.days);
    if (r) log.info('retention purge', { retentionDays: settings.retention.days, ...r });
  }

  /** Runs cycles every pollIntervalSeconds (and the retention purge once a day); resolves a stop function. */
  function startWorker(db: Db, settings: Settings, observe?: Parameters<typeof cycleDeps>[3]): () => Promise<void> {
    const deps = cycleDeps(db, settings, log, observe);
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<unknown> = Promise.resolve();
    const tick = () => {
      running = runCycle(deps)
        .then(() => purgeIfDue(db, settings))
        .catch((err) => log.error('cycle crashed', { error: describeError(err) }))
        .finally(() => {
          if (!stopped) timer = setTimeout(tick, settings.pollIntervalSeconds * 1000);
        });
    };
    tick();
    log.info('worker started', { pollIntervalSeconds: settings.pollIntervalSeconds });
    return async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    };
  }

  switch (cmd) {
    case 'check-settings': {
      const s = loadSettings(o.settings);
      let products = o['queue-products']?.split(',').map((p) => p.trim()).filter(Boolean);
      if (!products && o['from-queue']) {
        // One page of the real queue: the products it uses now (a sample, said so in the warning's list).
        const page = await adapters(s).queue.fetch(null, new Date(), null);
        const q = s.queue.type === 'http' ? s.queue : undefined;
        products = [...new Set(parseRecords(page.records, q?.fields, q?.resolvedStatuses).cases.map((c) => c.product))];
      }
      const warnings = settingsWarnings(s, s.engineers, products);
      for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
      log.info('settings valid', { engineers: s.engineerList.length, policyVersion: s.policy.version, warnings: warnings.length });
      return 0;
    }
    case 'migrate':
      return withDb(null, async (db) => {
        const applied = db.kind === 'postgres' ? await migrate(db) : [];
        log.info('migrations applied', { applied });
        await db.close();
        return 0;
      });
    case 'assign': {
      if (!o.once) throw new UsageError('assign needs --once (use `worker` for a loop)');
      const settings = loadSettings(o.settings);
      return withDb(settings, async (db) => {
        const r = await runCycle(cycleDeps(db, settings, log));
        // The CronJob is the only process in cronjob mode: it runs the daily retention purge too.
        await purgeIfDue(db, settings).catch((err) => log.error('retention purge failed', { error: describeError(err) }));
        await db.close();
        return r.outcome === 'ok' ? 0 : 1;
      });
    }
    case 'purge': {
      const settings = loadSettings(o.settings);
      return withDb(settings, async (db) => {
        const cutoff = new Date(Date.now() - settings.retention.days * 86_400_000);
        log.info('retention purge', { cutoff: cutoff.toISOString(), ...(await new SqlStore(db).purgeExpired(cutoff)) });
        await db.close();
        return 0;
      });
    }
    case 'redrive': {
      const settings = loadSettings(o.settings);
      if (o.id !== undefined && !/^\d{1,10}$/.test(o.id)) throw new UsageError(`--id must be an assignment id (got "${o.id.slice(0, 20)}")`);
      return withDb(settings, async (db) => {
        const n = await new SqlStore(db).redriveDeadLetters(new Date(), o.id ? [Number(o.id)] : undefined);
        log.info('dead letters back in the outbox', { redriven: n });
        await db.close();
        return 0;
      });
    }
    case 'worker': {
      const settings = loadSettings(o.settings);
      return withDb(settings, async (db) => {
        const stop = startWorker(db, settings);
        await new Promise<void>((resolve) => ['SIGTERM', 'SIGINT'].forEach((sig) => process.once(sig, () => resolve())));
        await stop();
        await db.close();
        return 0;
      });
    }
    case 'serve': {
      const host = o.host ?? process.env.HOST ?? '127.0.0.1';
      const publicPort = port(o.port ?? process.env.PORT, '--port', 8000);
      const opsPort = port(o['ops-port'] ?? process.env.OPS_PORT, '--ops-port', 9464);
      const settings = loadSettings(o.settings);
      const auth = authConfig(settings);
      if (auth.mode === 'none' && !isLoopback(host)) {
        log.warn('the API and dashboard are served without authentication on a non-loopback address: set api.auth (bearer or forward-auth) unless an authenticating ingress is the only way in', { host });
      }
      return withDb(settings, async (db) => {
        const metrics = createMetrics(db);
        const common = { db, metrics, atRiskMinutes: settings.atRiskMinutes, logger: { level: process.env.LOG_LEVEL || 'info' } };
        const app = await buildServer({ ...common, webDist: webDist(), auth, statsCacheSeconds: settings.api.statsCacheSeconds });
        const ops = await buildOpsServer({ ...common, maxCycleAgeSeconds: settings.readiness.maxCycleAgeIntervals * settings.pollIntervalSeconds });
        const stopWorker = o['with-worker'] ? startWorker(db, settings, (e) => metrics.observeCycle(e)) : async () => undefined;
        await app.listen({ port: publicPort, host });
        await ops.listen({ port: opsPort, host });
        await new Promise<void>((resolve) => ['SIGTERM', 'SIGINT'].forEach((sig) => process.once(sig, () => resolve())));
        await stopWorker();
        await app.close();
        await ops.close();
        await db.close();
        return 0;
      });
    }
    case 'simulate': {
      if (!o.scenario) throw new UsageError('simulate needs --scenario <file>');
      const result = await simulate(loadScenario(o.scenario));
      process.stdout.write(o.json ? JSON.stringify(result, null, 2) + '\n' : formatTable(result) + '\n');
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${cmd.slice(0, 40)}"`);
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError) {
      process.stderr.write(`case-assigner: ${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    if (err instanceof SettingsError) process.stderr.write(err.message + '\n');
    // The message only: stacks (and anything they quote) stay out of pod logs unless LOG_LEVEL=debug.
    else createLogger({ service: 'case-assigner' }).error('fatal', { error: redactUrl(describeError(err)).replace(/(postgres(?:ql)?:\/\/)[^@\s]*@/gi, '$1<redacted>@'), ...(process.env.LOG_LEVEL === 'debug' ? { stack: (err as Error).stack } : {}) });
    process.exit(1);
  },
);
