// Authentication of the public routes (API and dashboard). Modes (settings `api.auth`, README "Authentication"):
// - none: the demo on 127.0.0.1, or behind an ingress that authenticates every request itself;
// - bearer: `Authorization: Bearer <token>`, tokens from a mounted Secret file (one per line) or an env variable;
// - forward-auth: the ingress (Traefik ForwardAuth -> oauth2-proxy -> Entra ID) authenticates and sets a user header;
//   requests without it are refused (defence in depth if something reaches the pod around the ingress). Machine
//   clients may still use a bearer token when tokens are configured.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface AuthConfig {
  readonly mode: 'none' | 'bearer' | 'forward-auth';
  readonly tokens: readonly string[];
  /** forward-auth: header set by the authenticating proxy (lower case). */
  readonly userHeader: string;
}

export const NO_AUTH: AuthConfig = { mode: 'none', tokens: [], userHeader: 'x-auth-request-email' };

/** Loads tokens; the error names the source, never a token. */
export function loadTokens(o: { tokensFile?: string; tokensEnv?: string }, env = process.env): string[] {
  const out: string[] = [];
  if (o.tokensEnv) {
    const v = env[o.tokensEnv];
    if (!v) throw new Error(`environment variable ${o.tokensEnv} is not set (needed for api.auth)`);
    out.push(...v.split(','));
  }
  if (o.tokensFile) {
    let text: string;
    try {
      text = readFileSync(o.tokensFile, 'utf8');
    } catch (err) {
      throw new Error(`cannot read api.auth.tokensFile ${o.tokensFile}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    out.push(...text.split('\n'));
  }
  const tokens = out.map((t) => t.trim()).filter((t) => t && !t.startsWith('#'));
  if (tokens.some((t) => t.length < 20)) throw new Error('api.auth: every token must be at least 20 characters');
  return tokens;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time check against every configured token (hashes make the lengths equal). */
export function tokenMatches(presented: string, tokens: readonly string[]): boolean {
  const p = digest(presented);
  let ok = false;
  for (const t of tokens) ok = timingSafeEqual(p, digest(t)) || ok;
  return ok;
}

/** null = allowed; otherwise the reason for a 401 (never echoing what was presented). */
export function checkAuth(cfg: AuthConfig, headers: Record<string, string | string[] | undefined>): string | null {
  if (cfg.mode === 'none') return null;
  const auth = headers.authorization;
  const bearer = typeof auth === 'string' && /^Bearer\s+/i.test(auth) ? auth.replace(/^Bearer\s+/i, '').trim() : null;
  if (bearer && cfg.tokens.length > 0 && tokenMatches(bearer, cfg.tokens)) return null;
  if (cfg.mode === 'forward-auth') {
    const user = headers[cfg.userHeader];
    if (typeof user === 'string' && user.trim() !== '') return null;
    return 'authentication required (sign in through the ingress)';
  }
  return bearer ? 'invalid bearer token' : 'bearer token required';
}
