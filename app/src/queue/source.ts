// Queue adapters: where new cases come from. Each returns raw records; parseRecords validates them.
import type { Rejected } from '../store/store';

export interface FetchResult {
  readonly records: readonly unknown[];
  /** Problems with the response as a whole (e.g. the items field is not an array). */
  readonly rejects: readonly Rejected[];
}

export interface QueueSource {
  fetch(since: Date | null, now: Date): Promise<FetchResult>;
}

/** Where assignments are posted. Must be idempotent on `Idempotency-Key`. */
export interface AssignmentSink {
  post(item: import('../store/store').OutboxItem): Promise<import('../store/store').PostResult>;
}
