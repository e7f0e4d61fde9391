// Shared builders for the tool's tests.
import type { Engineer, OpenCase, PolicyConfig, Severity } from '../src/domain';
import { policyConfig } from '../src/settings';

export const CFG: PolicyConfig = policyConfig(
  {
    A: { slaHours: 1, minReadiness: 3, weight: 3, relaxable: false },
    B: { slaHours: 4, minReadiness: 2, weight: 2, relaxable: true },
    C: { slaHours: 8, minReadiness: 1, weight: 1, relaxable: true },
  },
  30,
);

/** Monday 2026-01-05 10:00 UTC. */
export const MONDAY_10 = new Date('2026-01-05T10:00:00Z');

export function eng(id: string, over: Partial<Engineer> = {}): Engineer {
  return {
    id, name: id, email: `${id}@example.com`, capacity: 10,
    readiness: { aks: 3, vm: 3 },
    shift: { timezone: 'UTC', start: '08:00', end: '18:00', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'] },
    outOfOffice: false, ...over,
  };
}

export function kase(id: string, severity: Severity, createdAt: Date, over: Partial<OpenCase> = {}): OpenCase {
  return {
    id, product: 'aks', severity, createdAt, slaDeadline: new Date(createdAt.getTime() + CFG.severities[severity].slaHours * 3_600_000),
    status: 'unassigned', lastOutcome: null, lastLadderStep: null, ...over,
  };
}

export const minutes = (d: Date, m: number) => new Date(d.getTime() + m * 60_000);
