// settings.yaml: schema, loading and validation. Every problem is reported at once, each with its path.
// Tokens are never read from the file: only the names of environment variables or mounted secret files.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Engineer, PolicyConfig, Severity, SeverityRule } from './domain';
import { SEVERITIES, WEEKDAYS } from './domain';
import { isValidTimeZone } from './shift';
import { normalizeProduct } from './queue/records';
import { SENSITIVE_KEY, paginationSchema, redactUrl, runtimeKeys } from './settings-runtime';
import { DEFAULT_CRITICAL, criticalSchema, type CriticalConfig } from './critical';

export const DEFAULT_SETTINGS_PATH = '/app/config/settings.yaml';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected "HH:MM" (24-hour)');

export const shiftSchema = z.strictObject({
  timezone: z.string().refine(isValidTimeZone, 'unknown IANA time zone'),
  start: hhmm,
  end: hhmm,
  days: z.array(z.enum(WEEKDAYS)).min(1).default(['Mon', 'Tue', 'Wed', 'Thu', 'Fri']),
});

const readinessSchema = z.record(z.string().min(1), z.number().int().min(0).max(3));

export const engineerSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lowercase letters, digits, ".", "_" or "-"').optional(),
  name: z.string().min(1),
  email: z.string().email().optional(),
  capacity: z.number().positive(),
  readiness: readinessSchema,
  shift: shiftSchema,
  outOfOffice: z.boolean().default(false),
});

export const severityRuleSchema = z.strictObject({
  slaHours: z.number().positive(),
  // Readiness 0 means "not ready": no severity may accept it.
  minReadiness: z.number().int().min(1).max(3),
  weight: z.number().positive(),
  relaxable: z.boolean(),
});

const authSchema = z
  .strictObject({
    header: z.string().default('Authorization'),
    scheme: z.string().default('Bearer'),
    tokenEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name').optional(),
    tokenFile: z.string().startsWith('/', 'an absolute path to a mounted secret file').optional(),
    token: z.never({ error: 'tokens are never read from settings.yaml: use tokenEnv or tokenFile' }).optional(),
  })
  .refine((a) => a.tokenEnv || a.tokenFile, 'set tokenEnv or tokenFile');

const fieldMapSchema = z.strictObject({
  id: z.string().default('id'),
  product: z.string().default('product'),
  severity: z.string().default('severity'),
  customer: z.string().default('customer'),
  createdAt: z.string().default('createdAt'),
  status: z.string().default('status'),
  /** Optional: the queue's own SLA deadline per case (it wins over createdAt + slaHours). */
  slaDeadline: z.string().optional(),
});

const httpQueueSchema = z.strictObject({
  type: z.literal('http'),
  url: z.url(),
  auth: authSchema.optional(),
  /** Dot path to the array of cases in the response; empty when the response is the array. */
  itemsPath: z.string().default('items'),
  /** Query parameter that receives the last fetch time, if the queue API supports incremental reads. */
  sinceParam: z.string().optional(),
  fields: fieldMapSchema.default(fieldMapSchema.parse({})),
  resolvedStatuses: z.array(z.string()).default(['resolved', 'closed']),
  timeoutSeconds: z.number().positive().default(10),
  /** How the queue pages (README "Queue API contract"); absent = one response holds everything. */
  pagination: paginationSchema.optional(),
  /** The listing without sinceParam returns every open case: enables reconciliation (reading.fullSweepEveryMinutes). */
  listsAllOpenCases: z.boolean().default(false),
  /** One case by id, `{id}` in the URL: re-checked before a case a full listing missed is freed. */
  caseUrl: z.url().optional(),
});

const simulatedQueueSchema = z.strictObject({
  type: z.literal('simulated'),
  seed: z.number().int().default(1),
  perDay: z.number().positive().default(240),
  products: z.array(z.strictObject({ name: z.string().min(1), share: z.number().positive() })).min(1),
  severityShares: z.strictObject({ A: z.number().min(0), B: z.number().min(0), C: z.number().min(0) }).default({ A: 0.1, B: 0.3, C: 0.6 }),
  /** Mean handling time before the simulated queue reports a case resolved. */
  handlingHours: z.number().positive().default(6),
});

const httpAssignSchema = z.strictObject({
  type: z.literal('http'),
  url: z.url(),
  auth: authSchema.optional(),
  timeoutSeconds: z.number().positive().default(10),
});

export const settingsSchema = z
  .strictObject({
    queue: z.discriminatedUnion('type', [httpQueueSchema, simulatedQueueSchema]),
    assignmentApi: z.discriminatedUnion('type', [httpAssignSchema, z.strictObject({ type: z.literal('simulated') })]),
    pollIntervalSeconds: z.number().int().min(5).max(3600).default(60),
    atRiskMinutes: z.number().positive().default(30),
    severities: z.strictObject({ A: severityRuleSchema, B: severityRuleSchema, C: severityRuleSchema }),
    relaxation: z.strictObject({ afterMinutes: z.number().min(0).default(30) }).default({ afterMinutes: 30 }),
    /** Rules that protect critical work (src/critical.ts, docs/policy.md); every field has a default. */
    critical: criticalSchema.default(DEFAULT_CRITICAL),
    engineers: z.array(engineerSchema).min(1),
    ...runtimeKeys,
  });

/**
 * Duplicate engineer ids, checked on the raw input so they are reported together with every other problem
 * (zod skips refinements of a schema whose parts already failed).
 */
function duplicateIds(input: unknown): string[] {
  const list = (input as { engineers?: unknown })?.engineers;
  if (!Array.isArray(list)) return [];
  const seen = new Map<string, number>();
  const out: string[] = [];
  list.forEach((e, i) => {
    if (!e || typeof e !== 'object' || typeof (e as { name?: unknown }).name !== 'string') return;
    const id = engineerId(e as { id?: string; name: string });
    if (seen.has(id)) out.push(`engineers[${i}].id: duplicate engineer id "${id}" (also engineers[${seen.get(id)}])`);
    else seen.set(id, i);
  });
  return out;
}

export type SettingsInput = z.input<typeof settingsSchema>;
export type Settings = z.output<typeof settingsSchema> & { readonly policy: PolicyConfig; readonly engineerList: Engineer[] };

export class SettingsError extends Error {
  constructor(readonly source: string, readonly problems: string[]) {
    super(`${source}: ${problems.length} problem(s) in settings\n  - ${problems.join('\n  - ')}`);
    this.name = 'SettingsError';
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(root)';
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

/** Turns zod issues into "path: message (got <value>)" lines. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], input: unknown): string[] {
  return issues.map((i) => {
    const got = valueAt(input, i.path);
    // Never echo a secret (these lines end up in pod logs): values under sensitive keys are hidden, URLs lose user-info.
    const secret = i.path.some((p) => typeof p === 'string' && SENSITIVE_KEY.test(p));
    const shown = got === undefined || typeof got === 'object' ? '' : secret ? ' (got <redacted>)' : ` (got ${JSON.stringify(typeof got === 'string' ? redactUrl(got) : got)})`;
    return `${formatPath(i.path)}: ${i.message}${shown}`;
  });
}

export function engineerId(e: { id?: string; name: string }): string {
  return e.id ?? e.name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
}

export function toEngineer(e: z.output<typeof engineerSchema>): Engineer {
  const id = engineerId(e);
  // Readiness keys are product names: normalized like queue records' products (README "Product names").
  const readiness = Object.fromEntries(Object.entries(e.readiness).map(([p, r]) => [normalizeProduct(p), r]));
  return { id, name: e.name, email: e.email ?? `${id}@example.invalid`, capacity: e.capacity, readiness, shift: e.shift, outOfOffice: e.outOfOffice };
}

/** Policy version: a readable prefix plus a hash of every rule that changes decisions, so the log shows rule changes. */
export function policyConfig(severities: Record<Severity, SeverityRule>, relaxAfterMinutes: number, critical: CriticalConfig = DEFAULT_CRITICAL): PolicyConfig {
  const rules = SEVERITIES.map((s) => [s, severities[s].slaHours, severities[s].minReadiness, severities[s].weight, severities[s].relaxable]);
  const hash = createHash('sha256').update(JSON.stringify({ rules, relaxAfterMinutes, critical })).digest('hex').slice(0, 8);
  // ours-3: the critical-work rules (headroom, look-ahead, preemption, rebalancing, priority) entered the code.
  return { severities, relaxAfterMinutes, critical, version: `ours-3.${hash}` };
}

export function parseSettings(input: unknown, source = 'settings'): Settings {
  const r = settingsSchema.safeParse(input);
  const problems = [...(r.success ? [] : describeIssues(r.error.issues, input)), ...duplicateIds(input)];
  if (!r.success || problems.length > 0) throw new SettingsError(source, problems);
  const s = r.data;
  return { ...s, policy: policyConfig(s.severities, s.relaxation.afterMinutes, s.critical), engineerList: s.engineers.map(toEngineer) };
}

export function loadSettings(path = process.env.CASE_ASSIGNER_SETTINGS ?? DEFAULT_SETTINGS_PATH): Settings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SettingsError(path, [`cannot read the file: ${(err as Error).message}`]);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    // First line only ("... at line N, column M:"): the parser then quotes the source line, which may hold a secret.
    throw new SettingsError(path, [`not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  return parseSettings(doc, path);
}

/** Reads a token from the environment or a mounted secret file; fails loudly if configured but missing. */
export function resolveToken(auth: { tokenEnv?: string; tokenFile?: string } | undefined, env = process.env): string | undefined {
  if (!auth) return undefined;
  if (auth.tokenEnv) {
    const v = env[auth.tokenEnv];
    if (v) return v;
    if (!auth.tokenFile) throw new Error(`environment variable ${auth.tokenEnv} is not set (needed for API auth)`);
  }
  try {
    return readFileSync(auth.tokenFile!, 'utf8').trim();
  } catch (err) {
    throw new Error(`cannot read token file ${auth.tokenFile}: ${(err as Error).message}`);
  }
}
