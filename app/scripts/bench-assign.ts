// npm run bench:assign -- --scenario <file> [--json] [--burst-only]
// Replays the scenario under 'ours' and 'round-robin' through the production cycle, then times one cycle of
// 1,000 waiting cases against the scenario's engineers (in memory, and on embedded PostgreSQL with the decision log).
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { connectPglite, connectPostgres } from '../src/db';
import { postgresBinariesPresent, startPostgres } from './postgres-server';
import { runCycle } from '../src/cycle';
import { silentLogger } from '../src/log';
import { migrate } from '../src/migrate';
import { loadScenario, type Scenario } from '../src/sim/scenario';
import { formatTable, runPolicy, simulate } from '../src/sim/run';
import { RULES, type RuleName } from '../src/critical';
import { MemoryStore } from '../src/store/memory-store';
import { SqlStore } from '../src/store/sql-store';
import type { Store } from '../src/store/store';
import type { QueueSource } from '../src/queue/source';

/** Wall and CPU milliseconds of one cycle with `n` waiting cases. CPU time is reported too: shared CI machines inflate wall time. */
async function burst(s: Scenario, n: number, store: Store): Promise<{ wallMs: number; cpuMs: number }> {
  const at = new Date('2026-01-06T14:00:00Z'); // a Tuesday afternoon UTC: Europe and the Americas overlap
  const records = Array.from({ length: n }, (_, i) => ({
    id: `B-${i}`, product: s.products[i % s.products.length].name, severity: i % 10 === 0 ? 'A' : i % 10 < 4 ? 'B' : 'C',
    customer: 'Burst', createdAt: new Date(at.getTime() - (i % 120) * 60_000).toISOString(),
  }));
  const queue: QueueSource = { fetch: async () => ({ records, rejects: [] }) };
  const deps = { store, queue, sink: { post: async () => ({ ok: true as const }) }, engineers: s.engineerList, policyConfig: s.policy, log: silentLogger };
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await runCycle(deps, at);
  const wallMs = Math.round(performance.now() - t0);
  const cu = process.cpuUsage(c0);
  if (r.outcome !== 'ok') throw new Error(`burst cycle failed: ${r.error}`);
  return { wallMs, cpuMs: Math.round((cu.user + cu.system) / 1000) };
}

async function main() {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string' }, json: { type: 'boolean' }, 'burst-cases': { type: 'string', default: '1000' }, 'no-burst': { type: 'boolean' },
      without: { type: 'string', default: '' }, ablate: { type: 'boolean' },
      // Only the 1,000-case cycle (seconds), not the 30-day replay (minutes of CPU on org-200).
      'burst-only': { type: 'boolean' },
    },
  });
  if (!values.scenario) throw new Error(`usage: npm run bench:assign -- --scenario <file> [--json] [--no-burst | --burst-only] [--without ${RULES.join(',')}] [--ablate]`);
  if (values['burst-only'] && (values['no-burst'] || values.ablate)) throw new Error('--burst-only runs only the burst: drop --no-burst and --ablate');
  const without = values.without.split(',').filter(Boolean) as RuleName[];
  for (const r of without) if (!RULES.includes(r)) throw new Error(`--without: unknown rule "${r}" (allowed: ${RULES.join(', ')})`);
  const s = loadScenario(values.scenario);
  const result: Partial<Awaited<ReturnType<typeof simulate>>> & { ablation?: Record<string, unknown>; without?: RuleName[] } = values['burst-only'] ? {} : await simulate(s, ['ours', 'round-robin'], without);
  if (without.length) result.without = without;
  // Ablation: `ours` once per rule switched off, severity-A outcome next to the full policy's.
  if (values.ablate) {
    result.ablation = {};
    for (const r of RULES) {
      const m = await runPolicy(s, 'ours', [...without, r]);
      result.ablation[`without ${r}`] = { bySeverity: m.bySeverity, slaBreachRate: m.slaBreachRate, maxOverMeanLoad: m.maxOverMeanLoad, jainIndex: m.jainIndex };
    }
  }
  type Timing = { wallMs: number; cpuMs: number };
  let burstResult: { cases: number; engineers: number; loadAverage: number; engine: Timing; postgres: Timing | null; pglite: Timing } | undefined;
  if (!values['no-burst']) {
    const n = Number(values['burst-cases']);
    const engine = await burst(s, n, new MemoryStore());
    let postgres: Timing | null = null;
    if (postgresBinariesPresent()) {
      const server = await startPostgres();
      try {
        const db = connectPostgres(await server.newDatabase());
        await migrate(db);
        postgres = await burst(s, n, new SqlStore(db));
        await db.close();
      } finally {
        server.stop();
      }
    }
    const lite = await connectPglite();
    await migrate(lite);
    const pglite = await burst(s, n, new SqlStore(lite));
    await lite.close();
    burstResult = { cases: n, engineers: s.engineerList.length, loadAverage: Math.round(loadavg()[0] * 10) / 10, engine, postgres, pglite };
  }
  if (values.json) {
    process.stdout.write(JSON.stringify({ ...result, burst: burstResult }, null, 2) + '\n');
  } else {
    if (!values['burst-only']) process.stdout.write(formatTable(result as Awaited<ReturnType<typeof simulate>>) + '\n');
    if (result.ablation) {
      process.stdout.write('\nablation (ours with one rule off): severity A breached / B / C, max/mean load\n');
      for (const [k, v] of Object.entries(result.ablation) as [string, { bySeverity: Record<string, { breached: number }>; maxOverMeanLoad: number }][]) {
        process.stdout.write(`  ${k.padEnd(22)} A ${v.bySeverity.A.breached}  B ${v.bySeverity.B.breached}  C ${v.bySeverity.C.breached}  load ${v.maxOverMeanLoad}\n`);
      }
    }
    if (burstResult) {
      const b = burstResult;
      const fmt = (t: Timing | null) => (t ? `${t.wallMs} ms wall (${t.cpuMs} ms CPU in Node)` : 'n/a (no PostgreSQL binaries)');
      process.stdout.write(
        `\none cycle with ${b.cases} waiting cases x ${b.engineers} engineers (load average ${b.loadAverage}):\n` +
          `  engine (policy + plan, in memory): ${fmt(b.engine)}\n  PostgreSQL 15 (full cycle, decision log written): ${fmt(b.postgres)}\n  PGlite (embedded): ${fmt(b.pglite)}\n`,
      );
    }
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
