// Read models for the API, straight SQL over the tables the cycle writes.
import type { Db } from '../db';
import { expandCandidates, type StoredCandidates } from '../candidates';
import { SEVERITIES, type Shift } from '../domain';
import { nextWorkStart } from '../shift';

export const SORT_FIELDS = {
  createdAt: 'c.created_at', slaDeadline: 'c.sla_deadline', severity: 'c.severity', product: 'c.product',
  status: 'c.status', engineerId: 'c.engineer_id', assignedAt: 'c.assigned_at',
} as const;
export type SortField = keyof typeof SORT_FIELDS;
const NULLABLE_SORT = new Set<SortField>(['engineerId', 'assignedAt']);
/** /cases counts matches up to this many. */
export const TOTAL_CAP = 10_000;
const COUNT_TTL_MS = 2000;
const counts = new WeakMap<Db, Map<string, { at: number; p: Promise<{ rows: { n: number }[] }> }>>();

function cachedCount(db: Db, sql: string, params: unknown[]): Promise<{ rows: { n: number }[] }> {
  let m = counts.get(db);
  if (!m) counts.set(db, (m = new Map()));
  const key = JSON.stringify([sql, params]);
  const hit = m.get(key);
  const t = Date.now();
  if (hit && t - hit.at < COUNT_TTL_MS) return hit.p;
  if (m.size > 500) m.clear();
  const p = db.query<{ n: number }>(sql, params);
  m.set(key, { at: t, p });
  p.catch(() => m!.delete(key));
  return p;
}

export interface CaseQuery {
  engineer?: string; product?: string; severity?: string; status?: string; since?: Date;
  limit: number; offset: number; sort: SortField; dir: 'asc' | 'desc';
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

interface CaseRow {
  id: string; product: string; severity: string; customer: string; created_at: Date; sla_deadline: Date; status: string;
  engineer_id: string | null; engineer_name: string | null; assigned_at: Date | null; ladder_step: number | null; at_risk: boolean;
}

const CASE_COLUMNS = `c.id, c.product, c.severity, c.customer, c.created_at, c.sla_deadline, c.status, c.engineer_id,
  e.name AS engineer_name, c.assigned_at, c.ladder_step,
  (c.status IN ('unassigned', 'flagged') AND c.sla_deadline <= $1::timestamptz + make_interval(mins => $2::int)) AS at_risk`;

function caseView(r: CaseRow) {
  return {
    id: r.id, product: r.product, severity: r.severity, customer: r.customer, createdAt: iso(r.created_at)!, slaDeadline: iso(r.sla_deadline)!,
    status: r.status, engineerId: r.engineer_id, engineerName: r.engineer_name, assignedAt: iso(r.assigned_at), ladderStep: r.ladder_step, atRisk: r.at_risk,
  };
}

export async function listCases(db: Db, q: CaseQuery, now: Date, atRiskMinutes: number) {
  const where: string[] = [];
  const params: unknown[] = [now, Math.round(atRiskMinutes)];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (q.engineer) add('c.engineer_id = ?', q.engineer);
  if (q.product) add('c.product = ?', q.product);
  if (q.severity) add('c.severity = ?', q.severity);
  if (q.status) add('c.status = ?', q.status);
  if (q.since) add('c.created_at >= ?', q.since);
  const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
  // Bounded: counting stops at TOTAL_CAP + 1 rows (a year of cases must not be counted on every page view), and a
  // count is reused for COUNT_TTL_MS per filter (a dashboard polls the same filters; paging does not change them).
  const countSql = `SELECT count(*)::int AS n FROM (SELECT 1 FROM cases c ${whereSql.replace(/\$(\d+)/g, (_, n) => `$${Number(n) - 2}`)} LIMIT ${TOTAL_CAP + 1}) t`;
  const total = await cachedCount(db, countSql, params.slice(2));
  // NULLS LAST only where a column can be NULL: on NOT NULL columns it would stop the (sla_deadline, id)-style indexes
  // from serving the order.
  const nulls = NULLABLE_SORT.has(q.sort) ? ' NULLS LAST' : '';
  const rows = await db.query<CaseRow>(
    `SELECT ${CASE_COLUMNS} FROM cases c LEFT JOIN engineers e ON e.id = c.engineer_id ${whereSql}
      ORDER BY ${SORT_FIELDS[q.sort]} ${q.dir === 'asc' ? 'ASC' : 'DESC'}${nulls}, c.id ${q.dir === 'asc' ? 'ASC' : 'DESC'}
      LIMIT ${Math.min(500, Math.max(1, Math.trunc(q.limit)))} OFFSET ${Math.min(10_000, Math.max(0, Math.trunc(q.offset)))}`,
    params,
  );
  const n = total.rows[0].n;
  return { items: rows.rows.map(caseView), total: Math.min(n, TOTAL_CAP), totalExact: n <= TOTAL_CAP, limit: q.limit, offset: q.offset };
}

const nameCache = new WeakMap<Db, { at: number; p: Promise<Map<string, string>> }>();

/** Engineer names for decision explanations, reused for COUNT_TTL_MS (they change only with the settings). */
function engineerNames(db: Db): Promise<Map<string, string>> {
  const hit = nameCache.get(db);
  if (hit && Date.now() - hit.at < COUNT_TTL_MS) return hit.p;
  const p = db.query<{ id: string; name: string }>(`SELECT id, name FROM engineers`).then((r) => new Map(r.rows.map((e) => [e.id, e.name])));
  nameCache.set(db, { at: Date.now(), p });
  p.catch(() => nameCache.delete(db));
  return p;
}

export async function getCase(db: Db, id: string, now: Date, atRiskMinutes: number) {
  const r = await db.query<CaseRow>(`SELECT ${CASE_COLUMNS} FROM cases c LEFT JOIN engineers e ON e.id = c.engineer_id WHERE c.id = $3`, [now, Math.round(atRiskMinutes), id]);
  if (r.rows.length === 0) return null;
  const d = await db.query<{ id: number; at: Date; policy_version: string; ladder_step: number; outcome: string; chosen_engineer_id: string | null; candidates: unknown }>(
    `SELECT id, at, policy_version, ladder_step, outcome, chosen_engineer_id, candidates FROM decisions WHERE case_id = $1 ORDER BY id`,
    [id],
  );
  const names = await engineerNames(db);
  return {
    ...caseView(r.rows[0]),
    decisions: d.rows.map((x) => {
      const stored = (typeof x.candidates === 'string' ? JSON.parse(x.candidates) : x.candidates) as StoredCandidates;
      return {
        id: x.id, at: iso(x.at)!, policyVersion: x.policy_version, ladderStep: x.ladder_step, outcome: x.outcome,
        chosenEngineerId: x.chosen_engineer_id,
        candidates: expandCandidates(stored, names),
        // Rules that acted on the decision (preemption, rebalancing), each with its reason.
        ...(!Array.isArray(stored) && stored.n ? { notes: stored.n } : {}),
      };
    }),
  };
}

export async function listEngineers(db: Db) {
  const r = await db.query<{ id: string; name: string; email: string; capacity: number; readiness: Record<string, number>; shift: unknown; out_of_office: boolean }>(
    `SELECT id, name, email, capacity, readiness, shift, out_of_office FROM engineers WHERE active ORDER BY name, id`,
  );
  return r.rows.map((e) => ({ id: e.id, name: e.name, email: e.email, capacity: e.capacity, readiness: e.readiness, shift: e.shift, outOfOffice: e.out_of_office }));
}

/** Jain's fairness index (sum x)^2 / (n * sum x^2): 1 = perfectly even, 1/n = one takes all. Empty or all-zero = 1. */
export function jainIndex(xs: readonly number[]): number {
  const s = xs.reduce((a, b) => a + b, 0);
  const s2 = xs.reduce((a, b) => a + b * b, 0);
  return s2 === 0 ? 1 : (s * s) / (xs.length * s2);
}

export async function stats(db: Db, now: Date, atRiskMinutes: number) {
  const dayStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const weekAgo = new Date(now.getTime() - 7 * 86_400_000);
  // Every query below is bounded by an index over open cases, recent rows or one engineer's rows (migration 002), so
  // a year of history costs the same as a week.
  const engineers = await db.query<{ id: string; name: string; capacity: number; open: number; load: number; today: number; week: number }>(
    `SELECT e.id, e.name, e.capacity, coalesce(l.open, 0)::int AS open, coalesce(l.load, 0)::float8 AS load,
            coalesce(r.today, 0)::int AS today, coalesce(r.week, 0)::int AS week
       FROM engineers e
       LEFT JOIN (SELECT engineer_id, count(*) AS open, sum(weight) AS load FROM cases WHERE status = 'assigned' GROUP BY 1) l ON l.engineer_id = e.id
       LEFT JOIN (SELECT engineer_id, count(*) FILTER (WHERE assigned_at >= $1) AS today, count(*) AS week
                    FROM assignments WHERE assigned_at >= $2 GROUP BY 1) r ON r.engineer_id = e.id
      WHERE e.active ORDER BY e.name, e.id`,
    [dayStart, weekAgo],
  );
  // Products with open (not resolved) cases.
  const products = await db.query<{ product: string; open: number; unassigned: number }>(
    `SELECT product, count(*)::int AS open, count(*) FILTER (WHERE status IN ('unassigned', 'flagged'))::int AS unassigned
       FROM cases WHERE status <> 'resolved' GROUP BY product ORDER BY product`,
  );
  const open = await db.query<{ waiting: number; at_risk: number; flagged: number }>(
    `SELECT count(*)::int AS waiting,
            count(*) FILTER (WHERE sla_deadline <= $1::timestamptz + make_interval(mins => $2::int))::int AS at_risk,
            count(*) FILTER (WHERE status = 'flagged')::int AS flagged
       FROM cases WHERE status IN ('unassigned', 'flagged')`,
    [now, Math.round(atRiskMinutes)],
  );
  const week = await db.query<{ breached: number; decided: number }>(
    `SELECT count(*) FILTER (WHERE assigned_at > sla_deadline OR (assigned_at IS NULL AND status <> 'resolved' AND sla_deadline < $1))::int AS breached,
            count(*) FILTER (WHERE assigned_at IS NOT NULL OR sla_deadline < $1)::int AS decided
       FROM cases WHERE created_at >= $2`,
    [now, weekAgo],
  );
  const outbox = await db.query<{ pending: number; dead: number }>(
    `SELECT (SELECT count(*)::int FROM assignments WHERE posted_at IS NULL AND dead_at IS NULL) AS pending,
            (SELECT count(*)::int FROM assignments WHERE posted_at IS NULL AND dead_at IS NOT NULL) AS dead`,
  );
  const totals = { rows: [{ ...open.rows[0], ...week.rows[0] }] };
  const last = await db.query<{ started_at: Date; finished_at: Date | null; outcome: 'ok' | 'failed' | 'running'; assigned: number; error: string | null }>(
    `SELECT started_at, finished_at, outcome, assigned, error FROM cycles ORDER BY id DESC LIMIT 1`,
  );
  const t = totals.rows[0];
  const shifts = await onShiftAndParked(db, now, weekAgo);
  const eng = engineers.rows.map((e) => ({
    id: e.id, name: e.name, open: e.open, load: Number(e.load), capacity: e.capacity, assignedToday: e.today, assignedWeek: e.week,
    ...(shifts.engineers.get(e.id) ?? { onShift: false, nextShiftAt: null, outOfOffice: false, parked: 0 }),
  }));
  const lc = last.rows[0];
  return {
    generatedAt: now.toISOString(),
    engineers: eng,
    products: products.rows,
    unassigned: t.waiting,
    atRisk: t.at_risk,
    queueDepth: t.waiting,
    flagged: t.flagged,
    // Parked cases whose deadline passed while their engineer is still off shift cannot have had a first response.
    slaBreachRate: t.decided === 0 ? 0 : (t.breached + shifts.parkedPastDeadline) / t.decided,
    bySeverity: shifts.bySeverity,
    parked: shifts.parked,
    jainIndex: jainIndex(eng.map((e) => e.load / e.capacity)),
    outbox: { pending: outbox.rows[0].pending, deadLettered: outbox.rows[0].dead },
    lastCycle: lc ? { startedAt: iso(lc.started_at)!, finishedAt: iso(lc.finished_at), outcome: lc.outcome, assigned: lc.assigned, error: lc.error } : null,
  };
}

interface EngineerShiftRow { id: string; name: string; shift: Shift; out_of_office: boolean }
interface AssignedRow { id: string; severity: 'A' | 'B' | 'C'; product: string; engineer_id: string; sla_deadline: Date; assigned_at: Date; created_at: Date }

/**
 * The tool records assignment, not first response. What it can say about first response: a case assigned to an
 * engineer who has not been on shift since (so has not started it) is "parked"; a parked case whose engineer's next
 * shift starts at or after its deadline is at risk (no first response before the deadline unless it is moved), and
 * one whose deadline has passed is breached. Per severity, over cases created in the last 7 days:
 * `breached` = assigned after the deadline, waiting past it, or parked past it. Open assigned cases are bounded by
 * the engineers' capacity, so this stays cheap with a year of history.
 */
async function onShiftAndParked(db: Db, now: Date, weekAgo: Date) {
  const t = now.getTime();
  const es = (await db.query<EngineerShiftRow>(`SELECT id, name, shift, out_of_office FROM engineers WHERE active`)).rows;
  const info = new Map(es.map((e) => {
    const next = nextWorkStart(e.shift, t);
    return [e.id, { name: e.name, shift: e.shift, onShift: next === t && !e.out_of_office, nextShiftAt: next === null ? null : next, outOfOffice: e.out_of_office }];
  }));
  const assigned = (await db.query<AssignedRow>(
    `SELECT id, severity, product, engineer_id, sla_deadline, assigned_at, created_at FROM cases WHERE status = 'assigned' ORDER BY sla_deadline, id`,
  )).rows;
  const parked: { caseId: string; severity: string; product: string; engineerId: string; engineerName: string; slaDeadline: string; shiftStartsAt: string | null; atRisk: boolean; breached: boolean }[] = [];
  const parkedBy = new Map<string, number>();
  const perSev = new Map<string, { parked: number; parkedAtRisk: number; parkedPastDeadline: number }>();
  let parkedPastDeadline = 0;
  for (const c of assigned) {
    const e = info.get(c.engineer_id);
    if (!e || e.onShift) continue;
    // Not started: the shift the engineer was waiting for at assignment has not begun yet.
    const waitingFor = nextWorkStart(e.shift, new Date(c.assigned_at));
    if (waitingFor !== e.nextShiftAt || waitingFor === new Date(c.assigned_at).getTime()) continue;
    const deadline = new Date(c.sla_deadline).getTime();
    const breached = deadline < t;
    const atRisk = !breached && (e.nextShiftAt === null || e.nextShiftAt >= deadline);
    parkedBy.set(c.engineer_id, (parkedBy.get(c.engineer_id) ?? 0) + 1);
    const s = perSev.get(c.severity) ?? { parked: 0, parkedAtRisk: 0, parkedPastDeadline: 0 };
    s.parked++;
    if (atRisk) s.parkedAtRisk++;
    // Counted once: a case assigned in time and parked past its deadline (assigned late ones are breached already).
    if (breached && new Date(c.created_at) >= weekAgo && new Date(c.assigned_at).getTime() <= deadline) {
      s.parkedPastDeadline++;
      parkedPastDeadline++;
    }
    perSev.set(c.severity, s);
    if (parked.length < 200) {
      parked.push({
        caseId: c.id, severity: c.severity, product: c.product, engineerId: c.engineer_id, engineerName: e.name, slaDeadline: iso(c.sla_deadline)!,
        shiftStartsAt: e.nextShiftAt === null ? null : new Date(e.nextShiftAt).toISOString(), atRisk, breached,
      });
    }
  }
  const week = await db.query<{ severity: string; cases: number; decided: number; breached: number }>(
    `SELECT severity, count(*)::int AS cases,
            count(*) FILTER (WHERE assigned_at IS NOT NULL OR sla_deadline < $1)::int AS decided,
            count(*) FILTER (WHERE assigned_at > sla_deadline OR (assigned_at IS NULL AND status <> 'resolved' AND sla_deadline < $1))::int AS breached
       FROM cases WHERE created_at >= $2 GROUP BY severity`,
    [now, weekAgo],
  );
  const bySeverity: Record<string, { cases: number; breached: number; breachRate: number; parked: number; parkedAtRisk: number }> = {};
  for (const sev of SEVERITIES) {
    const w = week.rows.find((r) => r.severity === sev) ?? { cases: 0, decided: 0, breached: 0 };
    const p = perSev.get(sev) ?? { parked: 0, parkedAtRisk: 0, parkedPastDeadline: 0 };
    const breached = w.breached + p.parkedPastDeadline;
    bySeverity[sev] = { cases: w.cases, breached, breachRate: w.decided === 0 ? 0 : breached / w.decided, parked: p.parked, parkedAtRisk: p.parkedAtRisk };
  }
  const engineers = new Map([...info].map(([id, e]) => [id, { onShift: e.onShift, nextShiftAt: e.nextShiftAt === null ? null : new Date(e.nextShiftAt).toISOString(), outOfOffice: e.outOfOffice, parked: parkedBy.get(id) ?? 0 }]));
  return { engineers, parked, bySeverity, parkedPastDeadline };
}
