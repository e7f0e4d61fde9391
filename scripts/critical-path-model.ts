import * as fs from 'fs';
import * as path from 'path';
import { CRITICAL_PATH_HINT_KEY, CriticalPathHint } from '../constructs/critical-path-hint';

/**
 * Estimates the time from an empty subscription to a running environment from the synthesized stacks
 * (`cdktf.out/stacks/<stack>/cdk.tf.json`): a discrete-event simulation of `terraform apply` per stack (resources
 * start when what they reference or `depends_on` is done, at most `parallelism` at a time, like Terraform's
 * default of 10), stacks starting when every stack they read (remote state, manifest dependencies) is done.
 * Work the graph cannot see, the kubeadm init/joins a readiness gate waits for on the node, comes from the
 * `"//": { "criticalPath": ... }` comment the readiness gate construct writes: a join that the node orders after
 * another node's (etcd adds one member at a time) finishes only after that node's.
 */

export type SourceKind = 'documented' | 'estimate' | 'measured';

export interface TimeEntry {
  readonly minutes: number;
  readonly kind: SourceKind;
  readonly source: string;
}

export interface OnNodeEntry {
  /** Work every node does in parallel right after boot. */
  readonly prepareMinutes: number;
  /** Work that starts only once the node's on-node predecessors are healthy. */
  readonly joinMinutes: number;
  readonly kind: SourceKind;
  readonly source: string;
}

export interface TimesTable {
  readonly stackOverheadMinutes: TimeEntry;
  readonly default: TimeEntry;
  readonly types: Record<string, TimeEntry>;
  /** Named durations a resource can ask for through its hint (`"//": { "criticalPath": { "activity": ... } }`). */
  readonly activities: Record<string, TimeEntry>;
  readonly onNode: Record<string, OnNodeEntry>;
}

export const DEFAULT_PARALLELISM = 10;

/** The data file, from the source tree (tsc does not copy JSON next to the compiled script). */
export function defaultTimesPath(): string {
  const here = path.join(__dirname, 'critical-path-times.json');
  return fs.existsSync(here) ? here : path.resolve(__dirname, '..', '..', 'scripts', 'critical-path-times.json');
}

export function loadTimes(file = defaultTimesPath()): TimesTable {
  const table = JSON.parse(fs.readFileSync(file, 'utf8')) as TimesTable;
  validateTimes(table, file);
  return table;
}

/** Every entry needs a non-negative number and a source: the estimate is only as honest as its inputs. */
export function validateTimes(table: TimesTable, where: string): void {
  const problems: string[] = [];
  const kinds = ['documented', 'estimate', 'measured'];
  const check = (name: string, e: Partial<TimeEntry & OnNodeEntry>, fields: string[]) => {
    for (const f of fields) {
      const v = (e as Record<string, unknown>)[f];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) problems.push(`${name}.${f} is ${JSON.stringify(v)}; allowed: a number of minutes >= 0`);
    }
    if (!kinds.includes(String(e.kind))) problems.push(`${name}.kind is ${JSON.stringify(e.kind)}; allowed: ${kinds.join(', ')}`);
    if (typeof e.source !== 'string' || e.source.trim() === '') problems.push(`${name}.source is missing; allowed: where the figure comes from`);
  };
  check('stackOverheadMinutes', table.stackOverheadMinutes ?? {}, ['minutes']);
  check('default', table.default ?? {}, ['minutes']);
  for (const [k, e] of Object.entries(table.types ?? {})) check(`types.${k}`, e, ['minutes']);
  for (const [k, e] of Object.entries(table.activities ?? {})) check(`activities.${k}`, e, ['minutes']);
  for (const [k, e] of Object.entries(table.onNode ?? {})) if (k !== 'comment') check(`onNode.${k}`, e as OnNodeEntry, ['prepareMinutes', 'joinMinutes']);
  if (problems.length > 0) throw new Error(`${where}:\n  ${problems.join('\n  ')}`);
}

/** Entries of `overrides` replace those of `base` (a partial table, e.g. measured figures for one region). */
export function mergeTimes(base: TimesTable, overrides: Partial<TimesTable>): TimesTable {
  return {
    stackOverheadMinutes: overrides.stackOverheadMinutes ?? base.stackOverheadMinutes,
    default: overrides.default ?? base.default,
    types: { ...base.types, ...(overrides.types ?? {}) },
    activities: { ...base.activities, ...(overrides.activities ?? {}) },
    onNode: { ...base.onNode, ...(overrides.onNode ?? {}) },
  };
}

/**
 * `--set <type>=<minutes>`, `--set <activity>.prepareMinutes=<minutes>` (or joinMinutes), `--set stackOverhead=<minutes>`:
 * one-off overrides, recorded as measured-by-the-user.
 */
export function applySet(table: TimesTable, assignment: string): TimesTable {
  const m = /^([A-Za-z0-9_.-]+)=([0-9]+(?:\.[0-9]+)?)$/.exec(assignment);
  if (!m) throw new Error(`--set ${assignment}: allowed: <resource type or activity>=<minutes>, <on-node activity>.prepareMinutes=<minutes>, <on-node activity>.joinMinutes=<minutes>, stackOverhead=<minutes>`);
  const [, key, value] = m;
  const minutes = Number(value);
  const source = `--set ${assignment}`;
  const field = /^(.*)\.(prepareMinutes|joinMinutes)$/.exec(key);
  if (field) {
    const current = table.onNode[field[1]];
    if (!current) throw new Error(`--set ${assignment}: no on-node activity "${field[1]}"; allowed: ${Object.keys(table.onNode).filter((k) => k !== 'comment').join(', ')}`);
    return { ...table, onNode: { ...table.onNode, [field[1]]: { ...current, [field[2]]: minutes, kind: 'measured', source } } };
  }
  if (key === 'stackOverhead') return { ...table, stackOverheadMinutes: { minutes, kind: 'measured', source } };
  if (table.activities[key]) return { ...table, activities: { ...table.activities, [key]: { minutes, kind: 'measured', source } } };
  return { ...table, types: { ...table.types, [key]: { minutes, kind: 'measured', source } } };
}

// ---------------------------------------------------------------------------------------------------------------
// The synthesized graph

export interface ResourceNode {
  readonly address: string;
  readonly type: string;
  readonly deps: ReadonlySet<string>;
  readonly hint?: CriticalPathHint;
  /** Literal create_duration of a time_sleep, in minutes. */
  readonly sleepMinutes?: number;
  /** Does nothing on create (an azapi_resource_action with `when = "destroy"`): zero minutes. */
  readonly destroyOnly?: boolean;
}

export interface StackGraph {
  readonly name: string;
  readonly environment: string;
  /** Stacks that must be applied first: remote state reads and the manifest's dependencies. */
  readonly dependsOn: ReadonlyArray<string>;
  readonly resources: ReadonlyMap<string, ResourceNode>;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const ADDRESS = /(?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+/g;
const REMOTE_STATE = /^cross-stack-reference-input-(.+)$/;

function collectStrings(value: Json, out: string[]): void {
  if (typeof value === 'string') {
    if (value.includes('${')) out.push(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collectStrings(v, out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (k !== '//') collectStrings(v, out);
  }
}

/** Addresses a block refers to: `${...}` references (any depth, inside function calls too) and depends_on. */
function references(block: { [k: string]: Json }, known: ReadonlySet<string>): Set<string> {
  const deps = new Set<string>();
  const texts: string[] = [];
  collectStrings(block, texts);
  for (const text of texts) for (const m of text.matchAll(ADDRESS)) if (known.has(m[0])) deps.add(m[0]);
  for (const d of (block.depends_on as string[] | undefined) ?? []) deps.add(d);
  return deps;
}

function parseDuration(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const parts = [...value.matchAll(/([0-9.]+)(h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value) return undefined;
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * (unit === 'h' ? 60 : unit === 'm' ? 1 : 1 / 60), 0);
}

/** One stack's resources, data sources and locals with their dependencies. */
export function parseStack(name: string, doc: { [k: string]: Json }, manifestDependencies: ReadonlyArray<string> = []): StackGraph {
  const blocks: Array<{ address: string; type: string; body: { [k: string]: Json } }> = [];
  for (const [type, items] of Object.entries((doc.resource ?? {}) as Record<string, Record<string, { [k: string]: Json }>>)) {
    for (const [id, body] of Object.entries(items)) blocks.push({ address: `${type}.${id}`, type, body });
  }
  for (const [type, items] of Object.entries((doc.data ?? {}) as Record<string, Record<string, { [k: string]: Json }>>)) {
    for (const [id, body] of Object.entries(items)) blocks.push({ address: `data.${type}.${id}`, type: `data.${type}`, body });
  }
  for (const [id, value] of Object.entries((doc.locals ?? {}) as Record<string, Json>)) {
    blocks.push({ address: `local.${id}`, type: 'local', body: { value } });
  }
  const known = new Set(blocks.map((b) => b.address));
  const resources = new Map<string, ResourceNode>();
  for (const b of blocks) {
    const comment = b.body['//'] as { [k: string]: Json } | undefined;
    const hint = comment?.[CRITICAL_PATH_HINT_KEY] as CriticalPathHint | undefined;
    const sleepMinutes = b.type === 'time_sleep' ? parseDuration(b.body.create_duration) : undefined;
    const destroyOnly = b.body.when === 'destroy';
    const deps = references(b.body, known);
    deps.delete(b.address);
    resources.set(b.address, { address: b.address, type: b.type, deps, ...(hint ? { hint } : {}), ...(sleepMinutes !== undefined ? { sleepMinutes } : {}), ...(destroyOnly ? { destroyOnly } : {}) });
  }
  const remote = Object.keys(((doc.data ?? {}) as Record<string, Record<string, unknown>>).terraform_remote_state ?? {})
    .map((id) => REMOTE_STATE.exec(id)?.[1])
    .filter((s): s is string => Boolean(s));
  const dependsOn = [...new Set([...manifestDependencies, ...remote])].filter((s) => s !== name).sort();
  return { name, environment: name.split('-')[0], dependsOn, resources };
}

/** Every stack of a synth output directory (`cdktf.out`). */
export function loadStacks(outdir: string): StackGraph[] {
  const stacksDir = path.join(outdir, 'stacks');
  if (!fs.existsSync(stacksDir)) throw new Error(`${stacksDir} does not exist: run \`npm run synth\` first (or pass --outdir <synth output>)`);
  const manifestFile = path.join(outdir, 'manifest.json');
  const manifest = fs.existsSync(manifestFile)
    ? (JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { stacks: Record<string, { dependencies?: string[] }> }).stacks
    : {};
  return fs
    .readdirSync(stacksDir)
    .filter((s) => fs.existsSync(path.join(stacksDir, s, 'cdk.tf.json')))
    .sort()
    .map((s) => parseStack(s, JSON.parse(fs.readFileSync(path.join(stacksDir, s, 'cdk.tf.json'), 'utf8')), manifest[s]?.dependencies ?? []));
}

// ---------------------------------------------------------------------------------------------------------------
// Simulation of one stack's apply

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

const round = (n: number) => Math.round(n * 10) / 10;

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

/** The `--json` shape (scripts/plan-summary.mjs reads it). */
export function toJson(estimates: ReadonlyArray<EnvironmentEstimate>): {
  environments: Record<string, { totalMinutes: number; stacks: Record<string, { startMinute: number; finishMinute: number; durationMinutes: number }>; criticalPath: string[] }>;
} {
  return {
    environments: Object.fromEntries(
      estimates.map((e) => [
        e.environment,
        {
          totalMinutes: round(e.totalMinutes),
          stacks: Object.fromEntries(e.stacks.map((s) => [s.name, { startMinute: round(s.startMinute), finishMinute: round(s.finishMinute), durationMinutes: round(s.durationMinutes) }])),
          criticalPath: [...e.criticalPath],
        },
      ]),
    ),
  };
}

/** A short readable form of a Terraform address: type.name without cdktf's hash suffix. */
export function shortAddress(address: string): string {
  return address.replace(/_[0-9A-F]{8}$/, '');
}

/** The human report: per environment the total, the stack timeline, the critical path and what runs beside it. */
export function formatReport(estimates: ReadonlyArray<EnvironmentEstimate>, times: TimesTable): string {
  const lines: string[] = [];
  const f = (n: number) => round(n).toFixed(1).padStart(5);
  for (const e of estimates) {
    const scale = 40 / Math.max(1, e.totalMinutes);
    lines.push(`${e.environment}: ~${Math.round(e.totalMinutes)} min from an empty subscription to a running environment`);
    lines.push(`  critical path: ${e.criticalPath.join(' -> ')}`);
    lines.push('');
    lines.push(`  ${'stack'.padEnd(18)} start finish   took  timeline (one mark ~${round(1 / scale)} min)`);
    for (const s of [...e.stacks].sort((a, b) => a.startMinute - b.startMinute || a.name.localeCompare(b.name))) {
      const bar = ' '.repeat(Math.round(s.startMinute * scale)) + (e.criticalPath.includes(s.name) ? '#' : '=').repeat(Math.max(1, Math.round(s.durationMinutes * scale)));
      lines.push(`  ${s.name.padEnd(18)} ${f(s.startMinute)}  ${f(s.finishMinute)}  ${f(s.durationMinutes)}  ${bar}`);
    }
    lines.push('');
    lines.push('  on the critical path (minutes from the start of the environment):');
    for (const name of e.criticalPath) {
      const s = e.stacks.find((x) => x.name === name)!;
      const base = s.startMinute + times.stackOverheadMinutes.minutes;
      lines.push(`    ${name} (starts ${round(s.startMinute)}${s.after ? `, after ${s.after}` : ''}; ${round(times.stackOverheadMinutes.minutes)} min init/plan):`);
      for (const r of s.criticalResources) {
        const dep = r.after ? s.resources.get(r.after) : undefined;
        const queued = dep && r.start > dep.finish + 1e-9 ? ' (queued for a parallelism slot)' : '';
        const why = `${queued}${r.waitedOnNodeFor ? `, then its on-node join waited for ${shortAddress(r.waitedOnNodeFor)}` : ''}`;
        lines.push(`      ${f(base + r.start)} -> ${f(base + r.finish)}  ${shortAddress(r.address)}${why}`);
      }
      const onPath = new Set(s.criticalResources.map((r) => r.address));
      const beside = [...s.resources.values()].filter((r) => !onPath.has(r.address) && r.finish - r.start >= 1).sort((a, b) => b.finish - b.start - (a.finish - a.start));
      if (beside.length > 0) {
        const shown = beside.slice(0, 4).map((r) => `${shortAddress(r.address)} ${round(base + r.start)}-${round(base + r.finish)}`);
        lines.push(`      in parallel: ${shown.join('; ')}${beside.length > 4 ? `; +${beside.length - 4} more` : ''}`);
      }
    }
    const off = e.stacks.filter((s) => !e.criticalPath.includes(s.name));
    if (off.length > 0) {
      const slack = stackSlack(e);
      lines.push('  in parallel, off the critical path (slack: minutes a stack could take longer without delaying the environment):');
      for (const s of off) lines.push(`    ${s.name.padEnd(18)} ends ${f(s.finishMinute)}, slack ${f(slack.get(s.name)!)}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
