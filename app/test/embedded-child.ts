// Embedded mode end to end, in a plain Node process (PGlite's CommonJS build loads parts of itself with import(),
// which jest's module runtime refuses): migrate PGlite, run two cycles with the simulated queue, answer /stats.
import { buildServer } from '../src/api/server';
import { cycleDeps } from '../src/app';
import { connectPglite } from '../src/db';
import { runCycle } from '../src/cycle';
import { silentLogger } from '../src/log';
import { createMetrics } from '../src/metrics';
import { migrate } from '../src/migrate';
import { loadSettings } from '../src/settings';
import { join } from 'node:path';

async function main() {
  const db = await connectPglite();
  const applied = await migrate(db);
  const settings = loadSettings(join(__dirname, '..', 'settings.example.yaml'));
  const deps = cycleDeps(db, settings, silentLogger);
  const first = await runCycle(deps);
  const second = await runCycle(deps);
  const app = await buildServer({ db, metrics: createMetrics(db, { defaultMetrics: false }), atRiskMinutes: 30 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const stats = await (await fetch(`http://127.0.0.1:${port}/stats`)).json();
  const cases = await (await fetch(`http://127.0.0.1:${port}/cases?status=assigned&limit=1`)).json();
  const detail = cases.items[0] ? await (await fetch(`http://127.0.0.1:${port}/cases/${encodeURIComponent(cases.items[0].id)}`)).json() : null;
  process.stdout.write(JSON.stringify({ applied, first, second, stats, detail }) + '\n');
  await app.close();
  await db.close();
}

main().catch((err) => {
  process.stderr.write(String(err?.stack ?? err));
  process.exit(1);
});
