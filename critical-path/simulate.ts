import { ResourceNode, StackGraph } from './graph';
import { TimesTable } from './times';

/**
 * Estimates the time from an empty subscription to a running environment: a discrete-event simulation of
 * `terraform apply` per stack (resources start when what they reference or `depends_on` is done, at most
 * `parallelism` at a time, like Terraform's default of 10), stacks starting when every stack they read is done.
 * A join that the node orders after another node's (etcd adds one member at a time) finishes only after that node's.
 */

export const DEFAULT_PARALLELISM = 10;

export interface ResourceTiming {
  readonly address: string;
  readonly type: string;
  /** Minutes from the start of the stack's apply (after its overhead). */
  readonly start: number;
  readonly finish: number;
  /** What the start waited for: the dependency that finished last. */
  readonly after?: string;
  /** The on-node predecessor whose health this node's join waited for, if that wait decided the finish. */
  readonly waitedOnNodeFor?: string;
}

export interface StackEstimate {
  readonly name: string;
  readonly environment: string;
  readonly startMinute: number;
  readonly finishMinute: number;
  readonly durationMinutes: number;
  /** The stack this one waited for last (its start), if any. */
  readonly after?: string;
  /** Every stack it waits for. */
  readonly dependsOn: ReadonlyArray<string>;
  readonly resources: ReadonlyMap<string, ResourceTiming>;
  /** Resources whose chain decides the stack's duration, first to last (zero-length steps left out). */
  readonly criticalResources: ReadonlyArray<ResourceTiming>;
}

export interface EnvironmentEstimate {
  readonly environment: string;
  readonly totalMinutes: number;
  readonly stacks: ReadonlyArray<StackEstimate>;
  /** Stack names, first to last. */
  readonly criticalPath: ReadonlyArray<string>;
}

export interface EstimateOptions {
  readonly parallelism?: number;
}

interface Work {
  /** Minutes before the node may join / the resource is done. */
  readonly prepare: number;
  readonly join: number;
  readonly waits: ReadonlyArray<string>;
  /**
   * On-node work: the VM the gate watches. The node boots and prepares once that VM is created, whatever else the
   * gate itself waits for in Terraform (e.g. the secrets' role assignments); the join needs both.
   */
  readonly bootsWith?: string;
}

/** VM types whose creation boots the node a readiness gate watches. */
const VM_TYPE = /^azurerm_(linux_|windows_)?virtual_machine$/;

function workOf(node: ResourceNode, times: TimesTable, known: ReadonlyMap<string, ResourceNode>): Work {
  if (node.hint?.activity) {
    const entry = times.activities[node.hint.activity];
    if (!entry) throw new Error(`${node.address}: activity "${node.hint.activity}" has no entry in the times table; allowed: ${Object.keys(times.activities).join(', ')}`);
    return { prepare: entry.minutes, join: 0, waits: [] };
  }
  if (node.hint?.onNode) {
    const entry = times.onNode[node.hint.onNode];
    if (!entry) throw new Error(`${node.address}: on-node activity "${node.hint.onNode}" has no entry in the times table; allowed: ${Object.keys(times.onNode).filter((k) => k !== 'comment').join(', ')}`);
    const vm = [...node.deps].find((d) => VM_TYPE.test(known.get(d)?.type ?? ''));
    return { prepare: entry.prepareMinutes, join: entry.joinMinutes, waits: (node.hint.waitsOnNodeFor ?? []).filter((a) => known.has(a)), ...(vm ? { bootsWith: vm } : {}) };
  }
  if (node.type === 'local' || node.destroyOnly) return { prepare: 0, join: 0, waits: [] };
  const minutes = node.sleepMinutes ?? (times.types[node.type] ?? times.default).minutes;
  return { prepare: minutes, join: 0, waits: [] };
}

/** Terraform's walk of one stack: returns timings relative to the start of the apply. */
export function simulateStack(stack: StackGraph, times: TimesTable, parallelism = DEFAULT_PARALLELISM): Map<string, ResourceTiming> {
  if (!Number.isInteger(parallelism) || parallelism < 1) throw new Error(`parallelism ${parallelism}; allowed: an integer >= 1 (terraform apply -parallelism)`);
  const nodes = stack.resources;
  const work = new Map([...nodes.values()].map((n) => [n.address, workOf(n, times, nodes)]));
  const dependents = new Map<string, string[]>([...nodes.keys()].map((a) => [a, []]));
  const pending = new Map<string, number>();
  for (const n of nodes.values()) {
    const deps = [...n.deps].filter((d) => nodes.has(d));
    pending.set(n.address, deps.length);
    for (const d of deps) dependents.get(d)!.push(n.address);
  }
  // Priority when slots are short: the longest remaining chain first.
  const tail = new Map<string, number>();
  const tailOf = (a: string, seen = new Set<string>()): number => {
    if (tail.has(a)) return tail.get(a)!;
    if (seen.has(a)) throw new Error(`${stack.name}: dependency cycle through ${a}`);
    seen.add(a);
    const w = work.get(a)!;
    const t = w.prepare + w.join + Math.max(0, ...dependents.get(a)!.map((d) => tailOf(d, seen)));
    seen.delete(a);
    tail.set(a, t);
    return t;
  };
  for (const a of nodes.keys()) tailOf(a);

  const finish = new Map<string, number>();
  const start = new Map<string, number>();
  const after = new Map<string, string>();
  const waitedFor = new Map<string, string>();
  const ready: string[] = [...nodes.keys()].filter((a) => pending.get(a) === 0);
  const waiting = new Map<string, number>(); // address -> time its preparation ends
  const events: Array<{ at: number; address: string }> = [];
  let running = 0;
  let now = 0;

  const startReady = () => {
    ready.sort((a, b) => tail.get(b)! - tail.get(a)! || a.localeCompare(b));
    while (running < parallelism && ready.length > 0) {
      const a = ready.shift()!;
      running++;
      start.set(a, now);
      const w = work.get(a)!;
      // A gate starts after its VM: the node has been preparing since the VM was created.
      const prepared = w.bootsWith !== undefined && finish.has(w.bootsWith) ? Math.max(now, finish.get(w.bootsWith)! + w.prepare) : now + w.prepare;
      if (w.waits.length > 0) waiting.set(a, prepared);
      else events.push({ at: prepared + w.join, address: a });
    }
  };
  const releaseWaiting = () => {
    for (const [a, prepared] of waiting) {
      const w = work.get(a)!;
      if (!w.waits.every((x) => finish.has(x))) continue;
      const last = w.waits.reduce((m, x) => (finish.get(x)! > finish.get(m)! ? x : m), w.waits[0]);
      if (finish.get(last)! > prepared) waitedFor.set(a, last);
      events.push({ at: Math.max(prepared, finish.get(last)!) + w.join, address: a });
      waiting.delete(a);
    }
  };

  startReady();
  while (events.length > 0) {
    events.sort((x, y) => x.at - y.at || x.address.localeCompare(y.address));
    const { at, address } = events.shift()!;
    now = at;
    finish.set(address, at);
    running--;
    for (const d of dependents.get(address)!) {
      pending.set(d, pending.get(d)! - 1);
      if (pending.get(d) === 0) {
        const deps = [...nodes.get(d)!.deps].filter((x) => nodes.has(x));
        after.set(d, deps.reduce((m, x) => (finish.get(x)! > finish.get(m)! ? x : m), deps[0]));
        ready.push(d);
      }
    }
    releaseWaiting();
    startReady();
  }
  if (finish.size !== nodes.size) {
    const stuck = [...nodes.keys()].filter((a) => !finish.has(a));
    throw new Error(`${stack.name}: ${stuck.length} resources never finish (a cycle, an on-node wait for a resource that waits itself, or more on-node waiters than parallelism ${parallelism}): ${stuck.slice(0, 5).join(', ')}`);
  }
  const out = new Map<string, ResourceTiming>();
  for (const [a, n] of nodes) {
    out.set(a, { address: a, type: n.type, start: start.get(a)!, finish: finish.get(a)!, ...(after.has(a) ? { after: after.get(a) } : {}), ...(waitedFor.has(a) ? { waitedOnNodeFor: waitedFor.get(a) } : {}) });
  }
  return out;
}

/** The chain that ends with the last resource to finish, first to last. */
export function criticalChain(timings: ReadonlyMap<string, ResourceTiming>): ResourceTiming[] {
  let last: ResourceTiming | undefined;
  for (const t of timings.values()) if (!last || t.finish > last.finish) last = t;
  const chain: ResourceTiming[] = [];
  for (let t = last; t; ) {
    chain.unshift(t);
    const next: string | undefined = t.waitedOnNodeFor ?? t.after;
    t = next ? timings.get(next) : undefined;
  }
  return chain.filter((t) => t.finish - t.start > 0 || t.waitedOnNodeFor !== undefined);
}

/** Every environment of a synth output, each stack simulated and placed after the stacks it reads. */
export function estimate(stacks: ReadonlyArray<StackGraph>, times: TimesTable, options: EstimateOptions = {}): EnvironmentEstimate[] {
  const byName = new Map(stacks.map((s) => [s.name, s]));
  const done = new Map<string, StackEstimate>();
  const place = (name: string, seen: string[] = []): StackEstimate => {
    const existing = done.get(name);
    if (existing) return existing;
    if (seen.includes(name)) throw new Error(`stack dependency cycle: ${[...seen, name].join(' -> ')}`);
    const stack = byName.get(name);
    if (!stack) throw new Error(`${seen[seen.length - 1]} reads stack ${name}, which is not in the synth output`);
    const deps = stack.dependsOn.map((d) => place(d, [...seen, name]));
    const before = deps.reduce<StackEstimate | undefined>((m, d) => (!m || d.finishMinute > m.finishMinute ? d : m), undefined);
    const startMinute = before?.finishMinute ?? 0;
    const resources = simulateStack(stack, times, options.parallelism);
    const makespan = Math.max(0, ...[...resources.values()].map((r) => r.finish));
    const durationMinutes = times.stackOverheadMinutes.minutes + makespan;
    const result: StackEstimate = {
      name,
      environment: stack.environment,
      startMinute,
      finishMinute: startMinute + durationMinutes,
      durationMinutes,
      ...(before ? { after: before.name } : {}),
      dependsOn: stack.dependsOn,
      resources,
      criticalResources: criticalChain(resources),
    };
    done.set(name, result);
    return result;
  };
  const environments = [...new Set(stacks.map((s) => s.environment))];
  return environments.map((environment) => {
    const own = stacks.filter((s) => s.environment === environment).map((s) => place(s.name));
    const last = own.reduce((m, s) => (s.finishMinute > m.finishMinute ? s : m), own[0]);
    const criticalPath: string[] = [];
    for (let s: StackEstimate | undefined = last; s; s = s.after ? done.get(s.after) : undefined) criticalPath.unshift(s.name);
    return { environment, totalMinutes: last.finishMinute, stacks: own, criticalPath };
  });
}

/** Per stack: how much later it could finish without moving the environment's total (latest finish - finish). */
export function stackSlack(e: EnvironmentEstimate): Map<string, number> {
  const deps = new Map(e.stacks.map((s) => [s.name, s.dependsOn]));
  const latestFinish = new Map<string, number>();
  const order = [...e.stacks].sort((a, b) => b.finishMinute - a.finishMinute);
  for (const s of order) {
    const dependants = e.stacks.filter((d) => (deps.get(d.name) ?? []).includes(s.name));
    const latest = Math.min(e.totalMinutes, ...dependants.map((d) => (latestFinish.get(d.name) ?? e.totalMinutes) - d.durationMinutes));
    latestFinish.set(s.name, latest);
  }
  return new Map(e.stacks.map((s) => [s.name, latestFinish.get(s.name)! - s.finishMinute]));
}
