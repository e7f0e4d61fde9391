// Structured JSON logs, one object per line on stdout (what Kubernetes log collectors expect).
export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(base: Record<string, unknown> = {}, level: Level = (process.env.LOG_LEVEL as Level) || 'info', write: (line: string) => void = (line) => void process.stdout.write(line + '\n')): Logger {
  const emit = (l: Level) => (msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[l] < ORDER[level]) return;
    write(JSON.stringify({ time: new Date().toISOString(), level: l, msg, ...base, ...fields }));
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Longest JSON excerpt of an outside record a log line carries: a hostile or broken queue must not flood the logs. */
export const LOG_EXCERPT_CHARS = 500;

/** An outside value as a log field: its JSON, cut to LOG_EXCERPT_CHARS with the full length stated. */
export function excerpt(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > LOG_EXCERPT_CHARS ? `${json.slice(0, LOG_EXCERPT_CHARS)}... (${json.length} characters)` : json;
}

/**
 * An error as it may be logged or stored (cycles.error, shown on the dashboard): the first line, bounded, and for
 * PostgreSQL errors the SQLSTATE with quoted values masked, so neither SQL text nor parameter values leak.
 */
export function describeError(err: unknown): string {
  const e = err as { code?: unknown; severity?: unknown; message?: unknown };
  const msg = typeof e?.message === 'string' ? e.message.split('\n')[0] : String(err);
  if (typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && e.severity !== undefined) {
    return `database error ${e.code}: ${msg.replace(/"[^"]*"|'[^']*'/g, '<value>')}`.slice(0, 300);
  }
  return msg.slice(0, 300);
}
