// Prometheus metrics. Database-derived series are refreshed right before each scrape (refresh()), so cycles run by
// other pods (the CronJob, other replicas) are visible from any API replica.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from './db';
import type { CycleEvent } from './cycle';

export interface Metrics {
  readonly registry: Registry;
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  observeCycle(e: CycleEvent): void;
  /** Reads the database-derived series; call before rendering. */
  refresh(): Promise<void>;
}

export function createMetrics(db: Db, opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'case_assigner_' });
  const registers = [registry];

  // From the database (monotonic: assignments are never deleted, so it behaves as a counter).
  const assignments = new Counter({ name: 'case_assigner_assignments_total', help: 'Assignments recorded, by engineer and product.', labelNames: ['engineer', 'product'], registers });
  const depth = new Gauge({ name: 'case_assigner_queue_depth', help: 'Cases waiting for an engineer (unassigned or flagged).', registers });
  const oldest = new Gauge({ name: 'case_assigner_oldest_unassigned_age_seconds', help: 'Age of the oldest case waiting for an engineer.', registers });
  const unassignable = new Gauge({ name: 'case_assigner_unassignable_cases', help: 'Flagged cases: nobody eligible even after the relaxation ladder (alert when > 0).', registers });
  const relaxed = new Gauge({ name: 'case_assigner_relaxed_match_ratio', help: 'Share of assignments made at a relaxed ladder step (last 7 days).', registers });
  const lastOk = new Gauge({ name: 'case_assigner_last_successful_cycle_timestamp_seconds', help: 'Unix time a cycle last finished ok (any process; from the database).', registers });
  const unposted = new Gauge({ name: 'case_assigner_outbox_pending', help: 'Assignments not yet acknowledged by the assignment API (excluding dead letters).', registers });
  const dead = new Gauge({ name: 'case_assigner_outbox_dead_letters', help: 'Assignments the assignment API refused for good or after the maximum attempts: the engineer was not told (alert when > 0).', registers });

  // From this process.
  const cycleDuration = new Histogram({ name: 'case_assigner_cycle_duration_seconds', help: 'Duration of assignment cycles run by this process.', labelNames: ['outcome'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers });
  const skipped = new Counter({ name: 'case_assigner_queue_records_skipped_total', help: 'Malformed queue records skipped, by reason.', labelNames: ['reason'], registers });
  const flagEvents = new Counter({ name: 'case_assigner_flag_events_total', help: 'Cycle attempts that left a case flagged (this process).', registers });
  const posts = new Counter({ name: 'case_assigner_assignment_posts_total', help: 'Assignments acknowledged by the assignment API (this process).', registers });
  const postFailures = new Counter({ name: 'case_assigner_assignment_post_failures_total', help: 'Assignment posts not acknowledged, by result: retry (backoff) or dead_letter (this process).', labelNames: ['result'], registers });
  const reconciled = new Counter({ name: 'case_assigner_reconciled_cases_total', help: 'Open cases freed because the queue no longer lists them (this process).', registers });
  const httpDuration = new Histogram({ name: 'case_assigner_http_request_duration_seconds', help: 'HTTP request duration.', labelNames: ['method', 'route', 'status_code'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers });

  let inflight: Promise<void> | null = null;
  let inflightAt = 0;
  return {
    registry,
    httpDuration,
    observeCycle(e) {
      // Reasons carry the bad value; the label keeps only the stable prefix (bounded cardinality).
      if (e.type === 'rejected') skipped.inc({ reason: e.reason.split(/ ["(\d]/)[0].slice(0, 60) });
      else if (e.type === 'plan') flagEvents.inc(e.plan.flagged);
      else if (e.type === 'posts') {
        postFailures.inc({ result: 'retry' }, e.failed);
        postFailures.inc({ result: 'dead_letter' }, e.deadLettered);
      } else if (e.type === 'reconciled') reconciled.inc(e.closed);
      else {
        cycleDuration.observe({ outcome: e.outcome }, e.seconds);
        posts.inc(e.summary.posted);
      }
    },
    refresh() {
      // Single flight, reused for a second: scrapes from several Prometheus replicas (or a burst) cost one refresh.
      const t = Date.now();
      if (!inflight || t - inflightAt > 1000) {
        inflightAt = t;
        inflight = load().catch((err) => {
          inflight = null;
          throw err;
        });
      }
      return inflight;
    },
  };

  async function load() {
    {
      const a = await db.query<{ engineer_id: string; product: string; n: number }>(`SELECT engineer_id, product, count(*)::int AS n FROM assignments GROUP BY 1, 2`);
      assignments.reset();
      for (const x of a.rows) assignments.inc({ engineer: x.engineer_id, product: x.product }, x.n);
      const w = (
        await db.query<{ waiting: number; oldest: Date | null; flagged: number }>(
          `SELECT count(*)::int AS waiting, min(created_at) AS oldest, count(*) FILTER (WHERE status = 'flagged')::int AS flagged
             FROM cases WHERE status IN ('unassigned', 'flagged')`,
        )
      ).rows[0];
      depth.set(w.waiting);
      oldest.set(w.oldest ? Math.max(0, (Date.now() - new Date(w.oldest).getTime()) / 1000) : 0);
      unassignable.set(w.flagged);
      const r = (
        await db.query<{ relaxed: number; total: number; pending: number; dead: number }>(
          `SELECT count(*) FILTER (WHERE ladder_step > 0)::int AS relaxed, count(*)::int AS total,
                  (SELECT count(*)::int FROM assignments WHERE posted_at IS NULL AND dead_at IS NULL) AS pending,
                  (SELECT count(*)::int FROM assignments WHERE posted_at IS NULL AND dead_at IS NOT NULL) AS dead
             FROM assignments WHERE assigned_at >= now() - interval '7 days'`,
        )
      ).rows[0];
      relaxed.set(r.total ? r.relaxed / r.total : 0);
      unposted.set(r.pending);
      dead.set(r.dead);
      const c = (await db.query<{ t: Date | null }>(`SELECT max(finished_at) AS t FROM cycles WHERE outcome = 'ok'`)).rows[0];
      lastOk.set(c.t ? new Date(c.t).getTime() / 1000 : 0);
    }
  }
}
