// A stand-in for `case-assigner serve` with the README's API contract and deterministic data, used to
// develop and test the web UI without the backend. Serves app/web/dist at `/` like the real server.
import { readFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';

const MINUTE = 60_000;
const PRODUCTS = ['aks', 'vm', 'network'];
const NAMES = ['alice', 'bob', 'chen', 'dana', 'emeka', 'fatima', 'goran', 'hana', 'ivan', 'jun', 'kofi', 'lena'];
const SLA_HOURS = { A: 1, B: 4, C: 8 } as const;
const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

interface StubCase {
  id: string; product: string; severity: 'A' | 'B' | 'C'; customer: string; createdAt: string; slaDeadline: string;
  status: 'unassigned' | 'assigned' | 'flagged' | 'resolved'; engineerId: string | null; engineerName: string | null;
  assignedAt: string | null; ladderStep: number | null; atRisk: boolean;
}

function fixtures(now: number) {
  const engineers = NAMES.map((name, i) => ({
    id: name, name, email: `${name}@example.com`, capacity: 6 + (i % 3) * 2,
    readiness: Object.fromEntries(PRODUCTS.map((p, j) => [p, ((i + j) % 4) as 0 | 1 | 2 | 3])),
    shift: { timezone: 'UTC', start: '08:00', end: '17:00', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'] },
    outOfOffice: false,
  }));
  const cases: StubCase[] = Array.from({ length: 90 }, (_, i) => {
    const severity = (['A', 'B', 'C', 'C', 'B'] as const)[i % 5]!;
    const created = now - (i * 37 + 5) * MINUTE;
    const status = i % 17 === 3 ? 'flagged' : i % 11 === 0 ? 'unassigned' : i % 9 === 8 ? 'resolved' : 'assigned';
    const engineer = status === 'assigned' || status === 'resolved' ? engineers[(i * 7) % engineers.length]! : null;
    const deadline = created + SLA_HOURS[severity] * 60 * MINUTE;
    return {
      id: `CS-${String(1000 + i)}`, product: PRODUCTS[i % 3]!, severity, customer: `Customer ${(i * 13) % 29}`,
      createdAt: new Date(created).toISOString(), slaDeadline: new Date(deadline).toISOString(), status,
      engineerId: engineer?.id ?? null, engineerName: engineer?.name ?? null,
      assignedAt: engineer ? new Date(created + 3 * MINUTE).toISOString() : null,
      ladderStep: engineer ? (i % 13 === 0 ? 1 : 0) : null,
      atRisk: !engineer && status !== 'resolved' && deadline - now < 30 * MINUTE,
    };
  });
  return { engineers, cases };
}

function decisionsFor(c: StubCase, engineers: ReturnType<typeof fixtures>['engineers']) {
  const candidates = engineers.map((e, i) => {
    const reasons: string[] = [];
    if ((e.readiness[c.product] ?? 0) < 2) reasons.push(`readiness ${e.readiness[c.product]} for ${c.product} < 2 required for severity ${c.severity}`);
    if (i % 5 === 4) reasons.push('off shift until 08:00 UTC');
    const eligible = reasons.length === 0;
    return { engineerId: e.id, engineerName: e.name, eligible, excludedReasons: reasons, score: eligible ? Number((0.2 + i / 40).toFixed(3)) : null };
  });
  const chosen = c.engineerId ? candidates.find((x) => x.engineerId === c.engineerId) : undefined;
  if (chosen) Object.assign(chosen, { eligible: true, excludedReasons: [], score: 0.125 });
  return [{ id: 1, at: c.assignedAt ?? c.createdAt, policyVersion: 'stub-1', ladderStep: c.ladderStep ?? 0,
    outcome: c.status === 'flagged' ? 'flagged' : c.engineerId ? 'assigned' : 'unassigned', chosenEngineerId: c.engineerId, candidates }];
}

function casesQuery(all: StubCase[], q: URLSearchParams) {
  let items = all.filter((c) =>
    (!q.get('engineer') || c.engineerId === q.get('engineer')) && (!q.get('product') || c.product === q.get('product')) &&
    (!q.get('severity') || c.severity === q.get('severity')) && (!q.get('status') || c.status === q.get('status')) &&
    (!q.get('since') || c.createdAt >= new Date(q.get('since')!).toISOString()));
  const [field, dir] = (q.get('sort') ?? 'slaDeadline:asc').split(':') as [keyof StubCase, string];
  items = [...items].sort((a, b) => String(a[field] ?? '').localeCompare(String(b[field] ?? '')) * (dir === 'desc' ? -1 : 1));
  const limit = Number(q.get('limit') ?? 50);
  const offset = Number(q.get('offset') ?? 0);
  return { items: items.slice(offset, offset + limit), total: items.length, limit, offset };
}

/** Starts the stub on `port` (0 = any free port) serving `webDist`; resolves with the bound server. */
export function startStubApi(webDist: string, port = 0): Promise<Server> {
  const now = Date.now();
  const { engineers, cases } = fixtures(now);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stub');
    const json = (body: unknown, status = 200) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/healthz') return json({ status: 'ok' });
    if (url.pathname === '/engineers') return json(engineers);
    if (url.pathname === '/cases') return json(casesQuery(cases, url.searchParams));
    const one = /^\/cases\/([^/]+)$/.exec(url.pathname);
    if (one) {
      const c = cases.find((x) => x.id === decodeURIComponent(one[1]!));
      return c ? json({ ...c, decisions: decisionsFor(c, engineers) }) : json({ message: 'not found' }, 404);
    }
    if (url.pathname === '/stats') {
      const open = cases.filter((c) => c.status === 'assigned');
      const weight = { A: 3, B: 2, C: 1 } as const;
      return json({
        generatedAt: new Date().toISOString(),
        engineers: engineers.map((e) => {
          const mine = open.filter((c) => c.engineerId === e.id);
          return { id: e.id, name: e.name, open: mine.length, load: mine.reduce((s, c) => s + weight[c.severity], 0), capacity: e.capacity, assignedToday: mine.length, assignedWeek: mine.length + 2 };
        }),
        products: PRODUCTS.map((p) => ({ product: p, open: open.filter((c) => c.product === p).length, unassigned: cases.filter((c) => c.product === p && c.status === 'unassigned').length })),
        unassigned: cases.filter((c) => c.status === 'unassigned' || c.status === 'flagged').length,
        atRisk: cases.filter((c) => c.atRisk).length,
        queueDepth: cases.filter((c) => c.status === 'unassigned').length,
        slaBreachRate: 0.042,
        jainIndex: 0.93,
        lastCycle: { startedAt: new Date(now - 40_000).toISOString(), finishedAt: new Date(now - 39_000).toISOString(), outcome: 'ok', assigned: 4, error: null },
      });
    }
    // Static UI with SPA fallback to index.html.
    const file = normalize(join(webDist, url.pathname === '/' ? 'index.html' : url.pathname));
    const target = file.startsWith(webDist) && existsSync(file) ? file : join(webDist, 'index.html');
    res.writeHead(200, { 'content-type': MIME[extname(target)] ?? 'application/octet-stream' });
    res.end(readFileSync(target));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

if (require.main === module) {
  void startStubApi(join(__dirname, '..', '..', 'web', 'dist'), Number(process.env.PORT ?? 8000)).then((s) => {
    console.log(`stub API on http://127.0.0.1:${(s.address() as { port: number }).port}`);
  });
}
