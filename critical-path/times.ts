import * as fs from 'fs';
import * as path from 'path';

/**
 * The table of typical create times (times.json) the estimate is computed from: loading, validation and the
 * `--times` / `--set` overrides.
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

/** The data file, from the source tree (tsc does not copy JSON next to the compiled script). */
export function defaultTimesPath(): string {
  const here = path.join(__dirname, 'times.json');
  return fs.existsSync(here) ? here : path.resolve(__dirname, '..', '..', 'critical-path', 'times.json');
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
