// Dashboard state in the URL fragment (#status=flagged&sort=severity:asc&case=X), so a view can be
// bookmarked or linked from an alert. Each component owns its keys and leaves the others alone.

export function readHash(): URLSearchParams {
  return new URLSearchParams(window.location.hash.slice(1));
}

/** Sets (or, for empty values, removes) the given keys, keeping the rest; no history entry per change. */
export function writeHash(values: Record<string, string | number | null | undefined>): void {
  const params = readHash();
  for (const [key, value] of Object.entries(values)) {
    if (value === null || value === undefined || value === '') params.delete(key);
    else params.set(key, String(value));
  }
  const hash = params.toString();
  window.history.replaceState(window.history.state, '', hash ? `#${hash}` : window.location.pathname + window.location.search);
}

/** `value` if it is one of `allowed`, else `fallback`: the fragment is user input. */
export function oneOf<T extends string | number>(value: string | null, allowed: readonly T[], fallback: T): T {
  return allowed.find((a) => String(a) === value) ?? fallback;
}
