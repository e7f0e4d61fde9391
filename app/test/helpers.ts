// Test helpers: a scripted queue and assignment API. (PGlite cannot load inside jest's module runtime; the
// embedded-mode test runs it in a child process.)
import type { AssignmentSink, FetchResult, QueueSource } from '../src/queue/source';
import type { OutboxItem, PostResult } from '../src/store/store';

/** A queue that returns the pages it is given, one per fetch (then empty pages). */
export class ScriptedQueue implements QueueSource {
  constructor(private readonly pages: unknown[][] = []) {}
  push(records: unknown[]) {
    this.pages.push(records);
  }
  async fetch(): Promise<FetchResult> {
    return { records: this.pages.shift() ?? [], rejects: [] };
  }
}

/** An assignment API that fails the first `failures` posts, and counts accepted posts per idempotency key. */
export class FlakySink implements AssignmentSink {
  readonly attempts: OutboxItem[] = [];
  readonly accepted = new Map<string, number>();
  constructor(public failures = 0) {}
  async post(item: OutboxItem): Promise<PostResult> {
    this.attempts.push(item);
    if (this.failures > 0) {
      this.failures--;
      return { ok: false, error: 'assignment API answered 503' };
    }
    this.accepted.set(item.idempotencyKey, (this.accepted.get(item.idempotencyKey) ?? 0) + 1);
    return { ok: true };
  }
}

export function record(id: string, severity = 'C', createdAt = '2026-01-05T09:00:00Z', product = 'aks') {
  return { id, product, severity, customer: 'Contoso', createdAt, status: 'new' };
}
