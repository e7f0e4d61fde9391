// npm run bench:assign -- --scenario <file> [--json]
// Replays the scenario under 'ours' and 'round-robin' through the production cycle, then times one cycle of
// 1,000 waiting cases against the scenario's engineers (in memory, and on embedded PostgreSQL with the decision log).
import { parseArgs } from 'node:util';
import { connectPglite } from '../src/db';
import { runCycle } from '../src/cycle';
import { silentLogger } from '../src/log';
import { migrate } from '../src/migrate';
import { loadScenario, type Scenario } from '../src/sim/scenario';
import { formatTable, simulate } from '../src/sim/run';
import { MemoryStore } from '../src/store/memory-store';
import { SqlStore } from '../src/store/sql-store';
import type { Store } from '../src/store/store';
import type { QueueSource } from '../src/queue/source';

async function burst(s: Scenario, n: number, store: Store): Promise<number> {
  const at = new Date('2026-01-06T14:00:00Z'); // a Tuesday afternoon UTC: Europe and the Americas overlap
  const records = Array.from({ length: n }, (_, i) => ({
    id: `B-${i}`, product: s.products[i % s.products.length].name, severity: i % 10 === 0 ? 'A' : i % 10 < 4 ? 'B' : 'C',
    customer: 'Burst', createdAt: new Date(at.getTime() - (i % 120) * 60_000).toISOString(),
  }));
  const queue: QueueSource = { fetch: async () => ({ records, rejects: [] }) };
  const deps = { store, queue, sink: { post: async () => ({ ok: true as const }) }, engineers: s.engineerList, policyConfig: s.policy, log: silentLogger };
  const t0 = performance.now();
  const r = await runCycle(deps, at);
  const ms = performance.now() - t0;
  if (r.outcome !== 'ok') throw new Error(`burst cycle failed: ${r.error}`);
  return Math.round(ms);
}

async function main() {
  const { values } = parseArgs({ options: { scenario: { type: 'string' }, json: { type: 'boolean' }, 'burst-cases': { type: 'string', default: '1000' }, 'no-burst': { type: 'boolean' } } });
  if (!values.scenario) throw new Error('usage: npm run bench:assign -- --scenario <file> [--json]');
  const s = loadScenario(values.scenario);
  const result = await simulate(s);
  let burstResult: { cases: number; engineers: number; memoryMs: number; pgliteMs: number } | undefined;
  if (!values['no-burst']) {
    const n = Number(values['burst-cases']);
    const memoryMs = await burst(s, n, new MemoryStore());
    const db = await connectPglite();
    await migrate(db);
    const pgliteMs = await burst(s, n, new SqlStore(db));
    await db.close();
    burstResult = { cases: n, engineers: s.engineerList.length, memoryMs, pgliteMs };
  }
  if (values.json) {
    process.stdout.write(JSON.stringify({ ...result, burst: burstResult }, null, 2) + '\n');
  } else {
    process.stdout.write(formatTable(result) + '\n');
    if (burstResult) process.stdout.write(`\none cycle, ${burstResult.cases} waiting cases x ${burstResult.engineers} engineers: ${burstResult.memoryMs} ms (engine, in memory), ${burstResult.pgliteMs} ms (embedded PostgreSQL, decision log written)\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
