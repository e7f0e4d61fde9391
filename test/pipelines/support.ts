/**
 * Offline tooling for the Azure Pipelines YAML under pipelines/: parsing the way the service does (every scalar
 * is a string), a small template expander for the subset of template syntax the pipelines use, the official
 * JSON schema compiled once, and extraction of inline bash for shellcheck.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { parseDocument } from 'yaml';

export const REPO = path.resolve(__dirname, '..', '..');
export const PIPELINES_DIR = path.join(REPO, 'pipelines');
// Vendored (MIT, see schema/SOURCE.md) so the tests run offline on any clone.
export const SCHEMA_FILE = path.join(__dirname, 'schema', 'service-schema.json');

export type Node = string | Node[] | { [key: string]: Node } | null;
export type Mapping = { [key: string]: Node };

export const isMapping = (n: Node | undefined): n is Mapping => typeof n === 'object' && n !== null && !Array.isArray(n);

/** Every *.yml under pipelines/, relative to the repository root. */
export function pipelineFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e.name)) out.push(path.relative(REPO, p));
    }
  };
  walk(PIPELINES_DIR);
  return out.sort();
}

/** The entry pipelines (what gets registered in Azure DevOps): the YAML files directly under pipelines/. */
export function entryPipelines(): string[] {
  return pipelineFiles().filter((f) => path.dirname(f) === 'pipelines');
}

/**
 * Parses YAML as Azure Pipelines does: the failsafe schema keeps every scalar a string ("true", "120"), and the
 * schema's typed task inputs are matched by ajv's type coercion, as the service converts them.
 */
export function parsePipelineYaml(text: string, source = '<inline>'): Node {
  const doc = parseDocument(text, { schema: 'failsafe', uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors.map((e) => e.message).join('; ')}`);
  return doc.toJS() as Node;
}

export function loadPipelineYaml(file: string): Node {
  return parsePipelineYaml(fs.readFileSync(path.resolve(REPO, file), 'utf8'), file);
}

// ---------------------------------------------------------------------------------------------------------------
// Template expansion (compile-time): `- template:` references in stages/jobs/steps/variables lists, with typed
// parameters and `${{ parameters.x }}` substitution. Anything else in `${{ }}` (each, if, functions) is refused
// loudly rather than half-understood, so the expanded result is exactly what the service would build.

const FULL_PARAM = /^\$\{\{\s*parameters\.([A-Za-z_][\w.]*)\s*\}\}$/;
const EMBEDDED_PARAM = /\$\{\{\s*parameters\.([A-Za-z_][\w.]*)\s*\}\}/g;
const TEMPLATE_LISTS = ['stages', 'jobs', 'steps', 'variables'] as const;

function lookup(values: Mapping, dotted: string, where: string): Node {
  let node: Node | undefined = values;
  for (const part of dotted.split('.')) {
    if (!isMapping(node) || !(part in node)) throw new Error(`${where}: \${{ parameters.${dotted} }} names no parameter`);
    node = node[part];
  }
  return node ?? null;
}

const IF_KEY = /^\$\{\{\s*if\s+(.+?)\s*\}\}$/;
const ELSE_KEY = /^\$\{\{\s*else\s*\}\}$/;

/** Operand of a condition: parameters.x, a quoted literal, true/false. */
function operand(text: string, values: Mapping, where: string): string {
  const t = text.trim();
  const param = /^parameters\.([A-Za-z_][\w.]*)$/.exec(t);
  if (param) {
    const v = lookup(values, param[1]!, where);
    if (typeof v !== 'string') throw new Error(`${where}: parameters.${param[1]} is not a scalar in a condition`);
    return v;
  }
  const quoted = /^'((?:[^']|'')*)'$/.exec(t);
  if (quoted) return quoted[1]!.replace(/''/g, "'");
  if (/^(true|false)$/i.test(t)) return t;
  throw new Error(`${where}: unsupported condition operand "${t}" (only parameters.x, 'literal', true/false)`);
}

/** eq(a, b) / ne(a, b), case-insensitive like the service; anything else is refused. */
function condition(expr: string, values: Mapping, where: string): boolean {
  const m = /^(eq|ne)\(\s*([^,]+?)\s*,\s*([^,]+?)\s*\)$/.exec(expr.trim());
  if (!m) throw new Error(`${where}: unsupported condition "${expr}" (only eq(a, b) and ne(a, b))`);
  const same = operand(m[2]!, values, where).toLowerCase() === operand(m[3]!, values, where).toLowerCase();
  return m[1] === 'eq' ? same : !same;
}

/** The single `${{ if }}` / `${{ else }}` key of a conditional list item or mapping entry, if it is one. */
function conditional(key: string): { kind: 'if'; expr: string } | { kind: 'else' } | undefined {
  const m = IF_KEY.exec(key);
  if (m) return { kind: 'if', expr: m[1]! };
  if (ELSE_KEY.test(key)) return { kind: 'else' };
  return undefined;
}

function substitute(node: Node, values: Mapping, where: string): Node {
  if (Array.isArray(node)) {
    // Conditional insertion in lists: `- ${{ if eq(parameters.x, 'y') }}:` followed by the items to insert.
    const out: Node[] = [];
    let previous: boolean | undefined;
    for (const item of node) {
      const keys = isMapping(item) ? Object.keys(item) : [];
      const c = keys.length === 1 ? conditional(keys[0]!) : undefined;
      if (!c) {
        previous = undefined;
        out.push(substitute(item, values, where));
        continue;
      }
      if (c.kind === 'else' && previous === undefined) throw new Error(`${where}: \${{ else }} without a preceding \${{ if }}`);
      const take = c.kind === 'if' ? condition(c.expr, values, where) : !previous;
      previous = c.kind === 'if' ? take : undefined;
      const body = (item as Mapping)[keys[0]!];
      if (take) {
        if (!Array.isArray(body)) throw new Error(`${where}: a conditional list item must hold a list`);
        out.push(...(substitute(body, values, where) as Node[]));
      }
    }
    return out;
  }
  if (isMapping(node)) {
    const out: Mapping = {};
    let previous: boolean | undefined;
    for (const [k, v] of Object.entries(node)) {
      const c = conditional(k);
      if (c) {
        const take = c.kind === 'if' ? condition(c.expr, values, where) : previous === false;
        previous = c.kind === 'if' ? take : undefined;
        if (take) {
          if (!isMapping(v)) throw new Error(`${where}: a conditional mapping entry must hold a mapping`);
          Object.assign(out, substitute(v, values, where));
        }
        continue;
      }
      previous = undefined;
      if (k.includes('${{')) throw new Error(`${where}: unsupported template expression key "${k}"`);
      out[k] = substitute(v, values, where);
    }
    return out;
  }
  if (typeof node === 'string') {
    const full = FULL_PARAM.exec(node);
    if (full) return structuredClone(lookup(values, full[1]!, where));
    const out = node.replace(EMBEDDED_PARAM, (_m, name: string) => {
      const v = lookup(values, name, where);
      if (typeof v !== 'string') throw new Error(`${where}: parameters.${name} is not a scalar but is embedded in "${node}"`);
      return v;
    });
    if (out.includes('${{')) throw new Error(`${where}: unsupported template expression in "${out}" (only \${{ parameters.x }})`);
    return out;
  }
  return node;
}

function checkType(name: string, type: string, value: Node, where: string): void {
  const fail = (what: string) => {
    throw new Error(`${where}: parameter ${name} must be ${what}, got ${JSON.stringify(value)}`);
  };
  if (type === 'string' && typeof value !== 'string') fail('a string');
  if (type === 'boolean' && !(typeof value === 'string' && /^(true|false)$/i.test(value))) fail('true or false');
  if (type === 'number' && !(typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value))) fail('a number');
  if (type === 'stringList' && !(Array.isArray(value) && value.every((v) => typeof v === 'string'))) fail('a list of strings');
}

/** Resolves a template's declared parameters against the caller's, as the service does (unknown = error). */
function resolveParameters(declared: Node | undefined, given: Mapping, where: string): Mapping {
  const values: Mapping = {};
  const list = Array.isArray(declared) ? declared : [];
  const names = new Set<string>();
  for (const p of list) {
    if (!isMapping(p) || typeof p['name'] !== 'string') throw new Error(`${where}: parameters must be a list of { name, type, default }`);
    const name = p['name'];
    names.add(name);
    const value = name in given ? given[name]! : p['default'];
    if (value === undefined) throw new Error(`${where}: required parameter ${name} was not given`);
    checkType(name, typeof p['type'] === 'string' ? p['type'] : 'string', value, where);
    const allowed = p['values'];
    if (Array.isArray(allowed) && !allowed.includes(value as string)) throw new Error(`${where}: parameter ${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
    values[name] = value;
  }
  for (const name of Object.keys(given)) if (!names.has(name)) throw new Error(`${where}: unexpected parameter ${name} (declared: ${[...names].join(', ')})`);
  return values;
}

function expandLists(node: Node, dir: string, where: string): Node {
  if (Array.isArray(node)) return node.map((n) => expandLists(n, dir, where));
  if (!isMapping(node)) return node;
  const out: Mapping = {};
  for (const [key, value] of Object.entries(node)) {
    if ((TEMPLATE_LISTS as readonly string[]).includes(key) && Array.isArray(value)) {
      out[key] = value.flatMap((item) => {
        if (isMapping(item) && typeof item['template'] === 'string') {
          const file = path.relative(REPO, path.resolve(dir, item['template']));
          const given = item['parameters'] ?? {};
          if (!isMapping(given)) throw new Error(`${where}: parameters of ${item['template']} must be a mapping`);
          const expanded = expandTemplate(file, given);
          const list = expanded[key];
          if (!Array.isArray(list)) throw new Error(`${file}: included in a ${key} list but defines no ${key}`);
          return list;
        }
        return [expandLists(item, dir, where)];
      });
    } else {
      out[key] = expandLists(value, dir, where);
    }
  }
  return out;
}

/** Expands a template file with the caller's parameters (recursively, paths relative to the file). */
export function expandTemplate(file: string, given: Mapping = {}): Mapping {
  const doc = loadPipelineYaml(file);
  if (!isMapping(doc)) throw new Error(`${file}: not a mapping`);
  const { parameters, ...body } = doc;
  const values = resolveParameters(parameters, given, file);
  const substituted = substitute(body, { ...values }, file);
  return expandLists(substituted, path.dirname(path.resolve(REPO, file)), file) as Mapping;
}

/**
 * Expands an entry pipeline (its own `parameters` are runtime parameters: their defaults are used). An entry
 * that `extends:` a template becomes that template's expansion with the entry's triggers and resources.
 */
export function expandPipeline(file: string): Mapping {
  const entry = expandTemplate(file, {});
  const ext = entry['extends'];
  if (!isMapping(ext)) return entry;
  if (typeof ext['template'] !== 'string') throw new Error(`${file}: extends needs a template`);
  const given = ext['parameters'] ?? {};
  if (!isMapping(given)) throw new Error(`${file}: extends parameters must be a mapping`);
  const template = path.relative(REPO, path.resolve(path.dirname(path.resolve(REPO, file)), ext['template']));
  const { extends: _extends, ...rest } = entry;
  const body = expandTemplate(template, given);
  const variables = [...(Array.isArray(rest['variables']) ? rest['variables'] : []), ...(Array.isArray(body['variables']) ? body['variables'] : [])];
  return { ...rest, ...body, ...(variables.length > 0 ? { variables } : {}) };
}

// ---------------------------------------------------------------------------------------------------------------
// Schema validation

let ajv: Ajv | undefined;
let schemaId = '';

/** The official schema, compiled once per test file (2-3 s). */
export function pipelineSchema(): ValidateFunction {
  if (!ajv) {
    const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8'));
    schemaId = schema.$id;
    // strict: false for the schema's editor-only keywords (ignoreCase, firstProperty, aliases, doNotSuggest);
    // unicodeRegExp: false because some task patterns are not valid `u`-flag regular expressions;
    // coerceTypes: the service reads every scalar as a string and converts typed task inputs ("true" -> boolean).
    ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false, coerceTypes: true });
    ajv.addSchema(schema);
  }
  return ajv.getSchema(schemaId)!;
}

/** The template shapes the schema defines, by the list a template file provides. */
export type TemplateKind = 'stepsTemplate' | 'jobsTemplate' | 'stagesTemplate' | 'variablesTemplate' | 'extendsTemplate';

export function templateKind(doc: Node): TemplateKind {
  if (!isMapping(doc)) throw new Error('a template must be a mapping');
  // A pipeline template (what `extends:` names) may carry variables next to its stages.
  if ('stages' in doc && 'variables' in doc) return 'extendsTemplate';
  for (const key of ['stages', 'jobs', 'steps', 'variables'] as const) if (key in doc) return `${key}Template` as TemplateKind;
  throw new Error(`a template must define stages, jobs, steps or variables (has: ${Object.keys(doc).join(', ')})`);
}

/**
 * A template as written still holds `${{ parameters.x }}` where the expanded pipeline will have values, also in
 * fields with a pattern (job ids: `[-_A-Za-z0-9]*`). For the as-written check each expression becomes a
 * placeholder identifier; the values themselves are checked on the expanded entry pipelines.
 */
export function withPlaceholders(node: Node): Node {
  if (typeof node === 'string') return node.replace(EMBEDDED_PARAM, (_m, name: string) => `P_${name.replace(/\./g, '_')}`);
  // Conditional insertions are checked with every branch in place (each must be valid where it lands).
  if (Array.isArray(node)) {
    return node.flatMap((item) => {
      const keys = isMapping(item) ? Object.keys(item) : [];
      const body = keys.length === 1 && conditional(keys[0]!) ? (item as Mapping)[keys[0]!] : undefined;
      return Array.isArray(body) ? body.map(withPlaceholders) : [withPlaceholders(item)];
    });
  }
  if (isMapping(node)) {
    const out: Mapping = {};
    for (const [k, v] of Object.entries(node)) {
      if (conditional(k) && isMapping(v)) Object.assign(out, withPlaceholders(v));
      else out[k] = withPlaceholders(v);
    }
    return out;
  }
  return node;
}

/**
 * Schema errors for a parsed pipeline (or, with `definition`, for a template against the schema's definition of
 * that template shape), without the noise of the oneOf/anyOf branch summaries.
 */
export function schemaErrors(doc: Node, definition?: TemplateKind): string[] {
  pipelineSchema();
  const validate = definition ? ajv!.getSchema(`${schemaId}#/definitions/${definition}`)! : pipelineSchema();
  if (validate(structuredClone(doc))) return [];
  const errors = (validate.errors ?? []).filter((e: ErrorObject) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf');
  return [...new Set(errors.map((e) => `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params['additionalProperty'])})` : ''}`))];
}

// ---------------------------------------------------------------------------------------------------------------
// Walking the expanded pipelines

export interface Step {
  readonly file: string;
  readonly where: string;
  readonly step: Mapping;
}

/** Every step (script, bash, task, checkout, ...) of a parsed document, with a readable location. */
export function collectSteps(doc: Node, file: string): Step[] {
  const out: Step[] = [];
  const walk = (node: Node, where: string) => {
    if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${where}[${i}]`));
    else if (isMapping(node)) {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'steps' && Array.isArray(v)) {
          v.forEach((s, i) => {
            if (isMapping(s)) out.push({ file, where: `${where}.steps[${i}]${typeof s['displayName'] === 'string' ? ` "${s['displayName']}"` : ''}`, step: s });
          });
        } else walk(v, `${where}.${k}`);
      }
    }
  };
  walk(doc, file);
  return out;
}

export interface InlineScript extends Step {
  readonly body: string;
}

/** Inline bash: `script:` and `bash:` steps, and the inline scripts of Bash@3 and AzureCLI@2 (scriptType bash). */
export function inlineScripts(doc: Node, file: string): InlineScript[] {
  const out: InlineScript[] = [];
  for (const s of collectSteps(doc, file)) {
    const { step } = s;
    if (typeof step['script'] === 'string') out.push({ ...s, body: step['script'] });
    if (typeof step['bash'] === 'string') out.push({ ...s, body: step['bash'] });
    const inputs = isMapping(step['inputs']) ? step['inputs'] : undefined;
    if (typeof step['task'] === 'string' && inputs) {
      if (/^Bash@/i.test(step['task']) && typeof inputs['script'] === 'string') out.push({ ...s, body: inputs['script'] });
      if (/^AzureCLI@/i.test(step['task']) && inputs['scriptType'] === 'bash' && typeof inputs['inlineScript'] === 'string') out.push({ ...s, body: inputs['inlineScript'] });
    }
  }
  return out;
}

/** Jobs of a stage by name (`job:` or `deployment:`). */
export function stageJobs(stage: Mapping): Map<string, Mapping> {
  const jobs = new Map<string, Mapping>();
  for (const j of Array.isArray(stage['jobs']) ? stage['jobs'] : []) {
    if (!isMapping(j)) continue;
    const name = typeof j['job'] === 'string' ? j['job'] : j['deployment'];
    if (typeof name === 'string') jobs.set(name, j);
  }
  return jobs;
}

export function asList(node: Node | undefined): string[] {
  if (node === undefined || node === null || node === '') return [];
  if (typeof node === 'string') return [node];
  if (Array.isArray(node)) return node.filter((n): n is string => typeof n === 'string');
  return [];
}

/** The value of a job-level variable declared as `- name: X  value: Y`. */
export function jobVariable(job: Mapping, name: string): string | undefined {
  const vars = job['variables'];
  if (Array.isArray(vars)) {
    for (const v of vars) if (isMapping(v) && v['name'] === name && typeof v['value'] === 'string') return v['value'];
  } else if (isMapping(vars) && typeof vars[name] === 'string') return vars[name] as string;
  return undefined;
}
