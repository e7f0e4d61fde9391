// A worker process for the stall test: cycles every 0.5 s against the fake queue and sink, with short server-side
// timeouts (lock 1 s, idle in transaction 2 s) and a 5 s cycle deadline. Identified by CASE_ASSIGNER_APP_NAME.
import { runCycle } from '../../src/cycle';
import { connectPostgres } from '../../src/db';
import { silentLogger } from '../../src/log';
import { HttpAssignmentSink, HttpQueue } from '../../src/queue/http';
import { SqlStore } from '../../src/store/sql-store';
import { CFG } from '../fixtures';

async function main() {
  const db = connectPostgres(process.env.DATABASE_URL!, 2, { lockTimeoutMs: 1000, idleInTransactionTimeoutMs: 2000, statementTimeoutMs: 10_000, keepAliveInitialDelayMs: 1000 });
  const deps = {
    store: new SqlStore(db), log: silentLogger, policyConfig: CFG, engineers: JSON.parse(process.env.ENGINEERS!),
    queue: new HttpQueue({ url: process.env.QUEUE_URL!, itemsPath: 'items', sinceParam: 'since', headers: {}, timeoutSeconds: 5, pagination: { nextPath: 'nextPageToken', param: 'pageToken' } }),
    sink: new HttpAssignmentSink(process.env.SINK_URL!, {}, 5), deadlineSeconds: 5,
  };
  // Simulated time runs with the wall clock from NOW, so shifts and deadlines match the parent's fixtures.
  const offset = Date.parse(process.env.NOW!) - Date.now();
  for (;;) {
    await runCycle(deps, new Date(Date.now() + offset)).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 500));
  }
}

void main();
