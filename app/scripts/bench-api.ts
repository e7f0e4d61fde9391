// npm run bench:api [-- --db postgres|pglite|both] [--rps 200] [--seconds 5] [--cases 100000] [--only /stats]
//                   [--stats-cache-seconds 2] [--json]
// A year of history (100k cases, 200 engineers, a cycle a minute) behind the API; each endpoint is driven open-loop
// at a fixed request rate (requests leave on schedule whether or not earlier ones returned, and latency counts from
// the scheduled instant, so queueing shows), one endpoint at a time. Reports p50/p99 per endpoint against the
// targets: p99 <= 50 ms on PostgreSQL, <= 200 ms on PGlite, and the API process's CPU per request (which does not
// depend on what else runs on the machine). A script, not a test: it prints numbers.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { postgresBinariesPresent, startPostgres } from './postgres-server';

const TARGET_P99_MS = { postgres: 50, pglite: 200 } as const;

interface Endpoint { name: string; ops?: boolean; path: (i: number) => string }

function endpoints(cases: number, engineers: number): Endpoint[] {
  const week = new Date(Date.now() - 7 * 86_400_000).toISOString();
  const caseId = (i: number) => `C-${String(1 + ((i * 7919) % cases)).padStart(7, '0')}`;
  return [
    { name: 'GET /cases (default: most urgent first)', path: () => '/cases' },
    { name: 'GET /cases?status=assigned', path: () => '/cases?status=assigned&limit=50' },
    { name: 'GET /cases?engineer=..&sort=assignedAt:desc', path: (i) => `/cases?engineer=e${1 + (i % engineers)}&sort=assignedAt:desc` },
    { name: 'GET /cases?product=..&since=7d', path: (i) => `/cases?product=${['aks', 'vm', 'sql'][i % 3]}&since=${week}` },
    { name: 'GET /cases?offset=5000&sort=createdAt:desc', path: () => '/cases?offset=5000&sort=createdAt:desc' },
    { name: 'GET /cases/:id (with decisions)', path: (i) => `/cases/${caseId(i)}` },
    { name: 'GET /stats', path: () => '/stats' },
    { name: 'GET /engineers', path: () => '/engineers' },
    { name: 'GET /metrics (ops)', ops: true, path: () => '/metrics' },
    { name: 'GET /readyz (ops)', ops: true, path: () => '/readyz' },
    { name: 'GET /healthz (ops)', ops: true, path: () => '/healthz' },
  ];
}

/** CPU milliseconds a process has used (Linux /proc; NaN elsewhere): load-independent cost per request. */
function cpuMs(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, in USER_HZ (100 on Linux)
  } catch {
    return NaN;
  }
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};

async function drive(base: string, e: Endpoint, rps: number, seconds: number) {
  const n = Math.round(rps * seconds);
  const interval = 1000 / rps;
  const lat: number[] = [];
  let errors = 0;
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      fetch(base + e.path(i), { signal: AbortSignal.timeout(10_000) })
        .then(async (r) => {
          await r.arrayBuffer();
          if (!r.ok) errors++;
        })
        .catch(() => void errors++)
        .finally(() => lat.push(performance.now() - due)),
    );
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - t0) / 1000;
  return { endpoint: e.name, requests: n, errors, achievedRps: Math.round((n / elapsed) * 10) / 10, p50: Math.round(pct(lat, 50) * 10) / 10, p99: Math.round(pct(lat, 99) * 10) / 10 };
}

function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; port: number; opsPort: number; seedMs: number }> {
  const child = spawn(process.execPath, [join(__dirname, 'bench-api-server.js')], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, ...JSON.parse(line) });
    });
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
}

async function main() {
  const { values } = parseArgs({
    options: {
      db: { type: 'string', default: 'both' }, rps: { type: 'string', default: '200' }, seconds: { type: 'string', default: '5' },
      cases: { type: 'string', default: '100000' }, engineers: { type: 'string', default: '200' }, cycles: { type: 'string', default: '525600' },
      'stats-cache-seconds': { type: 'string', default: '2' }, json: { type: 'boolean' }, only: { type: 'string' },
    },
  });
  const rps = Number(values.rps);
  const seconds = Number(values.seconds);
  const seed = { cases: Number(values.cases), engineers: Number(values.engineers), cycles: Number(values.cycles), statsCacheSeconds: Number(values['stats-cache-seconds']) };
  const kinds = values.db === 'both' ? (['postgres', 'pglite'] as const) : [values.db as 'postgres' | 'pglite'];
  const results: Record<string, unknown> = {};
  for (const kind of kinds) {
    let pg: Awaited<ReturnType<typeof startPostgres>> | undefined;
    const env: Record<string, string> = { BENCH_SEED: JSON.stringify(seed) };
    if (kind === 'postgres') {
      if (!postgresBinariesPresent()) {
        process.stderr.write('PostgreSQL binaries not found: skipping the PostgreSQL run\n');
        continue;
      }
      pg = await startPostgres();
      env.DATABASE_URL = await pg.newDatabase();
    }
    const s = await startServer(env);
    try {
      const rows = [];
      for (const e of endpoints(seed.cases, seed.engineers).filter((x) => !values.only || x.name.includes(values.only!))) {
        const base = `http://127.0.0.1:${e.ops ? s.opsPort : s.port}`;
        await drive(base, e, Math.min(rps, 100), 1); // warm-up (JIT, plans, caches)
        const c0 = cpuMs(s.child.pid!);
        const r = await drive(base, e, rps, seconds);
        rows.push({ ...r, serverCpuMsPerRequest: Math.round(((cpuMs(s.child.pid!) - c0) / r.requests) * 100) / 100 });
      }
      const target = TARGET_P99_MS[kind];
      results[kind] = { seedMs: s.seedMs, targetP99Ms: target, allMeetTarget: rows.every((r) => r.p99 <= target && r.errors === 0), endpoints: rows };
      if (!values.json) {
        process.stdout.write(`\n${kind}: ${seed.cases} cases, ${seed.engineers} engineers, ${seed.cycles} cycles (seeded in ${(s.seedMs / 1000).toFixed(1)} s); ${rps} rps x ${seconds} s per endpoint; target p99 <= ${target} ms\n`);
        process.stdout.write(`${'endpoint'.padEnd(48)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'rps'.padStart(7)} ${'errors'.padStart(7)} ${'cpu ms/req'.padStart(11)}  target\n`);
        for (const r of rows) process.stdout.write(`${r.endpoint.padEnd(48)} ${String(r.p50).padStart(8)} ${String(r.p99).padStart(8)} ${String(r.achievedRps).padStart(7)} ${String(r.errors).padStart(7)} ${String(r.serverCpuMsPerRequest).padStart(11)}  ${r.p99 <= target && r.errors === 0 ? 'ok' : 'MISSED'}\n`);
      }
    } finally {
      s.child.kill('SIGTERM');
      await new Promise((r) => s.child.once('exit', r));
      pg?.stop();
    }
  }
  const meta = { loadavg: loadavg().map((x) => Math.round(x * 100) / 100) };
  if (values.json) process.stdout.write(JSON.stringify({ ...results, ...meta }, null, 2) + '\n');
  else process.stdout.write(`\nload average after the run: ${meta.loadavg.join(' ')} (cpu ms/req: the API process's own CPU per request, PGlite included; PostgreSQL's server CPU is not in it)\n`);
}

void main().catch((err) => {
  process.stderr.write(`bench:api failed: ${(err as Error).message}\n`);
  process.exit(1);
});
