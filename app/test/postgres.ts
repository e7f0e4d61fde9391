// Storage tests need a real PostgreSQL. Missing binaries: the tests skip with a loud message, except under CI
// (CI set), where that is a failure.
import { PG_BIN, postgresBinariesPresent, type TestPostgres } from '../scripts/postgres-server';
import { connectPostgres, type Db } from '../src/db';
import { migrate } from '../src/migrate';

export { startPostgres, type TestPostgres } from '../scripts/postgres-server';

export function postgresAvailable(): boolean {
  if (postgresBinariesPresent()) return true;
  const msg = `PostgreSQL binaries not found in ${PG_BIN} (set PG_BIN or apt-get install postgresql-15): storage tests need a real PostgreSQL`;
  if (process.env.CI) throw new Error(`${msg}. CI must install them.`);
  // eslint-disable-next-line no-console
  console.warn(`\n${'!'.repeat(100)}\n!! SKIPPING: ${msg}\n${'!'.repeat(100)}\n`);
  return false;
}

/** `describe` when PostgreSQL is available, a loud `describe.skip` otherwise (a failure under CI). */
export const describePg: jest.Describe = postgresAvailable() ? describe : describe.skip;

/** A new, migrated database on the test server; its pool goes into `open`, which the test file closes after each test. */
export async function migratedDatabase(pg: TestPostgres, open: Db[]): Promise<{ db: Db; url: string }> {
  const url = await pg.newDatabase();
  const db = connectPostgres(url);
  open.push(db);
  await migrate(db);
  return { db, url };
}
