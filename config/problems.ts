import { displayValue, MAX_SHOWN, redactText } from './redact';
import type { EnvironmentConfig } from './schema';

/** One thing wrong (or risky) in an environment file, reported with enough context to fix it. */
export interface ConfigProblem {
  /** `error` stops synth; `warning` is printed and synth goes on. */
  readonly severity: 'error' | 'warning';
  /** Dotted path into the environment file, e.g. `network.hub.subnets.GatewaySubnet`. */
  readonly path: string;
  /** What is wrong and why it matters. */
  readonly message: string;
  /** The offending value, as written. */
  readonly value?: unknown;
  /** What would be accepted. */
  readonly allowed?: string;
}

/** A semantic rule over a schema-valid configuration; returns every problem it finds. */
export type ConfigValidator = (config: EnvironmentConfig) => ConfigProblem[];

export function problem(path: string, message: string, extra: Partial<Omit<ConfigProblem, 'path' | 'message'>> = {}): ConfigProblem {
  return { severity: 'error', path, message, ...extra };
}

export function warning(path: string, message: string, extra: Partial<Omit<ConfigProblem, 'path' | 'message' | 'severity'>> = {}): ConfigProblem {
  return { severity: 'warning', path, message, ...extra };
}

/**
 * One problem as printed: file, path, message, the value (secret-looking values hidden, long ones cut: config/redact.ts)
 * and what is allowed. Messages and paths are scrubbed too: validators quote the input in them.
 */
export function formatProblem(file: string, p: ConfigProblem): string {
  const parts = [`${file}: ${p.severity} at ${redactText(p.path, MAX_SHOWN) || '(root)'}: ${redactText(p.message)}`];
  if (p.value !== undefined) parts.push(`    value:   ${displayValue(p.value, p.path)}`);
  if (p.allowed) parts.push(`    allowed: ${redactText(p.allowed, MAX_SHOWN * 4)}`);
  return parts.join('\n');
}

/** Problems printed per file at most; the rest are counted (a pasted blob can produce thousands). */
export const MAX_PROBLEMS_PER_FILE = 50;

/** Thrown when one or more environment files have errors; carries every problem of every file. */
export class ConfigError extends Error {
  constructor(readonly problems: ReadonlyArray<{ file: string; problem: ConfigProblem }>) {
    super(
      `Invalid environment configuration (${problems.filter((p) => p.problem.severity === 'error').length} error(s)); nothing was synthesized:\n` +
        limitPerFile(problems).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

function limitPerFile(problems: ReadonlyArray<{ file: string; problem: ConfigProblem }>): string[] {
  const shown = new Map<string, number>();
  const lines: string[] = [];
  for (const { file, problem: p } of problems) {
    const n = (shown.get(file) ?? 0) + 1;
    shown.set(file, n);
    if (n <= MAX_PROBLEMS_PER_FILE) lines.push(formatProblem(file, p));
  }
  for (const [file, n] of shown) if (n > MAX_PROBLEMS_PER_FILE) lines.push(`${file}: ... and ${n - MAX_PROBLEMS_PER_FILE} more problem(s) not shown`);
  return lines;
}
