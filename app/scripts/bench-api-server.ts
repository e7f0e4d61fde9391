// The API under benchmark, in its own process (as deployed: the load generator must not share its event loop):
// seeds a year of history into PostgreSQL (DATABASE_URL) or in-memory PGlite, then serves the API and the ops
// listener on free ports and prints one JSON line { port, opsPort, seedMs }.
import { buildOpsServer, buildServer } from '../src/api/server';
import { connectPglite, connectPostgres } from '../src/db';
import { createMetrics } from '../src/metrics';
import { migrate } from '../src/migrate';
import { seedHistory } from './bench-api-seed';

async function main() {
  const o = JSON.parse(process.env.BENCH_SEED!) as { cases: number; engineers: number; cycles: number; statsCacheSeconds: number };
  const db = process.env.DATABASE_URL ? connectPostgres(process.env.DATABASE_URL, 10) : await connectPglite();
  await migrate(db);
  const t0 = performance.now();
  await seedHistory(db, { ...o, now: new Date() });
  const seedMs = Math.round(performance.now() - t0);
  const metrics = createMetrics(db);
  const app = await buildServer({ db, metrics, atRiskMinutes: 30, statsCacheSeconds: o.statsCacheSeconds });
  const ops = await buildOpsServer({ db, metrics, atRiskMinutes: 30 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  await ops.listen({ port: 0, host: '127.0.0.1' });
  const port = (s: typeof app) => (s.server.address() as { port: number }).port;
  process.stdout.write(JSON.stringify({ port: port(app), opsPort: port(ops), seedMs }) + '\n');
  process.once('SIGTERM', () => void Promise.all([app.close(), ops.close()]).then(() => db.close()).finally(() => process.exit(0)));
}

void main().catch((err) => {
  process.stderr.write(`bench server failed: ${(err as Error).message}\n`);
  process.exit(1);
});
