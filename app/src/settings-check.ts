// check-settings warnings: things that are valid but almost certainly wrong (they never fail a start).
import { normalizeProduct } from './queue/records';
import type { Settings } from './settings';

/**
 * Readiness keys no queue product uses (a typo, or `AKS` where the queue says `aks-hybrid`: that engineer is never
 * eligible for the product), and keys that collide once normalized. `queueProducts` come from --queue-products, or
 * from the simulated queue's product list.
 */
export function settingsWarnings(s: Settings, rawEngineers: readonly { name: string; readiness: Record<string, number> }[], queueProducts?: readonly string[]): string[] {
  const out: string[] = [];
  rawEngineers.forEach((e, i) => {
    const seen = new Map<string, string>();
    for (const k of Object.keys(e.readiness)) {
      const n = normalizeProduct(k);
      if (seen.has(n)) out.push(`engineers[${i}].readiness: "${seen.get(n)}" and "${k}" are the same product once normalized ("${n}"); the last one wins`);
      else seen.set(n, k);
    }
  });
  const products = queueProducts ?? (s.queue.type === 'simulated' ? s.queue.products.map((p) => p.name) : undefined);
  if (!products) return out;
  const known = new Set(products.map(normalizeProduct));
  const unused = new Map<string, string[]>();
  for (const e of s.engineerList) for (const k of Object.keys(e.readiness)) if (!known.has(k)) unused.set(k, [...(unused.get(k) ?? []), e.id]);
  for (const [k, ids] of unused) {
    out.push(`readiness key "${k}" is not a product of the queue (${[...known].sort().join(', ')}); used by ${ids.length} engineer(s): ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', ...' : ''}`);
  }
  return out;
}
