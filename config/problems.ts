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

export function formatProblem(file: string, p: ConfigProblem): string {
  const parts = [`${file}: ${p.severity} at ${p.path || '(root)'}: ${p.message}`];
  if (p.value !== undefined) parts.push(`    value:   ${JSON.stringify(p.value)}`);
  if (p.allowed) parts.push(`    allowed: ${p.allowed}`);
  return parts.join('\n');
}

/** Thrown when one or more environment files have errors; carries every problem of every file. */
export class ConfigError extends Error {
  constructor(readonly problems: ReadonlyArray<{ file: string; problem: ConfigProblem }>) {
    super(
      `Invalid environment configuration (${problems.filter((p) => p.problem.severity === 'error').length} error(s)); nothing was synthesized:\n` +
        problems.map(({ file, problem: p }) => formatProblem(file, p)).join('\n'),
    );
    this.name = 'ConfigError';
  }
}
