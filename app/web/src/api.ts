// Typed client for the case-assigner JSON API (contract documented in app/README.md).
// Paths are relative so the UI works wherever it is mounted (serve at `/`, nginx, an Ingress prefix).

export type Severity = 'A' | 'B' | 'C';
export type CaseStatus = 'unassigned' | 'assigned' | 'flagged' | 'resolved';

export const SEVERITIES: readonly Severity[] = ['A', 'B', 'C'];
export const CASE_STATUSES: readonly CaseStatus[] = ['unassigned', 'assigned', 'flagged', 'resolved'];

export interface CaseView {
  id: string;
  product: string;
  severity: Severity;
  customer: string;
  createdAt: string;
  slaDeadline: string;
  status: CaseStatus;
  engineerId: string | null;
  engineerName: string | null;
  assignedAt: string | null;
  ladderStep: number | null;
  atRisk: boolean;
}

export interface Candidate {
  engineerId: string;
  engineerName: string;
  eligible: boolean;
  excludedReasons: string[];
  /** Lower is better; the API lists candidates best first. */
  score: number | null;
}

export interface Decision {
  id: number;
  at: string;
  policyVersion: string;
  /** 0 = strict match, 1 = one readiness level relaxed. */
  ladderStep: number;
  outcome: 'assigned' | 'unassigned' | 'flagged';
  chosenEngineerId: string | null;
  candidates: Candidate[];
  /** Rules that acted on the decision (preemption, rebalancing), each with its reason. */
  notes?: string[];
}

export interface CaseDetail extends CaseView {
  decisions: Decision[];
}

export interface CasePage {
  items: CaseView[];
  total: number;
  limit: number;
  offset: number;
}

export interface EngineerStats {
  id: string;
  name: string;
  open: number;
  load: number;
  capacity: number;
  assignedToday: number;
  assignedWeek: number;
  /** On shift now (their time zone) and not out of office. */
  onShift: boolean;
  /** Now if on shift, else when the next shift starts (null: none within a week). */
  nextShiftAt: string | null;
  outOfOffice: boolean;
  /** Open cases assigned to them that they cannot have started (off shift since the assignment). */
  parked: number;
}

/** Last 7 days of one severity; `breached` counts cases parked with an off-shift engineer past the deadline. */
export interface SeverityStats {
  cases: number;
  breached: number;
  breachRate: number;
  parked: number;
  parkedAtRisk: number;
}

export interface ParkedCase {
  caseId: string;
  severity: 'A' | 'B' | 'C';
  product: string;
  engineerId: string;
  engineerName: string;
  slaDeadline: string;
  shiftStartsAt: string | null;
  /** The engineer's next shift starts at or after the deadline. */
  atRisk: boolean;
  /** The deadline passed while the engineer is still off shift. */
  breached: boolean;
}

export interface LastCycle {
  startedAt: string;
  finishedAt: string | null;
  outcome: 'ok' | 'failed' | 'running';
  assigned: number;
  error: string | null;
}

export interface Stats {
  generatedAt: string;
  engineers: EngineerStats[];
  products: { product: string; open: number; unassigned: number }[];
  unassigned: number;
  atRisk: number;
  queueDepth: number;
  slaBreachRate: number;
  jainIndex: number;
  bySeverity?: Partial<Record<'A' | 'B' | 'C', SeverityStats>>;
  parked?: ParkedCase[];
  /** Assignments not yet acknowledged by the assignment API, and those refused for good (the engineer was not told). */
  outbox?: { pending: number; deadLettered: number };
  lastCycle: LastCycle | null;
}

export interface Engineer {
  id: string;
  name: string;
  email: string;
  capacity: number;
  /** 0 = not ready .. 3 = expert, per product. */
  readiness: Record<string, 0 | 1 | 2 | 3>;
  shift: { timezone: string; start: string; end: string; days: string[] };
  outOfOffice: boolean;
}

export type SortDirection = 'asc' | 'desc';
/** Fields `GET /cases?sort=` accepts. */
export type CaseSortField = 'createdAt' | 'slaDeadline' | 'severity' | 'product' | 'status' | 'engineerId' | 'assignedAt';

export interface CaseQuery {
  engineer?: string;
  product?: string;
  severity?: Severity | '';
  status?: CaseStatus | '';
  /** ISO 8601 instant. */
  since?: string;
  limit: number;
  offset: number;
  sort: { field: CaseSortField; direction: SortDirection };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Builds the `/cases` query string; empty filters are left out so the API applies its defaults. */
export function casesSearchParams(query: CaseQuery): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of ['engineer', 'product', 'severity', 'status', 'since'] as const) {
    const value = query[key];
    if (value) params.set(key, value);
  }
  params.set('limit', String(query.limit));
  params.set('offset', String(query.offset));
  params.set('sort', `${query.sort.field}:${query.sort.direction}`);
  return params;
}

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, { headers: { accept: 'application/json' }, signal });
  if (!response.ok) {
    // The API answers 4xx/5xx with `{ message }`; fall back to the status text if the body is not JSON.
    let detail = response.statusText;
    try {
      const body: unknown = await response.json();
      if (body && typeof body === 'object' && 'message' in body && typeof body.message === 'string') detail = body.message;
    } catch {
      // keep statusText
    }
    throw new ApiError(response.status, `GET ${path} failed: ${response.status} ${detail}`);
  }
  return (await response.json()) as T;
}

export const api = {
  cases: (query: CaseQuery, signal?: AbortSignal) => getJson<CasePage>(`cases?${casesSearchParams(query)}`, signal),
  case: (id: string, signal?: AbortSignal) => getJson<CaseDetail>(`cases/${encodeURIComponent(id)}`, signal),
  stats: (signal?: AbortSignal) => getJson<Stats>('stats', signal),
  engineers: (signal?: AbortSignal) => getJson<Engineer[]>('engineers', signal),
};
