#!/usr/bin/env node
// case-assigner: serve | assign --once | worker | migrate | simulate | check-settings
import { parseArgs } from 'node:util';
import { buildServer } from './api/server';
import { cycleDeps, openDatabase, webDist } from './app';
import { runCycle } from './cycle';
import { createLogger, type Logger } from './log';
import { createMetrics } from './metrics';
import { migrate } from './migrate';
import { loadSettings, SettingsError, DEFAULT_SETTINGS_PATH } from './settings';
import { loadScenario } from './sim/scenario';
import { simulate, formatTable } from './sim/run';
import type { Db } from './db';

const USAGE = `usage: case-assigner <command> [options]

commands:
  serve [--with-worker]   HTTP API (port 8000) and the built web UI; --with-worker also runs cycles in-process
  assign --once           run one assignment cycle and exit (what the Kubernetes CronJob runs); exit 1 if it failed
  worker                  run a cycle every pollIntervalSeconds until SIGTERM
  migrate                 apply pending database migrations
  simulate --scenario F   replay a scenario under the 'ours' and 'round-robin' policies [--json]
  check-settings          validate the settings file and exit

options:
  --settings PATH         settings file (default $CASE_ASSIGNER_SETTINGS or ${DEFAULT_SETTINGS_PATH})
  --database-url URL      PostgreSQL (default $DATABASE_URL); without one, embedded PGlite (in memory, or --data-dir)
  --data-dir DIR          PGlite data directory (embedded mode)
  --port N, --host H      listen address for serve (default $PORT or 8000, 0.0.0.0)
`;

const { values: o, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    settings: { type: 'string' }, 'database-url': { type: 'string' }, 'data-dir': { type: 'string' },
    port: { type: 'string' }, host: { type: 'string' }, once: { type: 'boolean' }, 'with-worker': { type: 'boolean' },
    scenario: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  },
});

async function withDb<T>(log: Logger, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDatabase({ databaseUrl: o['database-url'], dataDir: o['data-dir'] });
  if (db.kind === 'pglite') {
    // Embedded mode has no separate migration step.
    const applied = await migrate(db);
    log.info('embedded PGlite database ready', { applied });
  }
  return fn(db);
}

/** Runs cycles every pollIntervalSeconds; resolves a stop function. */
function startWorker(db: Db, log: Logger, observe?: Parameters<typeof cycleDeps>[3]): () => Promise<void> {
  const settings = loadSettings(o.settings);
  const deps = cycleDeps(db, settings, log, observe);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = runCycle(deps)
      .catch((err) => log.error('cycle crashed', { error: (err as Error).message }))
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

async function main(): Promise<number> {
  const cmd = positionals[0];
  if (o.help || !cmd) {
    process.stdout.write(USAGE);
    return cmd || o.help ? 0 : 2;
  }
  const log = createLogger({ service: 'case-assigner', command: cmd });
  switch (cmd) {
    case 'check-settings': {
      const s = loadSettings(o.settings);
      log.info('settings valid', { engineers: s.engineerList.length, policyVersion: s.policy.version });
      return 0;
    }
    case 'migrate':
      return withDb(log, async (db) => {
        const applied = db.kind === 'postgres' ? await migrate(db) : [];
        log.info('migrations applied', { applied });
        await db.close();
        return 0;
      });
    case 'assign': {
      if (!o.once) throw new Error('assign needs --once (use `worker` for a loop)');
      const settings = loadSettings(o.settings);
      return withDb(log, async (db) => {
        const r = await runCycle(cycleDeps(db, settings, log));
        await db.close();
        return r.outcome === 'ok' ? 0 : 1;
      });
    }
    case 'worker':
      return withDb(log, async (db) => {
        const stop = startWorker(db, log);
        await new Promise<void>((resolve) => ['SIGTERM', 'SIGINT'].forEach((sig) => process.once(sig, () => resolve())));
        await stop();
        await db.close();
        return 0;
      });
    case 'serve': {
      const settings = loadSettings(o.settings);
      return withDb(log, async (db) => {
        const metrics = createMetrics(db);
        const app = await buildServer({ db, metrics, atRiskMinutes: settings.atRiskMinutes, webDist: webDist(), logger: true });
        const stopWorker = o['with-worker'] ? startWorker(db, log, (e) => metrics.observeCycle(e)) : async () => undefined;
        await app.listen({ port: Number(o.port ?? process.env.PORT ?? 8000), host: o.host ?? '0.0.0.0' });
        await new Promise<void>((resolve) => ['SIGTERM', 'SIGINT'].forEach((sig) => process.once(sig, () => resolve())));
        await stopWorker();
        await app.close();
        await db.close();
        return 0;
      });
    }
    case 'simulate': {
      if (!o.scenario) throw new Error('simulate needs --scenario <file>');
      const result = await simulate(loadScenario(o.scenario));
      process.stdout.write(o.json ? JSON.stringify(result, null, 2) + '\n' : formatTable(result) + '\n');
      return 0;
    }
    default:
      process.stderr.write(`unknown command "${cmd}"\n${USAGE}`);
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof SettingsError) process.stderr.write(err.message + '\n');
    else createLogger({ service: 'case-assigner' }).error('fatal', { error: (err as Error).message, stack: (err as Error).stack });
    process.exit(1);
  },
);
