// A post that outlives its outbox lease (#13, reported at hand-over of #17's rebalancing): its late result must not
// change a row that was leased again or re-targeted meanwhile. Before the lease token, results matched the row id
// only, so a stale "posted" marked a moved row as sent (the new engineer was never told) and a stale refusal
// dead-lettered it, or cleared another worker's lease (a third worker then posted the same item again).
// Same scenarios on the production store (real PostgreSQL) and on the simulator's MemoryStore.
import type { AssignmentFlags } from '../src/critical';
import { runCycle } from '../src/cycle';
import { connectPostgres, type Db } from '../src/db';
import type { Engineer } from '../src/domain';
import { silentLogger } from '../src/log';
import { migrate } from '../src/migrate';
import { MemoryStore } from '../src/store/memory-store';
import { SqlStore } from '../src/store/sql-store';
import type { OutboxItem, PostResult, Store } from '../src/store/store';
import { CFG, MONDAY_10, eng, minutes } from './fixtures';
import { ScriptedQueue, record } from './helpers';
import { describePg, startPostgres, type TestPostgres } from './postgres';

type Sent = OutboxItem & AssignmentFlags;

/** An assignment API whose answers the test releases one by one (a post "in flight" for as long as it likes). */
class GatedSink {
  readonly attempts: Sent[] = [];
  readonly acked = new Map<string, number>();
  private readonly waiting: { item: Sent; answer: (r: PostResult) => void }[] = [];
  /** Posts matching this wait for `release`; the others are acknowledged at once. */
  hold: (item: Sent) => boolean = () => false;

  post = (item: OutboxItem): Promise<PostResult> => {
    const it = { ...item } as Sent; // MemoryStore passes its own row: keep what was sent
    this.attempts.push(it);
    if (!this.hold(it)) return Promise.resolve(this.ack(it));
    return new Promise((answer) => this.waiting.push({ item: it, answer }));
  };

  private ack(it: Sent): PostResult {
    this.acked.set(it.idempotencyKey, (this.acked.get(it.idempotencyKey) ?? 0) + 1);
    return { ok: true };
  }

  async held(n: number): Promise<Sent[]> {
    for (let i = 0; i < 400 && this.waiting.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    if (this.waiting.length < n) throw new Error(`expected ${n} post(s) in flight, have ${this.waiting.length}`);
    return this.waiting.map((w) => w.item);
  }

  /** Answers the oldest post in flight. */
  release(r: PostResult) {
    const w = this.waiting.shift()!;
    w.answer(r.ok ? this.ack(w.item) : r);
  }
}

/** The case's outbox row as both stores can report it. */
interface Row { engineerId: string; idempotencyKey: string; posted: boolean; dead: boolean; attempts: number; error: string | null; claimedUntil: number | null }

interface Harness { store: Store; row(caseId: string): Promise<Row>; close(): Promise<void> }

const ANSWERS: [string, PostResult][] = [
  ['acknowledged', { ok: true }],
  ['refused for good (422)', { ok: false, error: 'assignment API answered 422', permanent: true, status: 422 }],
  ['refused for now (503)', { ok: false, error: 'assignment API answered 503', status: 503 }],
];

// morning's shift starts at 12:00; night is on shift now with room for one C (src/critical.ts rebalancing).
const MORNING = eng('morning', { readiness: { aks: 3 }, shift: { timezone: 'UTC', start: '12:00', end: '20:00', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'] } });
const NIGHT = eng('night', { readiness: { aks: 1 }, capacity: 1, shift: { timezone: 'UTC', start: '00:00', end: '12:00', days: ['Mon'] } });
const LEASE_S = 120;

function scenarios(name: string, open: () => Promise<Harness>) {
  describe(`${name}: a post whose lease expired answers late`, () => {
    it.each(ANSWERS)('after its case moved to another engineer (stale post %s): the new engineer is still posted, exactly once', async (_n, stale) => {
      const h = await open();
      try {
        const engineers: Engineer[] = [MORNING, NIGHT];
        const sink = new GatedSink();
        let holding = true;
        sink.hold = (i) => holding && i.caseId === 'C-2' && i.engineerId === 'morning' && !(holding = false);
        const cycle = (records: unknown[], at: Date) =>
          runCycle({ store: h.store, queue: new ScriptedQueue([records]), sink, engineers, policyConfig: CFG, log: silentLogger, outbox: { leaseSeconds: LEASE_S } }, at);
        // 09:00: night takes C-1 and is full; C-2 is parked with morning, and its post hangs.
        const first = cycle([record('C-1', 'C', '2026-01-05T08:55:00Z'), record('C-2', 'C', '2026-01-05T09:00:00Z')], minutes(MONDAY_10, -60));
        const [inFlight] = await sink.held(1);
        expect(inFlight.engineerId).toBe('morning');
        // 10:00, the 120 s lease long expired: C-1 resolves and the plan moves C-2 to night (new key, back in the outbox).
        await h.store.syncEngineers(engineers);
        await h.store.upsertCases([{ id: 'C-1', product: 'aks', severity: 'C', customer: 'Contoso', createdAt: new Date('2026-01-05T08:55:00Z'), resolved: true }], CFG, MONDAY_10);
        const plan = await h.store.assign('ours', CFG, engineers, MONDAY_10);
        expect(plan.moves.map((m) => [m.caseId, m.fromEngineerId, m.engineerId])).toEqual([['C-2', 'morning', 'night']]);
        const moved = await h.row('C-2');
        expect(moved.idempotencyKey).not.toBe(inFlight.idempotencyKey);
        // Now morning's stale post answers.
        sink.release(stale);
        const r1 = await first;
        // The moved row is untouched: not posted, not dead-lettered, no attempt or error recorded.
        expect(await h.row('C-2')).toEqual({ ...moved, posted: false, dead: false, attempts: 0, error: null });
        // The next cycles tell night, once, naming morning; morning is not posted the moved case again.
        await cycle([], minutes(MONDAY_10, 1));
        await cycle([], minutes(MONDAY_10, 10));
        const c2 = sink.attempts.filter((i) => i.caseId === 'C-2');
        expect(c2.map((i) => [i.engineerId, i.idempotencyKey, i.reassignedFrom])).toEqual([
          ['morning', inFlight.idempotencyKey, undefined],
          ['night', moved.idempotencyKey, 'morning'],
        ]);
        expect(sink.acked.get(moved.idempotencyKey)).toBe(1);
        expect(await h.row('C-2')).toMatchObject({ engineerId: 'night', posted: true, dead: false, attempts: 1, error: null });
        // The stale answer was counted as such, not as a post of the cycle that made it.
        expect(r1).toMatchObject({ posted: 1 });
      } finally {
        await h.close();
      }
    });

    it.each(ANSWERS.slice(1))('after another worker leased it again (stale post %s): the newer lease keeps its item and its outcome', async (_n, stale) => {
      const h = await open();
      try {
        const engineers = [eng('a')];
        await h.store.syncEngineers(engineers);
        await h.store.upsertCases([{ id: 'L-1', product: 'aks', severity: 'C', customer: 'Contoso', createdAt: minutes(MONDAY_10, -5), resolved: false }], CFG, MONDAY_10);
        await h.store.assign('ours', CFG, engineers, MONDAY_10);
        const sink = new GatedSink();
        sink.hold = () => true;
        const outbox = { leaseSeconds: LEASE_S, random: () => 0.5 };
        // Worker A posts and hangs past its lease; worker B then leases the same item again and posts it (in flight).
        const workerA = h.store.drainOutbox(sink.post, MONDAY_10, outbox);
        await sink.held(1);
        const later = new Date(MONDAY_10.getTime() + (LEASE_S + 1) * 1000);
        const workerB = h.store.drainOutbox(sink.post, later, outbox);
        await sink.held(2);
        const leasedByB = await h.row('L-1');
        expect(leasedByB.claimedUntil).toBe(later.getTime() + LEASE_S * 1000);
        // A's late refusal is dropped: no attempt, error or dead letter recorded, and B's lease stays in place...
        sink.release(stale);
        const a = await workerA;
        expect(await h.row('L-1')).toEqual(leasedByB);
        expect(a).toMatchObject({ posted: 0, failed: 0, deadLettered: 0, superseded: 1 });
        // ...so a third worker at the same instant does not post the item a third time while B's post is in flight.
        sink.hold = () => false;
        expect(await h.store.drainOutbox(sink.post, later, outbox)).toMatchObject({ posted: 0, failed: 0 });
        expect(sink.attempts).toHaveLength(2);
        // B's answer is the one recorded.
        sink.release({ ok: true });
        expect(await workerB).toMatchObject({ posted: 1, superseded: 0 });
        expect(await h.row('L-1')).toMatchObject({ posted: true, dead: false, attempts: 1, error: null, claimedUntil: null });
      } finally {
        await h.close();
      }
    });
  });
}

let pg: TestPostgres | undefined;
describePg('outbox leases on PostgreSQL', () => {
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(() => pg?.stop());

  scenarios('PostgreSQL', async () => {
    const db: Db = connectPostgres(await pg!.newDatabase());
    await migrate(db);
    return {
      store: new SqlStore(db),
      close: () => db.close(),
      row: async (caseId) => {
        const r = (await db.query<{ engineer_id: string; idempotency_key: string; posted: boolean; dead: boolean; post_attempts: number; last_post_error: string | null; claimed_until: Date | null }>(
          `SELECT engineer_id, idempotency_key, posted_at IS NOT NULL AS posted, dead_at IS NOT NULL AS dead, post_attempts, last_post_error, claimed_until
             FROM assignments WHERE case_id = $1 ORDER BY round DESC LIMIT 1`,
          [caseId],
        )).rows[0];
        return { engineerId: r.engineer_id, idempotencyKey: r.idempotency_key, posted: r.posted, dead: r.dead, attempts: r.post_attempts, error: r.last_post_error, claimedUntil: r.claimed_until && new Date(r.claimed_until).getTime() };
      },
    };
  });
});

scenarios('MemoryStore', async () => {
  const store = new MemoryStore();
  return {
    store,
    close: async () => undefined,
    row: async (caseId) => {
      const a = store.assignments.filter((x) => x.caseId === caseId && !x.superseded).at(-1)!;
      return { engineerId: a.engineerId, idempotencyKey: a.idempotencyKey, posted: a.postedAt !== null, dead: a.deadAt !== null, attempts: a.attempts, error: null, claimedUntil: a.claimedUntil };
    },
  };
});
