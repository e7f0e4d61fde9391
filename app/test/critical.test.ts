// The rules that protect critical (severity-A) work: each rule's unit behaviour, and a small replay through the
// production cycle + simulator in which switching the rule off measurably worsens severity-A breaches.
import { DEFAULT_CRITICAL, ENGINEER_WORK_ORDER, compareWork, criticalSchema, withoutRules, type CriticalInput, type RuleName } from '../src/critical';
import { runCycle } from '../src/cycle';
import type { EngineerState, OpenCase } from '../src/domain';
import { silentLogger } from '../src/log';
import { planCycle, type AssignedCase } from '../src/plan';
import { availability, decideOursLazy, reserves } from '../src/policy';
import { assignmentFlagsBody } from '../src/queue/http';
import { parseSettings, policyConfig, SettingsError } from '../src/settings';
import { isUnavoidable } from '../src/sim/run';
import { parseScenario, type Scenario } from '../src/sim/scenario';
import { SimWorld, type SimCase } from '../src/sim/world';
import { MemoryStore } from '../src/store/memory-store';
import { CFG, MONDAY_10, eng, kase, minutes } from './fixtures';

const cfgWith = (c: CriticalInput) => policyConfig(CFG.severities, CFG.relaxAfterMinutes, criticalSchema.parse(c));
const PRE = cfgWith({ preemption: { enabled: true } });
const state = (entries: [string, number][]) => new Map<string, EngineerState>(entries.map(([id, load]) => [id, { load, open: 1, rotation: 1 }]));

function decide(engineers: ReturnType<typeof eng>[], k: OpenCase, st: Map<string, EngineerState>, cfg = CFG, now = MONDAY_10) {
  const avail = availability(engineers, now, cfg.critical.endOfShift.enabled ? cfg.critical.endOfShift.minutes : 0);
  return decideOursLazy({ kase: k, engineers, state: st, avail, cfg, now, reserve: reserves(engineers, avail, cfg) });
}

describe('settings: critical', () => {
  const base = { queue: { type: 'simulated', products: [{ name: 'aks', share: 1 }] }, assignmentApi: { type: 'simulated' }, severities: { A: { slaHours: 1, minReadiness: 3, weight: 3, relaxable: false }, B: { slaHours: 4, minReadiness: 2, weight: 2, relaxable: true }, C: { slaHours: 8, minReadiness: 1, weight: 1, relaxable: true } }, engineers: [{ name: 'a', capacity: 10, readiness: { aks: 3 }, shift: { timezone: 'UTC', start: '08:00', end: '17:00' } }] };
  it('defaults every rule (preemption off) and puts the rules in the policy version', () => {
    const s = parseSettings(base);
    expect(s.policy.critical).toEqual(DEFAULT_CRITICAL);
    expect(s.policy.critical.preemption.enabled).toBe(false);
    expect(parseSettings({ ...base, critical: { preemption: { enabled: true } } }).policy.version).not.toBe(s.policy.version);
  });
  it('reports every bad value with its path', () => {
    try {
      parseSettings({ ...base, critical: { headroom: { scarceAtMost: 0 }, preemption: { withinMinutes: -1 }, rebalance: { maxMovesPerCycle: 1.5 }, bogus: true } });
      throw new Error('accepted');
    } catch (e) {
      const p = (e as SettingsError).problems.join('\n');
      expect(p).toMatch(/critical\.headroom\.scarceAtMost: .*>=1/);
      expect(p).toMatch(/critical\.preemption\.withinMinutes: .*>=0/);
      expect(p).toMatch(/critical\.rebalance\.maxMovesPerCycle: .*int/);
      expect(p).toMatch(/critical: .*bogus/);
    }
  });
});

describe('headroom on scarce experts', () => {
  const expert = eng('expert', { readiness: { aks: 3 }, capacity: 6 });
  const gen = eng('gen', { readiness: { aks: 1 }, capacity: 6 });
  it('keeps a critical weight free on one of few ready engineers, with the reason in the log', () => {
    const d = decide([expert], kase('c', 'C', MONDAY_10), state([['expert', 3]]));
    expect(d.outcome).toBe('unassigned');
    expect(d.explain()[0].excludedReasons).toEqual(['headroom: keeps 3 of 6 free for severity-A aks work (1 ready on shift)']);
    // The reserve is for critical work: an A takes it.
    expect(decide([expert], kase('a', 'A', MONDAY_10), state([['expert', 3]])).chosenEngineerId).toBe('expert');
  });
  it('gives other work to engineers who can take it first, and releases the reserve near the deadline', () => {
    expect(decide([expert, gen], kase('c', 'C', MONDAY_10), state([['gen', 2]])).chosenEngineerId).toBe('gen');
    const late = kase('c', 'C', minutes(MONDAY_10, -7.5 * 60)); // 30 min to its deadline
    expect(decide([expert], late, state([['expert', 3]])).chosenEngineerId).toBe('expert');
  });
  it('does not apply when more than scarceAtMost ready engineers are on shift, nor when switched off', () => {
    const many = ['x1', 'x2', 'x3', 'x4'].map((id) => eng(id, { readiness: { aks: 3 }, capacity: 6 }));
    expect(reserves(many, availability(many, MONDAY_10), CFG).size).toBe(0);
    expect(decide([expert], kase('c', 'C', MONDAY_10), state([['expert', 3]]), cfgWith({ headroom: { enabled: false } })).chosenEngineerId).toBe('expert');
  });
});

describe('look-ahead before a shift', () => {
  const morning = eng('morning', { readiness: { aks: 3 }, capacity: 6, shift: { timezone: 'UTC', start: '12:00', end: '20:00', days: ['Mon'] } });
  it('keeps a critical weight free on a ready engineer who has not started yet', () => {
    const d = decide([morning], kase('c', 'C', MONDAY_10), state([['morning', 3]]));
    expect(d.explain()[0].excludedReasons).toEqual(['look-ahead: keeps 3 of 6 free for severity-A work expected when the shift starts at 2026-01-05T12:00Z']);
    expect(decide([morning], kase('c', 'C', MONDAY_10), state([['morning', 2]])).chosenEngineerId).toBe('morning');
    expect(decide([morning], kase('c', 'C', MONDAY_10), state([['morning', 3]]), cfgWith({ lookAhead: { enabled: false } })).chosenEngineerId).toBe('morning');
  });
  it('sizes the reserve from the expected critical arrivals of the shift start, shared by who is ready by then', () => {
    const avail = (es: ReturnType<typeof eng>[]) => availability(es, MONDAY_10);
    const morning = eng('morning', { readiness: { aks: 3 }, capacity: 10, shift: { timezone: 'UTC', start: '12:00', end: '20:00', days: ['Mon'] } });
    // 1 A an hour for aks (last 7 days) x 2 h = 2 expected; alone -> 2 slots (6); with a colleague starting too -> 1.
    const solo = reserves([morning], avail([morning]), CFG, new Map([['aks', 1]])).get('morning')!;
    expect(solo.weight).toBe(6);
    expect(solo.reason).toBe('look-ahead: keeps 6 of 10 free for severity-A work expected when the shift starts at 2026-01-05T12:00Z (~2.0 expected per ready engineer in its first 2 h)');
    const pair = [morning, eng('m2', { readiness: { aks: 3 }, shift: morning.shift })];
    expect(reserves(pair, avail(pair), CFG, new Map([['aks', 1]])).get('morning')!.weight).toBe(3);
    // No history: the minimum, `slots`; a heavy forecast never takes the whole capacity (here at most 3 slots).
    expect(reserves([morning], avail([morning]), CFG).get('morning')!.weight).toBe(3);
    expect(reserves([morning], avail([morning]), CFG, new Map([['aks', 50]])).get('morning')!.weight).toBe(9);
  });
});

describe('preemption', () => {
  const full = [eng('e1', { readiness: { aks: 3 }, capacity: 6 }), eng('e2', { readiness: { aks: 3 }, capacity: 6 })];
  const a = kase('a', 'A', minutes(MONDAY_10, -20)); // 40 min left
  it('is off unless the settings allow it', () => {
    expect(decide(full, a, state([['e1', 6], ['e2', 5]])).outcome).toBe('unassigned');
  });
  it('gives the case to the least loaded ready engineer on shift with an interrupt flag and a logged reason', () => {
    const d = decide(full, a, state([['e1', 6], ['e2', 5]]), PRE);
    expect(d).toMatchObject({ outcome: 'assigned', chosenEngineerId: 'e2', interrupt: true });
    expect(d.notes![0]).toMatch(/^preemption: .*e2 \(on shift, load 5\/6\) is asked to interrupt/);
    expect(d.explainCompact().n).toEqual(d.notes);
  });
  it('waits while more than withinMinutes remain, and never goes past maxInterrupts', () => {
    expect(decide(full, kase('a', 'A', MONDAY_10), state([['e1', 6], ['e2', 5]]), PRE).outcome).toBe('unassigned');
    expect(decide(full, a, state([['e1', 9], ['e2', 9]]), PRE).outcome).toBe('unassigned');
    // Not for other severities.
    expect(decide(full, kase('b', 'B', minutes(MONDAY_10, -220)), state([['e1', 6], ['e2', 6]]), PRE).outcome).not.toBe('assigned');
  });
});

describe('end of shift', () => {
  const leaving = eng('leaving', { readiness: { aks: 3 }, shift: { timezone: 'UTC', start: '01:00', end: '10:10', days: ['Mon'] } });
  const staying = eng('staying', { readiness: { aks: 3 } });
  it('does not hand new work to someone whose shift ends before a first response', () => {
    expect(decide([leaving, staying], kase('a', 'A', MONDAY_10), state([['staying', 6]])).chosenEngineerId).toBe('staying');
    expect(decide([leaving, staying], kase('a', 'A', MONDAY_10), state([['staying', 6]]), cfgWith({ endOfShift: { enabled: false } })).chosenEngineerId).toBe('leaving');
  });
  it('does not park a case with someone whose shift starts too late to answer before the deadline', () => {
    const late = eng('late', { readiness: { aks: 3 }, shift: { timezone: 'UTC', start: '10:50', end: '18:00', days: ['Mon'] } });
    expect(decide([late], kase('a', 'A', MONDAY_10), state([])).outcome).toBe('unassigned');
    expect(decide([late], kase('a', 'A', MONDAY_10), state([]), cfgWith({ endOfShift: { enabled: false } })).chosenEngineerId).toBe('late');
  });
});

describe('rebalancing', () => {
  const night = eng('night', { readiness: { aks: 1 }, shift: { timezone: 'UTC', start: '00:00', end: '12:00', days: ['Mon'] } });
  const morning = eng('morning', { readiness: { aks: 3 }, shift: { timezone: 'UTC', start: '12:00', end: '20:00', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'] } });
  const parked = (id: string, assignedAt = minutes(MONDAY_10, -60), moved = false): AssignedCase => ({
    id, product: 'aks', severity: 'C', createdAt: minutes(MONDAY_10, -60), slaDeadline: minutes(MONDAY_10, 7 * 60), engineerId: 'morning', assignedAt, moved,
  });
  const snap = (assigned: AssignedCase[]) => ({ cases: [], engineers: [night, morning], state: state([['morning', assigned.length], ['night', 0]]), rotationBase: 1, assigned });
  it('moves an unstarted case from an off-shift engineer to one on shift with room, logged with the reason', () => {
    const plan = planCycle(snap([parked('p1')]), 'ours', CFG, MONDAY_10);
    expect(plan.moves).toMatchObject([{ caseId: 'p1', fromEngineerId: 'morning', engineerId: 'night' }]);
    expect(plan.decisions[0].notes![0]).toBe('rebalance: moved from morning (off shift until 2026-01-05T12:00Z, not started) to night (on shift now)');
  });
  it('is bounded per cycle, moves a case once, and leaves cases their engineer may have started', () => {
    const many = Array.from({ length: 15 }, (_, i) => parked(`p${i}`));
    expect(planCycle(snap(many), 'ours', CFG, MONDAY_10).moves).toHaveLength(CFG.critical.rebalance.maxMovesPerCycle);
    expect(planCycle(snap([parked('p1', undefined, true)]), 'ours', CFG, MONDAY_10).moves).toHaveLength(0);
    // Assigned last Friday: morning has been on shift since (Friday afternoon), so it may be started.
    expect(planCycle(snap([parked('p1', new Date('2026-01-02T13:00:00Z'))]), 'ours', CFG, MONDAY_10).moves).toHaveLength(0);
    expect(planCycle(snap([parked('p1')]), 'ours', cfgWith({ rebalance: { enabled: false } }), MONDAY_10).moves).toHaveLength(0);
    expect(planCycle(snap([parked('p1')]), 'round-robin', CFG, MONDAY_10).moves).toHaveLength(0);
  });
});

describe('engineer work order (simulator and assignment API share one table)', () => {
  it('interrupt first, then earliest respond-by when a priority is sent, else FIFO', () => {
    const t = (m: number) => ({ severity: 'C' as const, respondBy: minutes(MONDAY_10, m) });
    const items = [{ seq: 0, priority: t(300) }, { seq: 1, priority: t(30) }, { seq: 2, interrupt: true, priority: t(600) }];
    expect([...items].sort(compareWork).map((i) => i.seq)).toEqual([2, 1, 0]);
    expect([{ seq: 1 }, { seq: 0 }].sort(compareWork).map((i) => i.seq)).toEqual([0, 1]);
    expect(ENGINEER_WORK_ORDER.map((r) => r.rule)).toHaveLength(3);
  });
  it('the assignment API receives exactly the fields the table orders by', () => {
    const respondBy = minutes(MONDAY_10, 60);
    expect(assignmentFlagsBody({ interrupt: true, priority: { severity: 'A', respondBy }, reassignedFrom: 'bo' })).toEqual({
      interrupt: true, priority: { severity: 'A', respondBy: '2026-01-05T11:00:00.000Z' }, reassignedFrom: 'bo',
    });
    expect(assignmentFlagsBody({})).toEqual({}); // no priority sent: the engineer works FIFO
  });
  it('the memory store sends a priority only when configured, and never for the round-robin baseline', async () => {
    const e = [eng('a')];
    const sent = async (cfg: typeof CFG, policy: 'ours' | 'round-robin') => {
      const store = new MemoryStore(false);
      await store.syncEngineers(e);
      await store.upsertCases([{ id: 'x', product: 'aks', severity: 'C', customer: 'c', createdAt: MONDAY_10, resolved: false }], cfg, MONDAY_10);
      await store.assign(policy, cfg, e, MONDAY_10);
      const items: unknown[] = [];
      await store.drainOutbox(async (i) => (items.push(assignmentFlagsBody(i as never)), { ok: true }), MONDAY_10);
      return items[0];
    };
    expect(await sent(CFG, 'ours')).toEqual({ priority: { severity: 'C', respondBy: '2026-01-05T18:00:00.000Z' } });
    expect(await sent(cfgWith({ sendPriority: false }), 'ours')).toEqual({});
    expect(await sent(CFG, 'round-robin')).toEqual({});
  });
  it('the simulated engineer works a backlog by the same table: an A sent with a priority overtakes earlier C work', async () => {
    // C work takes 20 minutes here, so the order decides whether the A is answered within its hour.
    const s = scenario([{ name: 'solo', capacity: 1, readiness: { aks: 3 }, shift: { timezone: 'UTC', start: '08:00', end: '18:00' } }], {}, 1 / 3);
    const at = (m: number) => MONDAY_10.getTime() + m * 60_000;
    const cases: SimCase[] = [
      { id: 'C1', product: 'aks', severity: 'C', createdAt: at(0), deadline: at(480) },
      { id: 'C2', product: 'aks', severity: 'C', createdAt: at(0), deadline: at(480) },
      { id: 'A1', product: 'aks', severity: 'A', createdAt: at(0), deadline: at(60) },
    ];
    const order = async (withPriority: boolean) => {
      const w = new SimWorld(s, cases);
      for (const [i, c] of cases.entries()) {
        const item = { assignmentId: i, caseId: c.id, engineerId: 'solo', engineerEmail: '', assignedAt: new Date(at(i)), ladderStep: 0, policyVersion: 'v', idempotencyKey: c.id, attempts: 0 };
        await w.post(withPriority ? { ...item, priority: { severity: c.severity, respondBy: new Date(c.deadline) } } as typeof item : item);
      }
      for (let m = 5; m <= 120; m += 5) await w.fetch(null, new Date(at(m))); // resolutions start the next item
      const a = w.outcomes.get('A1')!;
      return { first: a.firstResponseAt < (w.outcomes.get('C2')?.firstResponseAt ?? Infinity) ? 'A1' : 'C2', aBreached: a.firstResponseAt > at(60) };
    };
    // sendPriority is what makes the difference wherever an engineer has a backlog: the A is answered in time.
    expect(await order(true)).toEqual({ first: 'A1', aBreached: false });
    expect(await order(false)).toEqual({ first: 'C2', aBreached: true });
  });
});

// ---- Ablation: small replays in which switching one rule off worsens severity-A breaches -------------------------

function scenario(engineers: unknown[], critical: CriticalInput = {}, cHandlingHours = 6): Scenario {
  return parseScenario({
    name: 'tiny', seed: 1, days: 1, start: '2026-01-05T00:00:00Z', cycleMinutes: 5, responseMinutes: 15,
    arrivals: { perDay: 1, pattern: 'uniform' }, products: [{ name: 'aks', share: 1 }],
    severities: {
      A: { share: 0.1, slaHours: 1, minReadiness: 3, weight: 3, handlingHours: 8, relaxable: false },
      B: { share: 0.3, slaHours: 4, minReadiness: 2, weight: 2, handlingHours: 6, relaxable: true },
      C: { share: 0.6, slaHours: 8, minReadiness: 1, weight: 1, handlingHours: cHandlingHours, relaxable: true },
    },
    relaxation: { afterMinutes: 120 }, critical, engineers,
  });
}

/** Replays hand-written arrivals (minutes after Monday 00:00 UTC) through runCycle; returns severity-A breaches. */
async function aBreaches(s: Scenario, arrivals: [string, 'A' | 'B' | 'C', number][], hours: number, without: RuleName[] = []): Promise<number> {
  const cfg = policyConfig(s.policy.severities, s.policy.relaxAfterMinutes, withoutRules(s.policy.critical, without));
  const t0 = Date.parse(s.start);
  const cases: SimCase[] = arrivals.map(([id, severity, m]) => ({ id, product: 'aks', severity, createdAt: t0 + m * 60_000, deadline: t0 + m * 60_000 + s.severities[severity].slaHours * 3_600_000 }));
  const world = new SimWorld(s, cases);
  const deps = { store: new MemoryStore(false), queue: world, sink: world, engineers: s.engineerList, policyConfig: cfg, policy: 'ours' as const, log: silentLogger };
  for (let t = t0; t < t0 + hours * 3_600_000; t += s.cycleMinutes * 60_000) await runCycle(deps, new Date(t));
  return cases.filter((c) => c.severity === 'A' && !isUnavoidable(s, c) && (world.outcomes.get(c.id)?.firstResponseAt ?? Infinity) > c.deadline).length;
}

const shift = (start: string, end: string) => ({ timezone: 'UTC', start, end, days: ['Mon'] });
const cs = (prefix: string, n: number, m: number, sev: 'A' | 'B' | 'C' = 'C'): [string, 'A' | 'B' | 'C', number][] => Array.from({ length: n }, (_, i) => [`${prefix}${i}`, sev, m + i]);

describe('ablation: each rule measurably protects severity-A work', () => {
  it('headroom: C work arriving first does not fill the only expert on shift', async () => {
    const s = scenario([
      { name: 'expert', capacity: 6, readiness: { aks: 3 }, shift: shift('08:00', '18:00') },
      { name: 'gen', capacity: 4, readiness: { aks: 1 }, shift: shift('08:00', '18:00') },
    ]);
    const arrivals = [...cs('c', 8, 8 * 60 + 5), ['a1', 'A', 9 * 60] as [string, 'A', number]];
    expect(await aBreaches(s, arrivals, 12)).toBe(0);
    expect(await aBreaches(s, arrivals, 12, ['headroom'])).toBe(1);
  });

  it('look-ahead: overnight work does not fill the morning expert before the shift starts', async () => {
    const s = scenario([
      { name: 'morning', capacity: 6, readiness: { aks: 3 }, shift: shift('08:00', '18:00') },
      { name: 'gen', capacity: 6, readiness: { aks: 1 }, shift: shift('08:00', '18:00') },
    ]);
    const arrivals = [...cs('c', 12, 2 * 60), ['a1', 'A', 8 * 60 + 5] as [string, 'A', number]];
    expect(await aBreaches(s, arrivals, 12)).toBe(0);
    expect(await aBreaches(s, arrivals, 12, ['lookAhead'])).toBe(1);
  });

  it('preemption: a second A reaches a full expert with an interrupt instead of waiting', async () => {
    const s = scenario([{ name: 'expert', capacity: 3, readiness: { aks: 3 }, shift: shift('08:00', '18:00') }], { preemption: { enabled: true } });
    const arrivals: [string, 'A', number][] = [['a1', 'A', 9 * 60], ['a2', 'A', 9 * 60 + 30]];
    expect(await aBreaches(s, arrivals, 12)).toBe(0);
    expect(await aBreaches(s, arrivals, 12, ['preemption'])).toBe(1);
  });

  it('rebalancing: work parked with the morning expert moves to the night engineer once they have room', async () => {
    const s = scenario([
      { name: 'night', capacity: 6, readiness: { aks: 1 }, shift: shift('00:00', '08:00') },
      { name: 'morning', capacity: 6, readiness: { aks: 3 }, shift: shift('08:00', '18:00') },
    ]);
    // The night engineer is full from 00:10 to ~06:15; C work arriving at 02:00 is parked with the morning expert.
    const arrivals = [...cs('n', 6, 10), ...cs('c', 3, 2 * 60), ['a1', 'A', 8 * 60 + 5] as [string, 'A', number], ['a2', 'A', 8 * 60 + 10] as [string, 'A', number]];
    expect(await aBreaches(s, arrivals, 12)).toBe(0);
    expect(await aBreaches(s, arrivals, 12, ['rebalance'])).toBe(1);
  });

  it('end of shift: an A is not given to someone who leaves before answering', async () => {
    const s = scenario([
      // The leaver has the most room (lowest relative load), so without the rule the A goes to them at 16:50.
      { name: 'leaving', capacity: 20, readiness: { aks: 3 }, shift: shift('08:00', '17:00') },
      { name: 'staying', capacity: 9, readiness: { aks: 3 }, shift: shift('10:00', '19:00') },
    ]);
    const arrivals: [string, 'A', number][] = [['a1', 'A', 16 * 60 + 50]];
    expect(await aBreaches(s, arrivals, 20)).toBe(0);
    expect(await aBreaches(s, arrivals, 20, ['endOfShift'])).toBe(1);
  });
});
