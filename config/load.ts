import * as fs from 'fs';
import * as path from 'path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError, ConfigProblem } from './problems';
import { EnvironmentConfig, environmentSchema } from './schema';
import { validateEnvironment } from './validate';

/** Where the environment files live, relative to the repository root. */
export const ENVIRONMENTS_DIR = path.resolve(__dirname, '..', '..', 'config', 'environments');

function sourceEnvironmentsDir(): string {
  // Compiled code runs from dist/config; source (jest) from config/. Both resolve to <repo>/config/environments.
  const fromSource = path.resolve(__dirname, 'environments');
  return fs.existsSync(fromSource) ? fromSource : ENVIRONMENTS_DIR;
}

export interface LoadedEnvironment {
  readonly file: string;
  readonly config: EnvironmentConfig;
  readonly warnings: ConfigProblem[];
}

/** Turns zod issues into problems that name the path, the bad value and what is allowed. */
export function zodProblems(error: z.ZodError, input: unknown): ConfigProblem[] {
  return error.issues.map((issue) => {
    const p = issue.path.map(String).join('.');
    let value: unknown = input;
    for (const key of issue.path) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key as string] : undefined;
    let allowed: string | undefined;
    if (issue.code === 'invalid_value') allowed = issue.values.map((v) => JSON.stringify(v)).join(', ');
    if (issue.code === 'unrecognized_keys') allowed = 'only the documented keys (see config/environment.schema.json)';
    if (issue.code === 'too_small' || issue.code === 'too_big') allowed = issue.message;
    return { severity: 'error' as const, path: p, message: issue.message, value, ...(allowed ? { allowed } : {}) };
  });
}

/**
 * Parses and validates one environment document: schema first, then the semantic rules. Returns the
 * config or every problem found (never only the first).
 */
export function parseEnvironment(input: unknown, expectedName?: string): { config?: EnvironmentConfig; problems: ConfigProblem[] } {
  const parsed = environmentSchema.safeParse(input);
  if (!parsed.success) return { problems: zodProblems(parsed.error, input) };
  const problems = validateEnvironment(parsed.data);
  if (expectedName && parsed.data.name !== expectedName) {
    problems.unshift({ severity: 'error', path: 'name', message: `the name must match the file name "${expectedName}.yaml"`, value: parsed.data.name, allowed: JSON.stringify(expectedName) });
  }
  return { config: parsed.data, problems };
}

/** Largest environment file read (the shipped ones are ~5 KB): bigger input is refused before parsing. */
export const MAX_ENVIRONMENT_FILE_BYTES = 256 * 1024;
/** Alias expansions allowed while building the document (a "billion laughs" file needs thousands). */
export const MAX_YAML_ALIASES = 100;

/**
 * Reads one environment file into plain data, or returns exactly one problem per failure: unreadable, too large,
 * YAML syntax (line and column, no source excerpt: the excerpt could hold a secret), alias bomb. Never throws.
 */
export function readYaml(file: string): { data?: unknown; problems: ConfigProblem[] } {
  const fail = (message: string, allowed?: string) => ({ problems: [{ severity: 'error' as const, path: '', message, ...(allowed ? { allowed } : {}) }] });
  let text: string;
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_ENVIRONMENT_FILE_BYTES) return fail(`the file is ${size} bytes, larger than the ${MAX_ENVIRONMENT_FILE_BYTES} bytes an environment file may have`, `at most ${MAX_ENVIRONMENT_FILE_BYTES} bytes`);
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    return fail(`cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'read error'})`);
  }
  try {
    const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      const offset = e.pos?.[0];
      const before = offset === undefined ? undefined : text.slice(0, offset).split('\n');
      const where = before ? ` at line ${before.length}, column ${before[before.length - 1]!.length + 1}` : '';
      const more = doc.errors.length > 1 ? ` (and ${doc.errors.length - 1} more)` : '';
      return fail(`YAML syntax error${where}: ${e.message.split('\n')[0]}${more}`);
    }
    return { data: doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }), problems: [] };
  } catch (error) {
    // yaml throws ReferenceError "Excessive alias count..." for alias bombs; anything else is reported the same way.
    const message = error instanceof Error ? error.message.split('\n')[0] : 'unknown error';
    if (/alias/i.test(message)) return fail(`YAML aliases expand too much (more than ${MAX_YAML_ALIASES} alias expansions): refusing a resource-exhaustion document`, `at most ${MAX_YAML_ALIASES} alias expansions; write the values out`);
    return fail(`YAML could not be read: ${message}`);
  }
}

/** Lists the environment names that have a file in `dir`. */
export function environmentNames(dir = sourceEnvironmentsDir()): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort();
}

/**
 * Loads and validates environments (all of them by default). Throws a ConfigError listing every error of
 * every file before any stack is constructed, so bad input never produces partial output.
 */
export function loadEnvironments(names?: string[], dir = sourceEnvironmentsDir()): LoadedEnvironment[] {
  const wanted = names ?? environmentNames(dir);
  const loaded: LoadedEnvironment[] = [];
  const failures: Array<{ file: string; problem: ConfigProblem }> = [];
  for (const name of wanted) {
    const file = path.join(dir, `${name}.yaml`);
    if (!fs.existsSync(file)) {
      failures.push({ file, problem: { severity: 'error', path: '', message: `no such environment file`, allowed: environmentNames(dir).join(', ') } });
      continue;
    }
    const rel = path.relative(process.cwd(), file);
    const yaml = readYaml(file);
    if (yaml.problems.length > 0) {
      failures.push(...yaml.problems.map((problem) => ({ file: rel, problem })));
      continue;
    }
    const { config, problems } = parseEnvironment(yaml.data, name);
    const errors = problems.filter((p) => p.severity === 'error');
    if (errors.length > 0 || !config) {
      failures.push(...problems.map((problem) => ({ file: rel, problem })));
      continue;
    }
    loaded.push({ file: rel, config, warnings: problems.filter((p) => p.severity === 'warning') });
  }
  if (failures.some((f) => f.problem.severity === 'error')) throw new ConfigError(failures);
  return loaded;
}
