// Generic HTTP JSON adapters for the queue API and the assignment API (endpoint, auth header, field mapping).
import type { OutboxItem, PostResult } from '../store/store';
import { pick } from './records';
import type { AssignmentSink, FetchResult, QueueSource } from './source';

export interface HttpQueueOptions {
  readonly url: string;
  readonly itemsPath: string;
  readonly sinceParam?: string;
  readonly headers: Record<string, string>;
  readonly timeoutSeconds: number;
}

export class HttpQueue implements QueueSource {
  constructor(private readonly o: HttpQueueOptions) {}

  async fetch(since: Date | null): Promise<FetchResult> {
    const url = new URL(this.o.url);
    if (this.o.sinceParam && since) url.searchParams.set(this.o.sinceParam, since.toISOString());
    const res = await fetch(url, { headers: { accept: 'application/json', ...this.o.headers }, signal: AbortSignal.timeout(this.o.timeoutSeconds * 1000) });
    if (!res.ok) throw new Error(`queue API ${url.origin}${url.pathname} answered ${res.status}`);
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      return { records: [], rejects: [{ reason: 'response is not JSON', record: null }] };
    }
    const items = pick(body, this.o.itemsPath);
    if (!Array.isArray(items)) return { records: [], rejects: [{ reason: `response field "${this.o.itemsPath}" is not an array`, record: null }] };
    return { records: items, rejects: [] };
  }
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
        }),
        signal: AbortSignal.timeout(this.timeoutSeconds * 1000),
      });
      await res.arrayBuffer().catch(() => undefined);
      return res.ok ? { ok: true } : { ok: false, error: `assignment API answered ${res.status}` };
    } catch (err) {
      return { ok: false, error: `assignment API unreachable: ${(err as Error).message}` };
    }
  }
}

export function authHeaders(auth: { header: string; scheme: string } | undefined, token: string | undefined): Record<string, string> {
  if (!auth || !token) return {};
  return { [auth.header]: auth.scheme ? `${auth.scheme} ${token}` : token };
}
