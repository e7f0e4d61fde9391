// JSON schemas of the HTTP API: they validate requests, serialize responses and generate the OpenAPI document.
const ts = { type: 'string', format: 'date-time' } as const;
const nullable = (t: string) => ({ type: [t, 'null'] }) as const;

export const errorSchema = {
  $id: 'Error', type: 'object', required: ['error', 'message'],
  properties: { error: { type: 'string' }, message: { type: 'string' } },
} as const;

const caseProps = {
  id: { type: 'string' }, product: { type: 'string' }, severity: { type: 'string', enum: ['A', 'B', 'C'] }, customer: { type: 'string' },
  createdAt: ts, slaDeadline: ts, status: { type: 'string', enum: ['unassigned', 'assigned', 'flagged', 'resolved'] },
  engineerId: nullable('string'), engineerName: nullable('string'), assignedAt: { type: ['string', 'null'], format: 'date-time' },
  ladderStep: { ...nullable('integer'), description: '0 = strict match; 1 = one readiness level relaxed' },
  atRisk: { type: 'boolean', description: 'waiting for an engineer and within atRiskMinutes of (or past) its SLA deadline' },
} as const;

export const caseViewSchema = { $id: 'CaseView', type: 'object', required: Object.keys(caseProps), properties: caseProps } as const;

export const candidateSchema = {
  $id: 'Candidate', type: 'object', required: ['engineerId', 'engineerName', 'eligible', 'excludedReasons', 'score'],
  properties: {
    engineerId: { type: 'string' }, engineerName: { type: 'string' }, eligible: { type: 'boolean' },
    excludedReasons: { type: 'array', items: { type: 'string' } },
    score: { ...nullable('number'), description: 'lower is better: 0..1 load/capacity after the case if on shift now, 1..2 if starting later' },
  },
} as const;

export const decisionSchema = {
  $id: 'Decision', type: 'object', required: ['id', 'at', 'policyVersion', 'ladderStep', 'outcome', 'chosenEngineerId', 'candidates'],
  properties: {
    id: { type: 'integer' }, at: ts, policyVersion: { type: 'string' }, ladderStep: { type: 'integer' },
    outcome: { type: 'string', enum: ['assigned', 'unassigned', 'flagged'] }, chosenEngineerId: nullable('string'),
    candidates: { type: 'array', items: { $ref: 'Candidate#' } },
    notes: { type: 'array', items: { type: 'string' }, description: 'rules that acted on the decision (preemption, rebalancing), each with its reason' },
  },
} as const;

export const caseDetailSchema = {
  $id: 'CaseDetail', type: 'object', required: [...Object.keys(caseProps), 'decisions'],
  properties: { ...caseProps, decisions: { type: 'array', items: { $ref: 'Decision#' } } },
} as const;

export const caseListQuery = {
  type: 'object', additionalProperties: false,
  properties: {
    engineer: { type: 'string', minLength: 1, maxLength: 200 }, product: { type: 'string', minLength: 1, maxLength: 200 },
    severity: { type: 'string', enum: ['A', 'B', 'C'] }, status: { type: 'string', enum: ['unassigned', 'assigned', 'flagged', 'resolved'] },
    since: { type: 'string', format: 'date-time', maxLength: 40 },
    // Deep offsets scan and discard rows: narrow with filters (since, status, engineer) instead.
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 }, offset: { type: 'integer', minimum: 0, maximum: 10_000, default: 0 },
    sort: { type: 'string', pattern: '^(createdAt|slaDeadline|severity|product|status|engineerId|assignedAt):(asc|desc)$', default: 'slaDeadline:asc' },
  },
} as const;

export const caseListSchema = {
  $id: 'CaseList', type: 'object', required: ['items', 'total', 'limit', 'offset'],
  properties: {
    items: { type: 'array', items: { $ref: 'CaseView#' } },
    total: { type: 'integer', description: 'matching cases, counted up to 10,000 (see totalExact)' },
    totalExact: { type: 'boolean', description: 'false when more than 10,000 cases match and total is the cap' },
    limit: { type: 'integer' }, offset: { type: 'integer' },
  },
} as const;

export const statsSchema = {
  $id: 'Stats', type: 'object',
  required: ['generatedAt', 'engineers', 'products', 'unassigned', 'atRisk', 'queueDepth', 'slaBreachRate', 'jainIndex', 'lastCycle'],
  properties: {
    generatedAt: ts,
    engineers: {
      type: 'array',
      items: {
        type: 'object', required: ['id', 'name', 'open', 'load', 'capacity', 'assignedToday', 'assignedWeek'],
        properties: {
          id: { type: 'string' }, name: { type: 'string' }, open: { type: 'integer' }, load: { type: 'number', description: 'open weighted load' }, capacity: { type: 'number' }, assignedToday: { type: 'integer' }, assignedWeek: { type: 'integer' },
          onShift: { type: 'boolean', description: 'on shift now (in their time zone) and not out of office' },
          nextShiftAt: { type: ['string', 'null'], format: 'date-time', description: 'now if on shift, else when the next shift starts' },
          outOfOffice: { type: 'boolean' },
          parked: { type: 'integer', description: 'open cases assigned to this engineer that they cannot have started (off shift since)' },
        },
      },
    },
    products: { type: 'array', items: { type: 'object', required: ['product', 'open', 'unassigned'], properties: { product: { type: 'string' }, open: { type: 'integer' }, unassigned: { type: 'integer' } } } },
    unassigned: { type: 'integer' }, atRisk: { type: 'integer' }, queueDepth: { type: 'integer' }, flagged: { type: 'integer' },
    slaBreachRate: { type: 'number', description: 'share of cases created in the last 7 days assigned after, still waiting past, or parked with an off-shift engineer past their SLA deadline (the tool sees assignment, not first response)' },
    jainIndex: { type: 'number', description: "Jain's fairness index over open load / capacity" },
    bySeverity: {
      type: 'object', description: 'last 7 days per severity; breached = assigned after, waiting past, or parked with an off-shift engineer past the deadline',
      additionalProperties: {
        type: 'object', required: ['cases', 'breached', 'breachRate', 'parked', 'parkedAtRisk'],
        properties: { cases: { type: 'integer' }, breached: { type: 'integer' }, breachRate: { type: 'number' }, parked: { type: 'integer' }, parkedAtRisk: { type: 'integer', description: "parked with an engineer whose next shift starts at or after the deadline" } },
      },
    },
    parked: {
      type: 'array', description: 'cases parked with engineers off shift since the assignment (not started), most urgent first, at most 200',
      items: {
        type: 'object', required: ['caseId', 'severity', 'product', 'engineerId', 'engineerName', 'slaDeadline', 'shiftStartsAt', 'atRisk', 'breached'],
        properties: {
          caseId: { type: 'string' }, severity: { type: 'string' }, product: { type: 'string' }, engineerId: { type: 'string' }, engineerName: { type: 'string' },
          slaDeadline: ts, shiftStartsAt: { type: ['string', 'null'], format: 'date-time' }, atRisk: { type: 'boolean' }, breached: { type: 'boolean' },
        },
      },
    },
    outbox: {
      type: 'object', required: ['pending', 'deadLettered'],
      properties: {
        pending: { type: 'integer', description: 'assignments not yet acknowledged by the assignment API (retried with backoff)' },
        deadLettered: { type: 'integer', description: 'assignments refused for good or after the maximum attempts: the engineer was not told' },
      },
    },
    lastCycle: {
      type: ['object', 'null'], required: ['startedAt', 'finishedAt', 'outcome', 'assigned', 'error'],
      properties: { startedAt: ts, finishedAt: { type: ['string', 'null'], format: 'date-time' }, outcome: { type: 'string', enum: ['ok', 'failed', 'running'] }, assigned: { type: 'integer' }, error: nullable('string') },
    },
  },
} as const;

export const engineerListSchema = {
  $id: 'EngineerList', type: 'array',
  items: {
    type: 'object', required: ['id', 'name', 'email', 'capacity', 'readiness', 'shift', 'outOfOffice'],
    properties: {
      id: { type: 'string' }, name: { type: 'string' }, email: { type: 'string' }, capacity: { type: 'number' },
      readiness: { type: 'object', additionalProperties: { type: 'integer', minimum: 0, maximum: 3 } },
      shift: {
        type: 'object', required: ['timezone', 'start', 'end', 'days'],
        properties: { timezone: { type: 'string' }, start: { type: 'string' }, end: { type: 'string' }, days: { type: 'array', items: { type: 'string' } } },
      },
      outOfOffice: { type: 'boolean' },
    },
  },
} as const;
