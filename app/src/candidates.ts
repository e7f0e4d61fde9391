// Compact storage form of a decision's candidate list. A 200-engineer org produces 200 candidates per decision,
// most excluded for the same few reasons; grouping by reason keeps the log ~10x smaller. The API expands it back.
import type { Candidate } from './domain';

export interface StoredCandidates {
  /** Eligible engineers in choice order: [engineerId, score]. */
  readonly e: [string, number][];
  /** Excluded engineers grouped by their reasons: [reasons, engineerIds]. */
  readonly x: [string[], string[]][];
  /** Notes of rules that acted on the decision (preemption, rebalancing), when any. */
  readonly n?: string[];
}

export function compactCandidates(cands: readonly Candidate[]): StoredCandidates {
  const e: [string, number][] = [];
  const groups = new Map<string[] | string, [string[], string[]]>();
  for (const c of cands) {
    if (c.eligible) {
      e.push([c.engineerId, c.score!]);
      continue;
    }
    // Reason arrays are shared between candidates with the same reasons, so identity usually finds the group.
    const key = groups.has(c.excludedReasons) ? c.excludedReasons : c.excludedReasons.join('\u001f');
    let g = groups.get(key);
    if (!g) {
      g = [c.excludedReasons, []];
      groups.set(key, g);
      groups.set(c.excludedReasons, g);
    }
    g[1].push(c.engineerId);
  }
  return { e, x: [...new Set(groups.values())] };
}

export function expandCandidates(stored: StoredCandidates | Candidate[], names: ReadonlyMap<string, string>): Candidate[] {
  if (Array.isArray(stored)) return stored;
  const name = (id: string) => names.get(id) ?? id;
  const out: Candidate[] = stored.e.map(([engineerId, score]) => ({ engineerId, engineerName: name(engineerId), eligible: true, excludedReasons: [], score }));
  for (const [reasons, ids] of stored.x) for (const engineerId of ids) out.push({ engineerId, engineerName: name(engineerId), eligible: false, excludedReasons: reasons, score: null });
  return out;
}
