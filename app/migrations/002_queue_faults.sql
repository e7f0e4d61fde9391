-- A queue API that pages, lags, escalates, reopens and forgets cases; an assignment API that refuses some posts;
-- a year of history. See app/README.md "Queue API contract" and "Outbox".

-- Cases: when the queue last listed the case (full reconciliation frees open cases a complete full listing no
-- longer contains), why the tool closed it, and a round that grows when the queue reopens a resolved case (a
-- reopened case is assigned again, as a new assignment row).
ALTER TABLE cases ADD COLUMN last_seen_at timestamptz;
ALTER TABLE cases ADD COLUMN round integer NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN close_reason text;
ALTER TABLE cases ADD COLUMN updated_at timestamptz;
UPDATE cases SET last_seen_at = first_seen_at;

-- One assignment per case and round (was: per case). The cycle lock and status-guarded updates keep it so.
ALTER TABLE assignments DROP CONSTRAINT assignments_case_id_key;
ALTER TABLE assignments ADD COLUMN round integer NOT NULL DEFAULT 0;
ALTER TABLE assignments ADD CONSTRAINT assignments_case_round_key UNIQUE (case_id, round);

-- Outbox: posts happen outside any transaction. A worker leases a few items (claimed_until), posts them one by one
-- and records each result at once; a crashed worker's lease expires. Per-item backoff lives in next_post_at; an item
-- refused for good (permanent 4xx) or after N attempts is dead-lettered with the (bounded) response body.
ALTER TABLE assignments ADD COLUMN claimed_until timestamptz;
ALTER TABLE assignments ADD COLUMN dead_at timestamptz;
ALTER TABLE assignments ADD COLUMN last_post_status integer;
ALTER TABLE assignments ADD COLUMN last_post_body text;
DROP INDEX assignments_unposted;
CREATE INDEX assignments_outbox ON assignments (next_post_at, id) WHERE posted_at IS NULL AND dead_at IS NULL;
CREATE INDEX assignments_dead ON assignments (dead_at) WHERE dead_at IS NOT NULL;
CREATE INDEX assignments_by_engineer_time ON assignments (engineer_id, assigned_at);
CREATE INDEX assignments_by_time ON assignments (assigned_at);
CREATE INDEX assignments_by_case ON assignments (case_id);

-- Indexes for every query of the API, metrics and cycle (a year: ~100k cases, ~500k cycles).
-- /cases orders by (sort field, id): these serve each sort, alone or under the usual filters, without a sort step.
CREATE INDEX cases_by_deadline ON cases (sla_deadline, id);
CREATE INDEX cases_by_created_id ON cases (created_at, id);
CREATE INDEX cases_by_assigned_at ON cases (assigned_at, id);
CREATE INDEX cases_by_status_deadline ON cases (status, sla_deadline, id);
CREATE INDEX cases_by_engineer_assigned ON cases (engineer_id, assigned_at, id);
CREATE INDEX cases_by_product ON cases (product, sla_deadline);
CREATE INDEX cases_not_resolved ON cases (product, status) INCLUDE (severity, sla_deadline, created_at) WHERE status <> 'resolved';
CREATE INDEX cases_assigned_load ON cases (engineer_id) INCLUDE (weight) WHERE status = 'assigned';
CREATE INDEX cases_resolved_at ON cases (resolved_at) WHERE status = 'resolved';
CREATE INDEX cycles_ok_started ON cycles (started_at) WHERE outcome = 'ok';
CREATE INDEX cycles_ok_finished ON cycles (finished_at) WHERE outcome = 'ok';
CREATE INDEX cycles_running ON cycles (started_at) WHERE outcome = 'running';
CREATE INDEX cycles_by_started ON cycles (started_at);
CREATE INDEX decisions_by_at ON decisions (at);
CREATE INDEX rejected_records_by_at ON rejected_records (at);
CREATE INDEX rejected_records_by_cycle ON rejected_records (cycle_id);

-- The queue read position (one row): the `since` of the next incremental sweep, the page token of a sweep left
-- unfinished by the per-cycle page bound, and when the last complete full sweep (reconciliation) started.
CREATE TABLE queue_cursor (
  id                 integer PRIMARY KEY CHECK (id = 1),
  mode               text NOT NULL CHECK (mode IN ('incremental', 'full')),
  since              timestamptz,
  page_token         text,
  sweep_started_at   timestamptz,
  next_since         timestamptz,
  last_full_sweep_at timestamptz,
  -- Which queue (URL and since parameter) the position belongs to: another queue starts from scratch.
  source             text,
  updated_at         timestamptz NOT NULL DEFAULT now()
);

-- When periodic maintenance (the retention purge) last ran, so whichever process runs cycles (worker or CronJob
-- Job) runs it once a day.
CREATE TABLE maintenance (
  name        text PRIMARY KEY,
  last_run_at timestamptz NOT NULL
);

-- Retention: the decision log stays append-only except for deleting entries older than the retention cutoff, and
-- only inside a purge that declares that cutoff (SET LOCAL case_assigner.retention_cutoff), never less than 30 days
-- old. UPDATE is refused as before.
CREATE OR REPLACE FUNCTION decisions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  cutoff timestamptz := nullif(current_setting('case_assigner.retention_cutoff', true), '')::timestamptz;
BEGIN
  IF TG_OP = 'DELETE' AND cutoff IS NOT NULL AND cutoff <= now() - interval '30 days' AND OLD.at < cutoff THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'decisions is append-only (% refused)', TG_OP;
END;
$$;
