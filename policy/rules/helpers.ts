/** Small building blocks shared by the rules: attribute expectations with explicit unknown/missing handling. */
import type { StackContext } from '../resolve';
import type { Problem, SynthResource } from '../types';

export const fail = (message: string): Problem => ({ kind: 'fail', message });
export const unknown = (message: string): Problem => ({ kind: 'unknown', message });

export function unknownMessage(path: string, expression: string, needs: string): string {
  return `${path} is ${expression}, which is unknown at synth; ${needs} cannot be shown. Set a literal or suppress with a reason.`;
}

export interface ExpectOptions {
  /** Compliant values (compared with ===, strings case-insensitively). */
  readonly allowed: readonly unknown[];
  /** What an absent attribute means: the provider default decides; checkov-modelled rules usually fail. */
  readonly whenMissing: 'fail' | 'compliant';
  /** Short description of the compliant state, used in messages. */
  readonly expected: string;
}

function same(a: unknown, b: unknown): boolean {
  return typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() === b.toLowerCase() : a === b;
}

/** `path` is dot-separated through nested blocks, e.g. `network_rules.default_action`. */
export function expectAttribute(r: SynthResource, ctx: StackContext, path: string, opts: ExpectOptions): Problem[] {
  const value = ctx.attr(r.config, ...path.split('.'));
  if (!value.known) return [unknown(unknownMessage(path, value.expression, opts.expected))];
  if (value.value === undefined || value.value === null) {
    return opts.whenMissing === 'compliant' ? [] : [fail(`${path} is not set; expected ${opts.expected}.`)];
  }
  if (opts.allowed.some((a) => same(a, value.value))) return [];
  return [fail(`${path} is ${JSON.stringify(value.value)}; expected ${opts.expected}.`)];
}

/** Three-valued logic for predicates over possibly unknown values. */
export type Tri = boolean | 'unknown';

export function triAnd(...values: Tri[]): Tri {
  if (values.includes(false)) return false;
  return values.includes('unknown') ? 'unknown' : true;
}

export function triOr(...values: Tri[]): Tri {
  if (values.includes(true)) return true;
  return values.includes('unknown') ? 'unknown' : false;
}

export function triSome<T>(items: readonly T[], pred: (item: T) => Tri): Tri {
  return triOr(false, ...items.map(pred));
}
