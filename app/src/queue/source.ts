// Queue adapters: where new cases come from. Each returns raw records; parseRecords validates them.
import type { Rejected } from '../store/store';

export interface FetchResult {
  readonly records: readonly unknown[];
  /** Problems with the response as a whole (e.g. the items field is not an array). */
  readonly rejects: readonly Rejected[];
  /** Token (or cursor) of the next page; null/undefined = this was the last page. */
  readonly nextPageToken?: string | null;
}

/** What the queue says about one case when asked directly (reconciliation re-check). */
export type CaseLookup = { state: 'missing' } | { state: 'found'; record: unknown };

export interface QueueSource {
  /** One page of records changed since `since` (null = all), continuing at `pageToken` when given. */
  fetch(since: Date | null, now: Date, pageToken?: string | null): Promise<FetchResult>;
  /**
   * True when fetch(null) pages through every open case the queue holds (a complete listing), so open cases it no
   * longer lists can be reconciled. Queues that only return new events (the simulators) leave it unset.
   */
  readonly listsAllOpenCases?: boolean;
  /** Optional direct lookup of one case, used to re-check a case a full listing missed before freeing it. */
  lookup?(id: string): Promise<CaseLookup>;
}

/** Where assignments are posted. Must be idempotent on `Idempotency-Key`. */
export interface AssignmentSink {
  post(item: import('../store/store').OutboxItem): Promise<import('../store/store').PostResult>;
}
