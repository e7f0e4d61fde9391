// Seeded randomness so every simulation and benchmark run is reproducible.
export type Rng = () => number;

/** mulberry32: small, fast, good enough for workload generation. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function exponential(r: Rng, mean: number): number {
  return -Math.log(1 - r()) * mean;
}

export function poisson(r: Rng, mean: number): number {
  // Knuth for small means, normal approximation above (hourly arrival counts stay small).
  if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(r)));
  const l = Math.exp(-mean);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= r();
  } while (p > l);
  return k - 1;
}

function normal(r: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** Picks a key by weight. */
export function weighted<T>(r: Rng, items: readonly { value: T; share: number }[]): T {
  const total = items.reduce((s, i) => s + i.share, 0);
  let x = r() * total;
  for (const i of items) {
    x -= i.share;
    if (x < 0) return i.value;
  }
  return items[items.length - 1].value;
}
