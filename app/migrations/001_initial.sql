-- Initial schema of the case-assigner. Times are timestamptz (UTC instants).

-- Engineers mirror settings.yaml (the source of truth for who exists and what they can do); the rotation
-- position is state and survives restarts and settings reloads.
CREATE TABLE engineers (
  id            text PRIMARY KEY,
  name          text NOT NULL,
  email         text NOT NULL,
  capacity      double precision NOT NULL CHECK (capacity > 0),
  readiness     jsonb NOT NULL,
  shift         jsonb NOT NULL,
  out_of_office boolean NOT NULL DEFAULT false,
  active        boolean NOT NULL DEFAULT true,
  -- Monotonic position in the fair rotation: the engineer with the lowest value has waited longest.
  rotation      integer NOT NULL DEFAULT 0,
  last_assigned_at timestamptz,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cases (
  id            text PRIMARY KEY,
  product       text NOT NULL,
  severity      text NOT NULL CHECK (severity IN ('A', 'B', 'C')),
  customer      text NOT NULL,
  created_at    timestamptz NOT NULL,
  sla_deadline  timestamptz NOT NULL,
  weight        double precision NOT NULL,
  status        text NOT NULL DEFAULT 'unassigned' CHECK (status IN ('unassigned', 'assigned', 'flagged', 'resolved')),
  engineer_id   text REFERENCES engineers (id),
  assigned_at   timestamptz,
  ladder_step   integer,
  last_outcome  text,
  last_ladder_step integer,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  resolved_at   timestamptz,
  CHECK ((status = 'assigned') <= (engineer_id IS NOT NULL))
);
CREATE INDEX cases_open_by_deadline ON cases (sla_deadline) WHERE status IN ('unassigned', 'flagged');
CREATE INDEX cases_by_engineer ON cases (engineer_id, status);
CREATE INDEX cases_by_created ON cases (created_at);

-- One row per assignment, and at most one per case (the backstop behind the cycle lock). It is also the outbox:
-- posted_at IS NULL means the assignment API has not acknowledged it yet.
CREATE TABLE assignments (
  id              serial PRIMARY KEY,
  case_id         text NOT NULL UNIQUE REFERENCES cases (id),
  engineer_id     text NOT NULL REFERENCES engineers (id),
  product         text NOT NULL,
  assigned_at     timestamptz NOT NULL,
  ladder_step     integer NOT NULL,
  policy_version  text NOT NULL,
  idempotency_key text NOT NULL UNIQUE,
  posted_at       timestamptz,
  post_attempts   integer NOT NULL DEFAULT 0,
  next_post_at    timestamptz NOT NULL DEFAULT now(),
  last_post_error text
);
CREATE INDEX assignments_unposted ON assignments (next_post_at) WHERE posted_at IS NULL;

-- Append-only decision log: "why this case went to whom". candidates is stored compactly:
-- {"e": [[engineerId, score], ...eligible in choice order], "x": [[[reasons], [engineerIds]], ...]}.
CREATE TABLE decisions (
  id                 serial PRIMARY KEY,
  case_id            text NOT NULL REFERENCES cases (id),
  at                 timestamptz NOT NULL,
  policy_version     text NOT NULL,
  ladder_step        integer NOT NULL,
  outcome            text NOT NULL CHECK (outcome IN ('assigned', 'unassigned', 'flagged')),
  chosen_engineer_id text,
  candidates         json NOT NULL  -- json, not jsonb: written once, never queried inside; json stores the text as is (cheap to insert)
);
CREATE INDEX decisions_by_case ON decisions (case_id, id);

CREATE FUNCTION decisions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'decisions is append-only (% refused)', TG_OP;
END;
$$;
CREATE TRIGGER decisions_append_only BEFORE UPDATE OR DELETE ON decisions
  FOR EACH ROW EXECUTE FUNCTION decisions_append_only();

CREATE TABLE cycles (
  id          serial PRIMARY KEY,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz,
  outcome     text NOT NULL DEFAULT 'running' CHECK (outcome IN ('ok', 'failed', 'running')),
  fetched     integer NOT NULL DEFAULT 0,
  skipped     integer NOT NULL DEFAULT 0,
  assigned    integer NOT NULL DEFAULT 0,
  flagged     integer NOT NULL DEFAULT 0,
  posted      integer NOT NULL DEFAULT 0,
  error       text
);

-- Malformed queue records, kept for diagnosis (counted per cycle and in metrics).
CREATE TABLE rejected_records (
  id        serial PRIMARY KEY,
  cycle_id  integer REFERENCES cycles (id),
  at        timestamptz NOT NULL DEFAULT now(),
  reason    text NOT NULL,
  record    jsonb
);
