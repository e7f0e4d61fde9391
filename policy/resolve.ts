/**
 * Reading synthesized stacks and resolving `${...}` interpolations where synth already knows the answer.
 *
 * A value that is a bare reference (`${azurerm_subnet.gw.name}`, `${var.x}`, `${local.y}`, a cdktf cross-stack
 * `${data.terraform_remote_state.<id>.outputs.<name>}`) is followed to the literal it points at, also across the
 * stacks of one environment. Anything else inside `${...}` (functions, computed attributes such as `.id`) is
 * unknown: rules must report it, never treat it as compliant.
 */
import type { SynthResource } from './types';

/** The parts of a `cdk.tf.json` the pack reads. */
export interface StackJson {
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly variable?: Record<string, { default?: unknown }>;
  readonly locals?: Record<string, unknown>;
  readonly output?: Record<string, { value?: unknown }>;
}

export type Resolved = { readonly known: true; readonly value: unknown } | { readonly known: false; readonly expression: string };

/** A reference followed to the resource it names, e.g. `${azurerm_virtual_network.hub.id}`. */
export interface ResourceRef {
  readonly resource: SynthResource;
  /** Attribute path after `<type>.<name>`, e.g. `['id']`. */
  readonly attribute: readonly (string | number)[];
}

const INTERPOLATION = /(^|[^$])\$\{/;
const BARE_REFERENCE = /^\$\{([A-Za-z_][\w-]*(?:\.[\w-]+|\[\d+\]|\["[^"]*"\])*)\}$/;
const MAX_DEPTH = 10;
const CROSS_STACK_INPUT = 'cross-stack-reference-input-';

/** True when the string contains a Terraform interpolation (`$${` is an escaped literal). */
export function isInterpolated(value: unknown): value is string {
  return typeof value === 'string' && INTERPOLATION.test(value);
}

/**
 * Every traversal inside the interpolations of a value (deeply), as bare references (`${type.name.attr}`), so
 * they can be followed with StackContext.refTarget. Over-approximates inside function calls, which is harmless:
 * names that are not resources do not resolve. Matches start only at token boundaries: linear on long custom_data.
 */
export function referencesIn(value: unknown): string[] {
  const refs: string[] = [];
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
  for (const m of text.matchAll(/\$\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}/g)) {
    for (const ref of m[1]!.match(/(?<![\w.-])(?:data\.)?[A-Za-z_][\w-]*\.[\w-]+(?:\.[\w-]+|\[\d+\])*/g) ?? []) refs.push(`\${${ref}}`);
  }
  return refs;
}

/** A nested block as a list: cdktf renders single blocks as objects and repeated blocks as arrays. */
export function blocks(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.filter(isObject);
  return isObject(value) ? [value] : [];
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseTraversal(expr: string): (string | number)[] {
  const parts: (string | number)[] = [];
  const re = /([A-Za-z_][\w-]*)|\[(\d+)\]|\["([^"]*)"\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(expr)) !== null) {
    if (m[1] !== undefined) parts.push(m[1]);
    else if (m[2] !== undefined) parts.push(Number(m[2]));
    else parts.push(m[3]!);
  }
  return parts;
}

/** Walks an attribute path through cdktf JSON, tolerating object-vs-single-element-array block rendering. */
function walk(value: unknown, path: readonly (string | number)[]): { found: boolean; value: unknown } {
  let current: unknown = value;
  for (const key of path) {
    if (typeof key === 'number') {
      if (Array.isArray(current)) current = current[key];
      else if (isObject(current) && key === 0) continue;
      else return { found: false, value: undefined };
    } else {
      if (Array.isArray(current) && current.length === 1) current = current[0];
      if (!isObject(current) || !(key in current)) return { found: false, value: undefined };
      current = current[key];
    }
    if (current === undefined) return { found: false, value: undefined };
  }
  return { found: true, value: current };
}

/** All stacks of one synthesized app, grouped by environment for cross-stack lookups. */
export class AppContext {
  private readonly contexts = new Map<string, StackContext>();
  // The JSON is never mutated during a run, so lookups are memoized.
  private readonly environments = new Map<string, StackContext[]>();

  constructor(stacks: ReadonlyMap<string, StackJson>) {
    for (const [id, json] of stacks) this.contexts.set(id, new StackContext(id, json, this));
  }

  get stackIds(): string[] {
    return [...this.contexts.keys()];
  }

  stack(id: string): StackContext {
    const ctx = this.contexts.get(id);
    if (!ctx) throw new Error(`policy: unknown stack '${id}'`);
    return ctx;
  }

  /** Stacks of the same environment: ids share the `<env>-` prefix (`dev-network`, `dev-services`, ...). */
  environmentOf(stackId: string): StackContext[] {
    const env = environmentName(stackId);
    let stacks = this.environments.get(env);
    if (!stacks) {
      stacks = [...this.contexts.values()].filter((c) => environmentName(c.stack) === env);
      this.environments.set(env, stacks);
    }
    return stacks;
  }
}

/** `<env>-<component>` → `<env>`; a stack id without a dash is its own environment. */
export function environmentName(stackId: string): string {
  const dash = stackId.lastIndexOf('-');
  return dash > 0 ? stackId.slice(0, dash) : stackId;
}

/** One stack's JSON plus the resolver. Rules receive it next to the resource they inspect. */
export class StackContext {
  readonly app: AppContext;

  constructor(
    readonly stack: string,
    readonly json: StackJson,
    app?: AppContext,
  ) {
    this.app = app ?? new AppContext(new Map());
  }

  /** Every resource of this stack, optionally of one type. */
  resources(type?: string): SynthResource[] {
    const cacheKey = type ?? '*';
    const cached = this.byType.get(cacheKey);
    if (cached) return cached;
    const out: SynthResource[] = [];
    for (const [t, byName] of Object.entries(this.json.resource ?? {})) {
      if (type !== undefined && t !== type) continue;
      for (const [name, config] of Object.entries(byName)) {
        out.push({ type: t, name, address: `${t}.${name}`, config, stack: this.stack });
      }
    }
    this.byType.set(cacheKey, out);
    return out;
  }

  /** Resources of a type across every stack of this stack's environment (for cross-stack invariants). */
  environmentResources(type: string): SynthResource[] {
    const stacks = this.app.environmentOf(this.stack);
    const ctxs = stacks.length > 0 ? stacks : [this];
    return ctxs.flatMap((c) => c.resources(type));
  }

  private readonly byType = new Map<string, SynthResource[]>();

  resource(type: string, name: string): SynthResource | undefined {
    const config = this.json.resource?.[type]?.[name];
    return config ? { type, name, address: `${type}.${name}`, config, stack: this.stack } : undefined;
  }

  /** Resolves a value to a literal, following bare references; `known: false` when synth cannot know it. */
  resolve(value: unknown, depth = 0): Resolved {
    if (!isInterpolated(value)) return { known: true, value };
    const m = BARE_REFERENCE.exec(value);
    if (!m || depth > MAX_DEPTH) return { known: false, expression: value };
    const target = this.lookup(parseTraversal(m[1]!), depth);
    return target ?? { known: false, expression: value };
  }

  /** Resolves an attribute of a resource config (missing attribute = known `undefined`). */
  attr(config: Record<string, unknown>, ...path: (string | number)[]): Resolved {
    const w = walk(config, path);
    return w.found ? this.resolve(w.value) : { known: true, value: undefined };
  }

  /**
   * Follows a reference to the resource it names (through vars, locals and cross-stack outputs), e.g. to learn
   * which subnet an association points at. Undefined when the value is not a reference to a resource.
   */
  refTarget(value: unknown, depth = 0): ResourceRef | undefined {
    if (typeof value !== 'string' || depth > MAX_DEPTH) return undefined;
    const m = BARE_REFERENCE.exec(value);
    if (!m) return undefined;
    const parts = parseTraversal(m[1]!);
    const [head, second, third, ...rest] = parts;
    if (head === 'local' || head === 'var') {
      // Follow the raw value (itself possibly a reference), not its resolution: `.id` never resolves to a literal.
      const w =
        head === 'local'
          ? walk(this.json.locals ?? {}, parts.slice(1))
          : typeof second === 'string'
            ? walk(this.json.variable?.[second]?.default, parts.slice(2))
            : { found: false, value: undefined };
      return w.found ? this.refTarget(w.value, depth + 1) : undefined;
    }
    if (head === 'data') {
      const out = this.remoteOutput(parts);
      return out ? out.ctx.refTarget(out.value, depth + 1) : undefined;
    }
    if (typeof head !== 'string' || typeof second !== 'string') return undefined;
    const resource = this.resource(head, second);
    if (!resource) return undefined;
    return { resource, attribute: third === undefined ? [] : [third, ...rest] };
  }

  /** A stable identity for comparing references: `<stack>/<address>` for resource refs, else the literal. */
  identity(value: unknown): string | undefined {
    const ref = this.refTarget(value);
    if (ref) return `${ref.resource.stack}/${ref.resource.address}`;
    const r = this.resolve(value);
    return r.known && typeof r.value === 'string' ? r.value : undefined;
  }

  private lookup(parts: (string | number)[], depth: number): Resolved | undefined {
    const [head, second, third, ...rest] = parts;
    if (head === 'var' && typeof second === 'string') {
      const v = this.json.variable?.[second];
      if (!v || !('default' in v)) return undefined;
      const w = walk(v.default, [third, ...rest].filter((p) => p !== undefined) as (string | number)[]);
      return w.found ? this.resolve(w.value, depth + 1) : undefined;
    }
    if (head === 'local' && typeof second === 'string') {
      const w = walk(this.json.locals ?? {}, parts.slice(1));
      return w.found ? this.resolve(w.value, depth + 1) : undefined;
    }
    if (head === 'data') {
      const out = this.remoteOutput(parts);
      if (out) return out.ctx.resolve(out.value, depth + 1);
      if (typeof second !== 'string' || typeof third !== 'string') return undefined;
      const w = walk(this.json.data?.[second]?.[third], rest);
      return w.found ? this.resolve(w.value, depth + 1) : undefined;
    }
    if (typeof head === 'string' && typeof second === 'string') {
      const w = walk(this.json.resource?.[head]?.[second], [third, ...rest].filter((p) => p !== undefined) as (string | number)[]);
      return w.found && third !== undefined ? this.resolve(w.value, depth + 1) : undefined;
    }
    return undefined;
  }

  /** cdktf cross-stack reference: `data.terraform_remote_state.<id>.outputs.<output>` → the producing stack's output. */
  private remoteOutput(parts: (string | number)[]): { ctx: StackContext; value: unknown } | undefined {
    const [, kind, dataName, outputs, outputName, ...rest] = parts;
    if (kind !== 'terraform_remote_state' || outputs !== 'outputs' || typeof outputName !== 'string') return undefined;
    // cdktf names the data source `cross-stack-reference-input-<origin stack id>`; fall back to searching the environment.
    const origin = typeof dataName === 'string' && dataName.startsWith(CROSS_STACK_INPUT) ? dataName.slice(CROSS_STACK_INPUT.length) : undefined;
    const candidates = origin !== undefined && this.app.stackIds.includes(origin) ? [this.app.stack(origin)] : this.app.environmentOf(this.stack);
    for (const ctx of candidates) {
      const output = ctx.json.output?.[outputName];
      if (ctx !== this && output && 'value' in output) {
        const w = walk(output.value, rest);
        return w.found ? { ctx, value: w.value } : undefined;
      }
    }
    return undefined;
  }
}
