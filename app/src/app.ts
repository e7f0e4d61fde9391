// Wiring: settings -> database, queue adapter, assignment API client, metrics.
import { dirname, join } from 'node:path';
import { connect, type Db, type PgTimeouts } from './db';
import type { CycleDeps } from './cycle';
import type { Logger } from './log';
import { migrationsDir } from './migrate';
import { HttpAssignmentSink, HttpQueue, authHeaders } from './queue/http';
import { SimulatedQueue } from './queue/simulated';
import type { AssignmentSink, QueueSource } from './queue/source';
import { resolveToken, type Settings } from './settings';
import { SqlStore } from './store/sql-store';

export function packageRoot(): string {
  return dirname(migrationsDir());
}

export function webDist(): string {
  return process.env.WEB_DIST ?? join(packageRoot(), 'web', 'dist');
}

export async function openDatabase(opts: { databaseUrl?: string; dataDir?: string; timeouts?: Partial<PgTimeouts> }): Promise<Db> {
  return connect(opts.databaseUrl ?? process.env.DATABASE_URL, opts.dataDir ?? process.env.PGLITE_DATA_DIR, opts.timeouts);
}

export function adapters(s: Settings): { queue: QueueSource; sink: AssignmentSink; fields?: CycleDeps['fields']; resolvedStatuses?: readonly string[] } {
  let queue: QueueSource;
  let fields: CycleDeps['fields'];
  let resolvedStatuses: readonly string[] | undefined;
  let simulated: SimulatedQueue | undefined;
  if (s.queue.type === 'http') {
    const q = s.queue;
    queue = new HttpQueue({
      url: q.url, itemsPath: q.itemsPath, sinceParam: q.sinceParam, headers: authHeaders(q.auth, resolveToken(q.auth)), timeoutSeconds: q.timeoutSeconds,
      pagination: q.pagination, listsAllOpenCases: q.listsAllOpenCases, caseUrl: q.caseUrl,
    });
    fields = q.fields;
    resolvedStatuses = q.resolvedStatuses;
  } else {
    simulated = new SimulatedQueue(s.queue);
    queue = simulated;
  }
  let sink: AssignmentSink;
  if (s.assignmentApi.type === 'http') {
    const a = s.assignmentApi;
    sink = new HttpAssignmentSink(a.url, authHeaders(a.auth, resolveToken(a.auth)), a.timeoutSeconds);
  } else {
    // The simulated assignment API is the simulated queue's other half (it resolves what was assigned), or a no-op.
    sink = simulated ?? { post: async () => ({ ok: true }) };
  }
  return { queue, sink, fields, resolvedStatuses };
}

export function cycleDeps(db: Db, s: Settings, log: Logger, observe?: CycleDeps['observe']): CycleDeps {
  const a = adapters(s);
  return {
    store: new SqlStore(db), ...a, engineers: s.engineerList, policyConfig: s.policy, log, observe,
    reading: s.reading, outbox: s.outbox, deadlineSeconds: s.cycle.deadlineSeconds,
    queueKey: s.queue.type === 'http' ? `${s.queue.url} ${s.queue.sinceParam ?? ''}` : 'simulated',
  };
}
