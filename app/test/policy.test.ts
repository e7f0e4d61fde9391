import type { EngineerState } from '../src/domain';
import { planCycle } from '../src/plan';
import { availability, decideOurs, decideOursLazy, decideRoundRobin, urgencyOrder } from '../src/policy';
import { compactCandidates, expandCandidates } from '../src/candidates';
import { addWorkingMinutes, isOnShift, nextWorkStart } from '../src/shift';
import { CFG, MONDAY_10, eng, kase, minutes } from './fixtures';

function decide(engineers = [eng('a')], k = kase('c1', 'C', MONDAY_10), now = MONDAY_10, state = new Map<string, EngineerState>()) {
  return decideOurs({ kase: k, engineers, state, avail: availability(engineers, now), cfg: CFG, now });
}

describe('eligibility', () => {
  it('assigns an on-shift engineer with readiness and capacity', () => {
    const d = decide();
    expect(d).toMatchObject({ outcome: 'assigned', chosenEngineerId: 'a', ladderStep: 0 });
    expect(d.candidates[0]).toMatchObject({ eligible: true, excludedReasons: [] });
  });

  it('excludes readiness below the severity minimum, with the reason', () => {
    const d = decide([eng('a', { readiness: { aks: 2 } })], kase('c1', 'A', MONDAY_10));
    expect(d.outcome).toBe('unassigned'); // waiting; flagged once the configured wait is over
    expect(decide([eng('a', { readiness: { aks: 2 } })], kase('c1', 'A', MONDAY_10), minutes(MONDAY_10, 30)).outcome).toBe('flagged');
    expect(d.candidates[0].excludedReasons).toEqual(['readiness 2 for aks < 3']);
  });

  it('never assigns an engineer with readiness 0 (or no entry) for the product', () => {
    const d = decide([eng('zero', { readiness: { aks: 0, vm: 3 } }), eng('none', { readiness: { vm: 3 } })]);
    expect(d.outcome).not.toBe('assigned');
    for (const c of d.candidates) expect(c.excludedReasons).toContain('not ready for aks (readiness 0)');
  });

  it('excludes an engineer whose load plus the case weight exceeds capacity', () => {
    const state = new Map([['a', { load: 8, open: 3, rotation: 1 }]]);
    const d = decide([eng('a')], kase('b1', 'B', MONDAY_10), MONDAY_10, state);
    expect(d.candidates[0].excludedReasons).toEqual([]); // 8 + 2 = 10 fits exactly
    const full = new Map([['a', { load: 9, open: 4, rotation: 1 }]]);
    expect(decide([eng('a')], kase('b1', 'B', MONDAY_10), MONDAY_10, full).candidates[0].excludedReasons).toEqual(['capacity: load 9 + weight 2 > 10']);
  });

  it('excludes out-of-office engineers', () => {
    expect(decide([eng('a', { outOfOffice: true })]).candidates[0].excludedReasons).toContain('out of office');
  });

  it('accepts an off-shift engineer only if their shift starts before the SLA deadline', () => {
    const early = eng('early', { shift: { timezone: 'UTC', start: '13:00', end: '22:00', days: ['Mon'] } });
    // C: deadline 18:00, shift at 13:00 -> eligible; A: deadline 11:00 -> excluded.
    expect(decide([early]).candidates[0].eligible).toBe(true);
    const a = decide([early], kase('a1', 'A', MONDAY_10));
    expect(a.candidates[0].excludedReasons).toEqual(['off shift until 2026-01-05T13:00Z, after the SLA deadline']);
  });
});

describe('choice among eligible engineers', () => {
  it('prefers the lowest load relative to capacity', () => {
    const state = new Map([
      ['a', { load: 4, open: 4, rotation: 1 }],
      ['b', { load: 6, open: 3, rotation: 2 }],
    ]);
    // a: (4+1)/5 = 1.0; b: (6+1)/20 = 0.35 -> b, although b has more absolute load.
    const d = decide([eng('a', { capacity: 5 }), eng('b', { capacity: 20 })], kase('c', 'C', MONDAY_10), MONDAY_10, state);
    expect(d.chosenEngineerId).toBe('b');
    expect(d.candidates.map((c) => c.score)).toEqual([0.35, 1]);
  });

  it('prefers an engineer who is on shift now over one who starts later', () => {
    const later = eng('later', { shift: { timezone: 'UTC', start: '12:00', end: '20:00', days: ['Mon'] } });
    const state = new Map([['now', { load: 5, open: 5, rotation: 1 }]]);
    expect(decide([later, eng('now')], kase('c', 'C', MONDAY_10), MONDAY_10, state).chosenEngineerId).toBe('now');
  });

  it('breaks ties by longest time since the last assignment (persisted rotation)', () => {
    const state = new Map([
      ['a', { load: 0, open: 0, rotation: 7 }],
      ['b', { load: 0, open: 0, rotation: 3 }],
      ['c', { load: 0, open: 0, rotation: 5 }],
    ]);
    expect(decide([eng('a'), eng('b'), eng('c')], kase('x', 'C', MONDAY_10), MONDAY_10, state).chosenEngineerId).toBe('b');
  });

  it('rotates fairly among equals across a cycle', () => {
    const engineers = [eng('a'), eng('b'), eng('c')];
    const cases = Array.from({ length: 9 }, (_, i) => kase(`c${i}`, 'C', minutes(MONDAY_10, -i)));
    const plan = planCycle({ cases, engineers, state: new Map(), rotationBase: 0 }, 'ours', CFG, MONDAY_10);
    const count = (id: string) => plan.assignments.filter((a) => a.engineerId === id).length;
    expect([count('a'), count('b'), count('c')]).toEqual([3, 3, 3]);
    expect(plan.assignments.map((a) => a.rotation)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('urgency order', () => {
  it('orders by time to breach, then age', () => {
    const c1 = kase('c-old', 'C', minutes(MONDAY_10, -60)); // deadline 17:00
    const b1 = kase('b-new', 'B', MONDAY_10); // deadline 14:00
    const a1 = kase('a-new', 'A', MONDAY_10); // deadline 11:00
    const c2 = kase('c-older', 'C', minutes(MONDAY_10, -61));
    expect(urgencyOrder([c1, b1, a1, c2]).map((c) => c.id)).toEqual(['a-new', 'b-new', 'c-older', 'c-old']);
  });

  it('gives the scarce capacity to the most urgent case', () => {
    const plan = planCycle(
      { cases: [kase('c', 'C', minutes(MONDAY_10, -120)), kase('a', 'A', MONDAY_10)], engineers: [eng('only', { capacity: 3 })], state: new Map(), rotationBase: 0 },
      'ours', CFG, MONDAY_10,
    );
    expect(plan.assignments.map((a) => a.caseId)).toEqual(['a']);
  });
});

describe('relaxation ladder', () => {
  const junior = eng('junior', { readiness: { aks: 1 } });

  it('waits before relaxing a relaxable severity, then accepts one level lower and records step 1', () => {
    const b = kase('b', 'B', MONDAY_10);
    expect(decide([junior], b, minutes(MONDAY_10, 10))).toMatchObject({ outcome: 'unassigned', ladderStep: 0 });
    expect(decide([junior], b, minutes(MONDAY_10, 30))).toMatchObject({ outcome: 'assigned', ladderStep: 1, chosenEngineerId: 'junior' });
  });

  it('never relaxes severity A (not relaxable by default): flags it instead', () => {
    const mid = eng('mid', { readiness: { aks: 2 } });
    expect(decide([mid], kase('a', 'A', MONDAY_10), minutes(MONDAY_10, 45))).toMatchObject({ outcome: 'flagged', ladderStep: 0, chosenEngineerId: null });
  });

  it('never relaxes to readiness 0: a C case (minimum 1) is flagged, not given to an unready engineer', () => {
    const d = decide([eng('z', { readiness: { aks: 0 } })], kase('c', 'C', MONDAY_10), minutes(MONDAY_10, 600));
    expect(d).toMatchObject({ outcome: 'flagged', chosenEngineerId: null });
  });

  it('flags a relaxable case when the relaxed step finds nobody either', () => {
    expect(decide([eng('z', { readiness: { vm: 3 } })], kase('b', 'B', MONDAY_10), minutes(MONDAY_10, 31))).toMatchObject({ outcome: 'flagged', ladderStep: 1 });
  });

  describe('relaxes only when waiting would certainly breach', () => {
    const full = new Map([['expert', { load: 10, open: 5, rotation: 1 }]]);
    const b = kase('b', 'B', MONDAY_10); // deadline 14:00

    it('keeps waiting for a fully ready engineer on shift whose capacity may free up before the deadline', () => {
      const d = decide([eng('expert'), junior], b, minutes(MONDAY_10, 30), full);
      expect(d).toMatchObject({ outcome: 'unassigned', ladderStep: 0, chosenEngineerId: null });
      // Still waiting after the deadline while that engineer is on shift: relaxing would not save the SLA.
      expect(decide([eng('expert'), junior], b, minutes(MONDAY_10, 300), full)).toMatchObject({ outcome: 'unassigned', ladderStep: 0 });
    });

    it('keeps waiting for a fully ready engineer whose shift starts before the deadline', () => {
      const later = eng('later', { shift: { timezone: 'UTC', start: '13:00', end: '22:00', days: ['Mon'] } });
      const full13 = new Map([['later', { load: 10, open: 5, rotation: 1 }]]);
      expect(decide([later, junior], b, minutes(MONDAY_10, 30), full13)).toMatchObject({ outcome: 'unassigned', ladderStep: 0 });
    });

    it('relaxes when the only fully ready engineer starts after the deadline or is out of office', () => {
      const tomorrow = eng('tomorrow', { shift: { timezone: 'UTC', start: '08:00', end: '18:00', days: ['Tue'] } });
      expect(decide([tomorrow, junior], b, minutes(MONDAY_10, 30))).toMatchObject({ outcome: 'assigned', ladderStep: 1, chosenEngineerId: 'junior' });
      const away = eng('away', { outOfOffice: true });
      expect(decide([away, junior], b, minutes(MONDAY_10, 30))).toMatchObject({ outcome: 'assigned', ladderStep: 1, chosenEngineerId: 'junior' });
    });

    it('relaxes after the deadline once no fully ready engineer is on shift', () => {
      const early = eng('early', { shift: { timezone: 'UTC', start: '08:00', end: '12:00', days: ['Mon'] } });
      const fullEarly = new Map([['early', { load: 10, open: 5, rotation: 1 }]]);
      expect(decide([early, junior], b, minutes(MONDAY_10, 60), fullEarly)).toMatchObject({ outcome: 'unassigned', ladderStep: 0 });
      expect(decide([early, junior], b, minutes(MONDAY_10, 300), fullEarly)).toMatchObject({ outcome: 'assigned', ladderStep: 1 });
    });
  });

  it('logs a repeated identical non-assignment only once', () => {
    const a = kase('a', 'A', MONDAY_10, { lastOutcome: 'flagged', lastLadderStep: 0 });
    const plan = planCycle({ cases: [a], engineers: [eng('m', { readiness: { aks: 2 } })], state: new Map(), rotationBase: 0 }, 'ours', CFG, minutes(MONDAY_10, 40));
    expect(plan.flagged).toBe(1);
    expect(plan.decisions).toHaveLength(0);
  });
});

describe('explanations', () => {
  it('lists every engineer with eligibility, reasons and score, best first', () => {
    const d = decide([eng('busy', { capacity: 2 }), eng('unready', { readiness: { vm: 3 } }), eng('ok')], kase('b', 'B', MONDAY_10), MONDAY_10,
      new Map([['busy', { load: 1, open: 1, rotation: 1 }]]));
    expect(d.policyVersion).toMatch(/^ours-3\.[0-9a-f]{8}$/);
    expect(d.candidates.map((c) => [c.engineerId, c.eligible, c.score])).toEqual([['ok', true, 0.2], ['busy', false, null], ['unready', false, null]]);
    expect(d.candidates[1].excludedReasons).toEqual(['capacity: load 1 + weight 2 > 2']);
  });
});

describe('round-robin baseline', () => {
  it('rotates through engineers with readiness >= 1, ignoring severity, capacity and shifts', () => {
    const engineers = [eng('junior', { readiness: { aks: 1 }, capacity: 1 }), eng('night', { shift: { timezone: 'UTC', start: '22:00', end: '06:00', days: ['Sun'] } }), eng('none', { readiness: { vm: 3 } })];
    const state = new Map([['junior', { load: 5, open: 5, rotation: 1 }], ['night', { load: 0, open: 0, rotation: 2 }]]);
    const d = decideRoundRobin({ kase: kase('a', 'A', MONDAY_10), engineers, state, avail: availability(engineers, MONDAY_10), cfg: CFG, now: MONDAY_10 });
    expect(d.chosenEngineerId).toBe('junior');
    expect(d.candidates.find((c) => c.engineerId === 'none')?.eligible).toBe(false);
  });
});

describe('shifts', () => {
  const berlin = { timezone: 'Europe/Berlin', start: '09:00', end: '17:00', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'] as const };
  it('evaluates shifts in the engineer time zone, across DST', () => {
    expect(isOnShift({ ...berlin, days: [...berlin.days] }, new Date('2026-01-05T08:30:00Z'))).toBe(true); // 09:30 CET
    expect(isOnShift({ ...berlin, days: [...berlin.days] }, new Date('2026-07-06T07:30:00Z'))).toBe(true); // 09:30 CEST
    expect(isOnShift({ ...berlin, days: [...berlin.days] }, new Date('2026-07-06T15:30:00Z'))).toBe(false); // 17:30 CEST
  });

  it('handles overnight shifts and finds the next start across the weekend', () => {
    const night = { timezone: 'UTC', start: '22:00', end: '06:00', days: ['Mon' as const] };
    expect(isOnShift(night, new Date('2026-01-06T03:00:00Z'))).toBe(true); // Tuesday 03:00, shift began Monday
    const fri = new Date('2026-01-09T18:00:00Z');
    expect(new Date(nextWorkStart({ ...berlin, days: [...berlin.days] }, fri)!).toISOString()).toBe('2026-01-12T08:00:00.000Z');
  });

  it('adds working minutes across shift boundaries', () => {
    const s = { timezone: 'UTC', start: '08:00', end: '18:00', days: ['Mon' as const, 'Tue' as const] };
    const t = addWorkingMinutes(s, new Date('2026-01-05T17:00:00Z').getTime(), 120);
    expect(new Date(t).toISOString()).toBe('2026-01-06T09:00:00.000Z');
  });
});

describe('decision log storage form', () => {
  it('the compact explanation holds exactly what the full one does', () => {
    const engineers = [eng('a'), eng('b', { readiness: { aks: 1 } }), eng('c', { readiness: { vm: 3 } }), eng('d', { capacity: 2 }), eng('e', { outOfOffice: true, readiness: { aks: 1 } }), eng('f', { readiness: { aks: 1 } })];
    const state = new Map([['d', { load: 1, open: 1, rotation: 4 }]]);
    for (const k of [kase('b', 'B', MONDAY_10), kase('a', 'A', MONDAY_10), kase('c', 'C', MONDAY_10)]) {
      const d = decideOursLazy({ kase: k, engineers, state, avail: availability(engineers, MONDAY_10), cfg: CFG, now: MONDAY_10 });
      const full = d.explain();
      expect(d.explainCompact()).toEqual(compactCandidates(full));
      const names = new Map(engineers.map((e) => [e.id, e.name]));
      const expanded = expandCandidates(d.explainCompact(), names);
      expect([...expanded].sort((x, y) => (x.engineerId < y.engineerId ? -1 : 1))).toEqual([...full].sort((x, y) => (x.engineerId < y.engineerId ? -1 : 1)));
    }
  });
});
