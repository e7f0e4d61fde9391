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

function readYaml(file: string): { data?: unknown; problems: ConfigProblem[] } {
  const doc = parseDocument(fs.readFileSync(file, 'utf8'), { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return { problems: doc.errors.map((e) => ({ severity: 'error' as const, path: '', message: `YAML syntax: ${e.message}` })) };
  }
  return { data: doc.toJS(), problems: [] };
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
