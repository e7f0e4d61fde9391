// Runs one assignment cycle against DATABASE_URL, for the crash tests (the parent SIGKILLs this process mid-cycle).
// Input via environment: CYCLE_INPUT = JSON { engineers, records, now, sinkUrl }.
import { connectPostgres } from '../src/db';
import { runCycle } from '../src/cycle';
import { createLogger } from '../src/log';
import { HttpAssignmentSink } from '../src/queue/http';
import { SqlStore } from '../src/store/sql-store';
import { CFG } from './fixtures';

async function main() {
  const input = JSON.parse(process.env.CYCLE_INPUT!);
  const db = connectPostgres(process.env.DATABASE_URL!);
  process.stdout.write('STARTED\n');
  await runCycle(
    {
      store: new SqlStore(db), queue: { fetch: async () => ({ records: input.records, rejects: [] }) },
      sink: new HttpAssignmentSink(input.sinkUrl, {}, 30), engineers: input.engineers, policyConfig: CFG, log: createLogger({ child: true }, 'error'),
    },
    new Date(input.now),
  );
  process.stdout.write('FINISHED\n');
  await db.close();
}

void main();
