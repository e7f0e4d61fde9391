// Generic HTTP JSON adapters for the queue API and the assignment API (endpoint, auth header, field mapping,
// pagination). The contract they expect and what they tolerate: app/README.md "Queue API contract".
import type { AssignmentFlags } from '../critical';
import type { OutboxItem, PostResult } from '../store/store';
import { pick } from './records';
import type { AssignmentSink, CaseLookup, FetchResult, QueueSource } from './source';

export interface HttpPagination {
  /** Dot path of the next page's token or cursor in the response (e.g. `nextPageToken`, `meta.next_cursor`). */
  readonly nextPath: string;
  /** Query parameter that carries it on the next request (e.g. `pageToken`, `cursor`). */
  readonly param: string;
  /** Optional page size request (`pageSizeParam=pageSize`). */
  readonly pageSizeParam?: string;
  readonly pageSize?: number;
}

export interface HttpQueueOptions {
  readonly url: string;
  readonly itemsPath: string;
  readonly sinceParam?: string;
  readonly headers: Record<string, string>;
  readonly timeoutSeconds: number;
  readonly pagination?: HttpPagination;
  /** The listing without `since` returns every open case (enables reconciliation). */
  readonly listsAllOpenCases?: boolean;
  /** URL of one case, `{id}` replaced by the URL-encoded id (re-check before freeing a case a listing missed). */
  readonly caseUrl?: string;
  /** A response larger than this fails the page instead of exhausting memory (default 64 MiB). */
  readonly maxResponseBytes?: number;
}

/** Bound on a response body kept (assignment API refusals) or read (error answers). */
const MAX_BODY = 2000;
const MAX_TOKEN = 4096;
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** The body as text, or null when it exceeds `max` bytes (reading stops there). */
async function readLimited(res: Response, max: number): Promise<string | null> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export class HttpQueue implements QueueSource {
  readonly listsAllOpenCases: boolean;
  constructor(private readonly o: HttpQueueOptions) {
    this.listsAllOpenCases = o.listsAllOpenCases ?? false;
    if (o.caseUrl) this.lookup = (id) => this.lookupCase(id);
  }

  lookup?: (id: string) => Promise<CaseLookup>;

  async fetch(since: Date | null, _now?: Date, pageToken?: string | null): Promise<FetchResult> {
    const url = new URL(this.o.url);
    if (this.o.sinceParam && since) url.searchParams.set(this.o.sinceParam, since.toISOString());
    const pg = this.o.pagination;
    if (pg?.pageSizeParam && pg.pageSize) url.searchParams.set(pg.pageSizeParam, String(pg.pageSize));
    if (pg && pageToken) url.searchParams.set(pg.param, pageToken);
    const res = await fetch(url, { headers: { accept: 'application/json', ...this.o.headers }, signal: AbortSignal.timeout(this.o.timeoutSeconds * 1000) });
    // Origin and path only: query strings may carry tokens or customer data.
    if (!res.ok) {
      await res.arrayBuffer().catch(() => undefined);
      throw new Error(`queue API ${url.origin}${url.pathname} answered ${res.status}`);
    }
    let body: unknown;
    const text = await readLimited(res, this.o.maxResponseBytes ?? MAX_RESPONSE_BYTES);
    if (text === null) throw new Error(`queue API ${url.origin}${url.pathname} sent more than ${this.o.maxResponseBytes ?? MAX_RESPONSE_BYTES} bytes (ask for smaller pages)`);
    try {
      body = JSON.parse(text);
    } catch {
      return { records: [], rejects: [{ reason: 'response is not JSON', record: null }] };
    }
    const items = pick(body, this.o.itemsPath);
    if (!Array.isArray(items)) return { records: [], rejects: [{ reason: `response field "${this.o.itemsPath}" is not an array`, record: null }] };
    let next: string | null = null;
    if (pg) {
      const t = pick(body, pg.nextPath);
      if ((typeof t === 'string' && t !== '') || typeof t === 'number') next = String(t);
      // Stored in queue_cursor between cycles: a token this long is not one.
      if (next !== null && next.length > MAX_TOKEN) {
        return { records: items, rejects: [{ reason: `queue API page token longer than ${MAX_TOKEN} characters`, record: null }], nextPageToken: null };
      }
      // A token that does not change would loop forever: treat it as the end, loudly.
      if (next !== null && next === pageToken) {
        return { records: items, rejects: [{ reason: 'queue API returned the same page token twice', record: null }], nextPageToken: null };
      }
    }
    return { records: items, rejects: [], nextPageToken: next };
  }

  private async lookupCase(id: string): Promise<CaseLookup> {
    const url = new URL(this.o.caseUrl!.replace('{id}', encodeURIComponent(id)));
    const res = await fetch(url, { headers: { accept: 'application/json', ...this.o.headers }, signal: AbortSignal.timeout(this.o.timeoutSeconds * 1000) });
    if (res.status === 404 || res.status === 410) {
      await res.arrayBuffer().catch(() => undefined);
      return { state: 'missing' };
    }
    if (!res.ok) {
      await res.arrayBuffer().catch(() => undefined);
      throw new Error(`queue API ${url.origin}${url.pathname} answered ${res.status}`);
    }
    // Bounded like a page, and a parse error names the URL only (the parser's message quotes the body).
    const max = this.o.maxResponseBytes ?? MAX_RESPONSE_BYTES;
    const text = await readLimited(res, max);
    if (text === null) throw new Error(`queue API ${url.origin}${url.pathname} sent more than ${max} bytes`);
    try {
      return { state: 'found', record: JSON.parse(text) };
    } catch {
      throw new Error(`queue API ${url.origin}${url.pathname} answered with a body that is not JSON`);
    }
  }
}

/**
 * A refusal the assignment API will repeat however often it is retried: 4xx except 401/403 (credentials: fix them
 * and every item goes through), 408 (timeout), 409 (conflict, may clear), 425 and 429 (try later).
 */
export function isPermanentStatus(status: number): boolean {
  return status >= 400 && status < 500 && ![401, 403, 408, 409, 425, 429].includes(status);
}

/** `interrupt`, `priority: { severity, respondBy }` and `reassignedFrom`, as the assignment API receives them. */
export function assignmentFlagsBody(f: AssignmentFlags): Record<string, unknown> {
  return {
    ...(f.interrupt ? { interrupt: true } : {}),
    ...(f.priority ? { priority: { severity: f.priority.severity, respondBy: f.priority.respondBy.toISOString() } } : {}),
    ...(f.reassignedFrom ? { reassignedFrom: f.reassignedFrom } : {}),
  };
}

export class HttpAssignmentSink implements AssignmentSink {
  constructor(private readonly url: string, private readonly headers: Record<string, string>, private readonly timeoutSeconds: number) {}

  async post(item: OutboxItem): Promise<PostResult> {
    try {
      const res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': item.idempotencyKey, ...this.headers },
        body: JSON.stringify({
          caseId: item.caseId, engineerId: item.engineerId, engineerEmail: item.engineerEmail, assignedAt: item.assignedAt.toISOString(),
          ladderStep: item.ladderStep, policyVersion: item.policyVersion,
          // Critical-work fields (src/critical.ts), only when set: the engineer works by them (ENGINEER_WORK_ORDER).
          ...assignmentFlagsBody(item as OutboxItem & AssignmentFlags),
        }),
        signal: AbortSignal.timeout(this.timeoutSeconds * 1000),
      });
      if (res.ok) {
        await res.arrayBuffer().catch(() => undefined);
        return { ok: true };
      }
      const body = await readBounded(res);
      return { ok: false, error: `assignment API answered ${res.status}`, status: res.status, permanent: isPermanentStatus(res.status), body };
    } catch (err) {
      return { ok: false, error: `assignment API unreachable: ${(err as Error).message}` };
    }
  }
}

/** Reads at most MAX_BODY characters of a response (a hostile or broken API may send megabytes). */
async function readBounded(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let out = '';
  try {
    while (out.length < MAX_BODY) {
      const { done, value } = await reader.read();
      if (done) break;
      out += dec.decode(value, { stream: true });
    }
  } catch {
    // a body cut off mid-way: keep what arrived
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return out.replace(/\u0000/g, '').slice(0, MAX_BODY);
}

export function authHeaders(auth: { header: string; scheme: string } | undefined, token: string | undefined): Record<string, string> {
  if (!auth || !token) return {};
  return { [auth.header]: auth.scheme ? `${auth.scheme} ${token}` : token };
}
