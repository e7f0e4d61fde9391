// Scenario files for `simulate` / `npm run bench:assign` (YAML or JSON), validated like settings.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Engineer, PolicyConfig, Severity } from '../domain';
import { SEVERITIES } from '../domain';
import { SettingsError, describeIssues, engineerSchema, policyConfig, shiftSchema, toEngineer } from '../settings';
import { DEFAULT_CRITICAL, criticalSchema } from '../critical';

const severitySim = z.strictObject({
  share: z.number().min(0),
  slaHours: z.number().positive(),
  minReadiness: z.number().int().min(1).max(3),
  weight: z.number().positive(),
  /** Engineer working hours a case takes once started (spread over days when it exceeds a shift). */
  handlingHours: z.number().positive(),
  relaxable: z.boolean(),
});

const groupSchema = z.strictObject({
  count: z.number().int().positive(),
  namePrefix: z.string().min(1),
  capacity: z.number().positive(),
  readiness: z.record(z.string(), z.number().int().min(0).max(3)),
  shift: shiftSchema,
});

export const scenarioSchema = z
  .strictObject({
    name: z.string().optional(),
    seed: z.number().int(),
    days: z.number().positive().max(366),
    /** First simulated instant (default: Monday 2026-01-05 00:00 UTC). */
    start: z.iso.datetime().default('2026-01-05T00:00:00Z'),
    cycleMinutes: z.number().positive().default(5),
    arrivals: z.strictObject({
      perDay: z.number().positive(),
      pattern: z.enum(['business-hours', 'uniform']),
      /** Time zone(s) whose business hours (Mon-Fri 08:00-18:00) carry most arrivals; several = a global customer base. */
      timezone: z.union([z.string(), z.array(z.string()).min(1)]).default('UTC'),
    }),
    products: z.array(z.strictObject({ name: z.string().min(1), share: z.number().positive() })).min(1),
    severities: z.strictObject({ A: severitySim, B: severitySim, C: severitySim }),
    relaxation: z.strictObject({ afterMinutes: z.number().min(0) }).default({ afterMinutes: 30 }),
    /** The critical-work rules, as in settings.yaml (src/critical.ts). */
    critical: criticalSchema.default(DEFAULT_CRITICAL),
    /** Minutes of working time an idle engineer needs for a first response; grows with their load. */
    responseMinutes: z.number().positive().default(15),
    engineers: z.array(engineerSchema).default([]),
    engineerGroups: z.array(groupSchema).default([]),
  })
  .refine((s) => s.engineers.length + s.engineerGroups.length > 0, { message: 'needs engineers or engineerGroups', path: ['engineers'] });

export type ScenarioInput = z.input<typeof scenarioSchema>;

export interface Scenario extends Omit<z.output<typeof scenarioSchema>, 'engineers' | 'engineerGroups'> {
  readonly engineerList: Engineer[];
  readonly policy: PolicyConfig;
}

export function parseScenario(input: unknown, source = 'scenario'): Scenario {
  const r = scenarioSchema.safeParse(input);
  if (!r.success) throw new SettingsError(source, describeIssues(r.error.issues, input));
  const s = r.data;
  const engineerList = s.engineers.map(toEngineer);
  for (const g of s.engineerGroups) {
    for (let i = 1; i <= g.count; i++) {
      engineerList.push(toEngineer({ name: `${g.namePrefix}-${String(i).padStart(3, '0')}`, capacity: g.capacity, readiness: g.readiness, shift: g.shift, outOfOffice: false }));
    }
  }
  const rules = Object.fromEntries(SEVERITIES.map((k) => [k, { slaHours: s.severities[k].slaHours, minReadiness: s.severities[k].minReadiness, weight: s.severities[k].weight, relaxable: s.severities[k].relaxable }])) as Record<Severity, PolicyConfig['severities'][Severity]>;
  const { engineers: _e, engineerGroups: _g, ...rest } = s;
  return { ...rest, engineerList, policy: policyConfig(rules, s.relaxation.afterMinutes, s.critical) };
}

/** Reads a scenario; a relative path that is not found is also tried against npm's INIT_CWD (root-level runs). */
export function loadScenario(path: string): Scenario {
  const alt = process.env.INIT_CWD ? resolve(process.env.INIT_CWD, path) : path;
  if (!existsSync(path) && existsSync(alt)) path = alt;
  const text = readFileSync(path, 'utf8');
  return parseScenario(path.endsWith('.json') ? JSON.parse(text) : parseYaml(text), path);
}
