// A fake queue API and a fake assignment API on loopback (real HTTP servers), with the faults real ticketing
// systems show: capped pages with opaque page tokens, a clock behind the tool's, listings of open cases only,
// permanent and transient refusals, a post that never gets an answer. Used by faults.test.ts and its child workers.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
// The simulator's seeded PRNG, so a "2 % failure" run is the same every time.
import { rng as prng } from '../../src/sim/random';

export interface QueueCase {
  id: string;
  product: string;
  severity: string;
  customer: string;
  createdAt: string;
  status: string;
  /** The queue's change stamp, in the queue's clock (ms). */
  updatedAt: number;
  slaDeadline?: string;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export class FakeQueue {
  readonly cases = new Map<string, QueueCase>();
  /** Queue clock = tool clock - skewMs (the tool's `now` is set by the test: toolNow). */
  skewMs = 0;
  toolNow = 0;
  /** Records per response at most (the API's cap, whatever the client asks for). */
  pageCap = 200;
  /** List only cases that are not resolved (an open-cases queue: closed cases simply vanish). */
  openOnly = false;
  /** Fail the next N list requests that carry a page token (a flaky page in the middle of a sweep). */
  failTokenRequests = 0;
  requests: { since: string | null; pageToken: string | null }[] = [];
  lookups: string[] = [];
  server!: Server;
  url!: string;

  async start(): Promise<this> {
    const { server, url } = await listen((req, res) => this.handle(req, res));
    this.server = server;
    this.url = url;
    return this;
  }

  stop() {
    this.server.closeAllConnections();
    this.server.close();
  }

  queueNow(): number {
    return this.toolNow - this.skewMs;
  }

  /** Adds or changes a case, stamped with the queue's clock (or `at`, in the queue's clock). */
  put(c: Omit<QueueCase, 'updatedAt' | 'customer' | 'status'> & { status?: string; customer?: string }, at = this.queueNow()) {
    this.cases.set(c.id, { customer: 'Contoso', status: 'new', ...c, updatedAt: at });
  }

  private handle(req: IncomingMessage, res: ServerResponse) {
    const u = new URL(req.url!, this.url);
    const one = /^\/cases\/(.+)$/.exec(u.pathname);
    if (one) {
      const id = decodeURIComponent(one[1]);
      this.lookups.push(id);
      const c = this.cases.get(id);
      return c && !(this.openOnly && c.status === 'resolved') ? json(res, 200, c) : json(res, 404, { error: 'not found' });
    }
    const since = u.searchParams.get('since');
    const token = u.searchParams.get('pageToken');
    this.requests.push({ since, pageToken: token });
    if (token && this.failTokenRequests > 0) {
      this.failTokenRequests--;
      return json(res, 503, { error: 'try later' });
    }
    const sinceMs = since ? Date.parse(since) : -Infinity;
    // Keyset pagination on (updatedAt, id): stable while cases change; the token is opaque to the client.
    const after = token ? JSON.parse(Buffer.from(token, 'base64url').toString()) as [number, string] : null;
    const all = [...this.cases.values()]
      .filter((c) => c.updatedAt >= sinceMs && !(this.openOnly && c.status === 'resolved'))
      .filter((c) => !after || c.updatedAt > after[0] || (c.updatedAt === after[0] && c.id > after[1]))
      .sort((a, b) => a.updatedAt - b.updatedAt || (a.id < b.id ? -1 : 1));
    const size = Math.min(this.pageCap, Number(u.searchParams.get('pageSize') ?? this.pageCap));
    const items = all.slice(0, size);
    const last = items[items.length - 1];
    const next = all.length > size ? Buffer.from(JSON.stringify([last.updatedAt, last.id])).toString('base64url') : null;
    json(res, 200, { items: items.map(({ updatedAt, ...c }) => ({ ...c, updatedAt: new Date(updatedAt).toISOString() })), nextPageToken: next });
  }
}

export class FakeSink {
  /** Case ids refused for good: 422 with a body. */
  refuse = new Set<string>();
  /** Case ids answered 503 every time. */
  alwaysFail = new Set<string>();
  /** Share of other posts answered 503 (seeded). */
  transientRate = 0;
  /** After this many acknowledged posts, the next post is never answered (a crash test kills the poster then). */
  hangAfter = Infinity;
  private rand = prng(42);
  /** Every delivery attempt: key, case, HTTP status given (0 = never answered). */
  readonly attempts: { key: string; caseId: string; status: number }[] = [];
  /** Acknowledged (2xx) deliveries per idempotency key. */
  readonly acked = new Map<string, number>();
  server!: Server;
  url!: string;

  async start(): Promise<this> {
    const { server, url } = await listen((req, res, body) => this.handle(req, res, body));
    this.server = server;
    this.url = `${url}/assignments`;
    return this;
  }

  stop() {
    this.server.closeAllConnections();
    this.server.close();
  }

  reset(seed = 42) {
    this.attempts.length = 0;
    this.acked.clear();
    this.rand = prng(seed);
  }

  /** Keys acknowledged more than once: duplicate deliveries the receiver had to deduplicate. */
  duplicates(): number {
    return [...this.acked.values()].reduce((s, n) => s + Math.max(0, n - 1), 0);
  }

  private handle(req: IncomingMessage, res: ServerResponse, body: string) {
    const key = String(req.headers['idempotency-key']);
    const caseId = (JSON.parse(body) as { caseId: string }).caseId;
    const ackedSoFar = [...this.acked.values()].reduce((s, n) => s + n, 0);
    if (ackedSoFar >= this.hangAfter) {
      this.attempts.push({ key, caseId, status: 0 });
      return; // never answered
    }
    let status = 201;
    if (this.refuse.has(caseId)) status = 422;
    else if (this.alwaysFail.has(caseId) || this.rand() < this.transientRate) status = 503;
    this.attempts.push({ key, caseId, status });
    if (status === 201) this.acked.set(key, (this.acked.get(key) ?? 0) + 1);
    if (status === 422) return json(res, 422, { error: 'engineer is not a member of the case team', caseId, padding: 'x'.repeat(5000) });
    json(res, status, status === 201 ? { ok: true } : { error: 'unavailable' });
  }
}
