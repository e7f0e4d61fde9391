// The generic HTTP JSON adapters against a local server: auth header, items path, incremental reads, idempotency key.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { HttpAssignmentSink, HttpQueue, authHeaders } from '../src/queue/http';

let server: Server;
let base: string;
let seen: IncomingMessage[] = [];
let bodies: string[] = [];
let reply: { status: number; body: string } = { status: 200, body: '{}' };

beforeAll(async () => {
  server = createServer((req, res) => {
    let b = '';
    req.on('data', (c) => (b += c));
    req.on('end', () => {
      seen.push(req);
      bodies.push(b);
      res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => server.close());
beforeEach(() => {
  seen = [];
  bodies = [];
});

describe('HttpQueue', () => {
  const headers = authHeaders({ header: 'Authorization', scheme: 'Bearer' }, 'tok');
  it('sends the auth header and the since cursor, and reads the items path', async () => {
    reply = { status: 200, body: JSON.stringify({ data: { cases: [{ id: 1 }, { id: 2 }] } }) };
    const q = new HttpQueue({ url: `${base}/cases?region=eu`, itemsPath: 'data.cases', sinceParam: 'updatedSince', headers, timeoutSeconds: 5 });
    const r = await q.fetch(new Date('2026-01-05T10:00:00Z'));
    expect(r).toEqual({ records: [{ id: 1 }, { id: 2 }], rejects: [], nextPageToken: null });
    expect(seen[0].url).toBe('/cases?region=eu&updatedSince=2026-01-05T10%3A00%3A00.000Z');
    expect(seen[0].headers.authorization).toBe('Bearer tok');
  });

  it('turns a response without the items array into a counted reject, and an HTTP error into a failure', async () => {
    reply = { status: 200, body: JSON.stringify({ items: 'nope' }) };
    const q = new HttpQueue({ url: `${base}/cases`, itemsPath: 'items', headers: {}, timeoutSeconds: 5 });
    expect((await q.fetch(null)).rejects).toEqual([{ reason: 'response field "items" is not an array', record: null }]);
    reply = { status: 502, body: '' };
    await expect(q.fetch(null)).rejects.toThrow('queue API http://127.0.0.1');
  });
});

describe('HttpQueue pagination', () => {
  const pagination = { nextPath: 'meta.next', param: 'cursor', pageSizeParam: 'limit', pageSize: 100 };
  it('sends the page token and size, returns the next token; a repeated or oversized token ends the sweep with a reject', async () => {
    reply = { status: 200, body: JSON.stringify({ items: [{ id: 1 }], meta: { next: 'abc' } }) };
    const q = new HttpQueue({ url: `${base}/cases`, itemsPath: 'items', sinceParam: 'since', headers: {}, timeoutSeconds: 5, pagination });
    expect((await q.fetch(null, new Date(), 'xyz')).nextPageToken).toBe('abc');
    expect(seen[0].url).toBe('/cases?limit=100&cursor=xyz');
    const same = await q.fetch(null, new Date(), 'abc');
    expect(same).toMatchObject({ nextPageToken: null, rejects: [{ reason: 'queue API returned the same page token twice' }] });
    reply = { status: 200, body: JSON.stringify({ items: [], meta: { next: 'x'.repeat(5000) } }) };
    expect(await q.fetch(null, new Date(), null)).toMatchObject({ nextPageToken: null, rejects: [{ reason: 'queue API page token longer than 4096 characters' }] });
    reply = { status: 200, body: JSON.stringify({ items: [], meta: { next: null } }) };
    expect((await q.fetch(null, new Date(), 'abc')).nextPageToken).toBeNull();
    // A response beyond the size bound fails the page (the cursor keeps its place) instead of exhausting memory.
    reply = { status: 200, body: JSON.stringify({ items: Array.from({ length: 1000 }, (_, i) => ({ id: i })) }) };
    const small = new HttpQueue({ url: `${base}/cases`, itemsPath: 'items', headers: {}, timeoutSeconds: 5, maxResponseBytes: 1000 });
    await expect(small.fetch(null)).rejects.toThrow(/sent more than 1000 bytes/);
  });
});

describe('HttpQueue case lookup', () => {
  it('a lookup answer that is not JSON, or too large, fails (the case is kept) without quoting the body', async () => {
    const q = new HttpQueue({ url: `${base}/cases`, itemsPath: 'items', headers: {}, timeoutSeconds: 5, caseUrl: `${base}/cases/{id}`, maxResponseBytes: 1000 });
    reply = { status: 200, body: '<html>secret-looking page</html>' };
    const err = await q.lookup!('C 1').catch((e: Error) => e);
    expect(String(err)).toMatch(/queue API http:\/\/127\.0\.0\.1:\d+\/cases\/C%201 answered with a body that is not JSON/);
    expect(String(err)).not.toContain('secret-looking');
    reply = { status: 200, body: JSON.stringify({ id: 'C 1', pad: 'x'.repeat(2000) }) };
    await expect(q.lookup!('C 1')).rejects.toThrow(/sent more than 1000 bytes/);
    reply = { status: 200, body: JSON.stringify({ id: 'C 1' }) };
    expect(await q.lookup!('C 1')).toEqual({ state: 'found', record: { id: 'C 1' } });
  });
});

describe('HttpAssignmentSink', () => {
  const item = { assignmentId: 7, caseId: 'C-1', engineerId: 'ana', engineerEmail: 'ana@example.com', assignedAt: new Date('2026-01-05T10:00:00Z'), ladderStep: 0, policyVersion: 'ours-1.abc', idempotencyKey: 'case-assigner:C-1:1', attempts: 0 };

  it('posts the assignment with its idempotency key', async () => {
    reply = { status: 201, body: '{}' };
    const sink = new HttpAssignmentSink(`${base}/assignments`, { 'x-api-key': 'k' }, 5);
    expect(await sink.post(item)).toEqual({ ok: true });
    expect(seen[0].method).toBe('POST');
    expect(seen[0].headers['idempotency-key']).toBe('case-assigner:C-1:1');
    expect(seen[0].headers['x-api-key']).toBe('k');
    expect(JSON.parse(bodies[0])).toEqual({ caseId: 'C-1', engineerId: 'ana', engineerEmail: 'ana@example.com', assignedAt: '2026-01-05T10:00:00.000Z', ladderStep: 0, policyVersion: 'ours-1.abc' });
  });

  it('reports failures instead of throwing, so the outbox keeps the assignment', async () => {
    reply = { status: 503, body: '' };
    expect(await new HttpAssignmentSink(`${base}/assignments`, {}, 5).post(item)).toEqual({ ok: false, error: 'assignment API answered 503', status: 503, permanent: false, body: '' });
    reply = { status: 422, body: JSON.stringify({ error: 'engineer unknown', detail: 'x'.repeat(10_000) }) };
    const refused = await new HttpAssignmentSink(`${base}/assignments`, {}, 5).post(item);
    expect(refused).toMatchObject({ ok: false, status: 422, permanent: true });
    // The refusal's body is kept for diagnosis, bounded.
    expect(refused.ok === false && refused.body?.startsWith('{"error":"engineer unknown"')).toBe(true);
    expect(refused.ok === false && refused.body!.length).toBeLessThanOrEqual(2000);
    const down = await new HttpAssignmentSink('http://127.0.0.1:1/assignments', {}, 5).post(item);
    expect(down.ok).toBe(false);
  });
});
