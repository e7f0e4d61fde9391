/**
 * What a configuration error may print of a value: never anything that looks like a secret, never more than
 * MAX_SHOWN characters. CI logs keep error output forever, and people paste keys into the wrong field.
 */

/** Longest run of a value an error prints (the rest is counted, not shown). */
export const MAX_SHOWN = 120;

const PEM = /-----BEGIN [A-Z0-9 ]*(PRIVATE KEY|CERTIFICATE|PGP PRIVATE KEY BLOCK)-----[\s\S]*?(-----END [A-Z0-9 ]*-----|$)/g;
/** Paths whose string values are secrets by name (a password placed where none is allowed is still a password). */
const SECRET_KEY = /(password|passwd|pwd|secret|token|credential|apikey|api_key|accesskey|sharedkey|privatekey|private_key|connectionstring|sas)$/i;
/** Well-known token shapes: JWT, GitHub, Slack, Azure AD client secrets (`xxx8Q~...`), SAS signatures, base64 keys. */
const TOKEN_SHAPES = [
  /^eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*$/,
  /^(gh[pousr]|github_pat)_\w{20,}$/,
  /^xox[abpr]-[\w-]{10,}$/,
  /^[\w.-]{3}\dQ~[\w.~-]{20,}$/,
  /sig=[\w%]{20,}/,
  /^AKIA[0-9A-Z]{16}$/,
];

/** Shannon entropy in bits per character. */
function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / text.length) * Math.log2(n / text.length);
  return bits;
}

/**
 * Names, SKUs, CIDRs, DNS names, URLs, resource ids and GUIDs: separator-joined runs of short or single-case words
 * (Standard_D4s_v5, /subscriptions/<guid>/resourceGroups/rg-x, ~/.ssh/id_ed25519.pub). Passwords and keys mix classes
 * in one run.
 */
function isStructuredName(token: string): boolean {
  const plain = (segment: string) => /^[A-Za-z0-9]{0,10}$/.test(segment) || /^[a-z0-9]+$/.test(segment) || /^[A-Z0-9]+$/.test(segment) || /^[A-Z]?[a-z]{2,}([A-Z][a-z]+|[0-9]+)*[A-Z]?$/.test(segment);
  // A leading `~/` is a home-directory path, not a character class mixed into a secret.
  return token.replace(/^~\//, '/').split(/[/_.:@=?&#,+-]+/).every(plain);
}

/** A URL or path: several short segments, not one long run of a value. */
function isManySegments(token: string): boolean {
  const segments = token.split(/[/_.:@=?&#,+-]+/).filter(Boolean);
  return segments.length >= 3 && segments.every((x) => x.length <= 64);
}

/** Longest unbroken structured name (a URL, a resource id) a message keeps whole. */
const MAX_NAME_SHOWN = 200;

/** True when a single token (no spaces) looks like a password, key or token rather than a name, CIDR or id. */
export function looksSecret(token: string): boolean {
  if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY/.test(token)) return true;
  if (TOKEN_SHAPES.some((re) => re.test(token))) return true;
  // Base64 key material (storage keys, SSH key bodies): long, and mixing upper, lower and digits.
  if (/^[A-Za-z0-9+/]{40,}={0,2}$/.test(token) && /[A-Z]/.test(token) && /[a-z]/.test(token) && /[0-9]/.test(token)) return true;
  if (token.length < 12 || /\s/.test(token)) return false;
  // Names, SKUs, CIDRs, DNS names, URLs, resource ids and GUIDs are separator-joined runs of short or single-case
  // words (Standard_D4s_v5, /subscriptions/<guid>/resourceGroups/rg-x, ~/.ssh/id_ed25519.pub); passwords and keys mix
  // classes in one run.
  if (isStructuredName(token)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(token)).length;
  return classes >= 3 && entropy(token) >= 3.2;
}

function hidden(kind: string, length: number): string {
  return `<hidden: ${kind}, ${length} characters>`;
}

const cut = (text: string) => (text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}... (${text.length} characters)` : text);

/**
 * Scrubs free text (messages, which validators write with the input quoted in them): secret-looking runs hidden, every
 * quoted value and every other unbroken run cut to MAX_SHOWN characters (a URL or resource id to MAX_NAME_SHOWN), the
 * whole capped at `max`.
 */
export function redactText(text: string, max = MAX_SHOWN * 8): string {
  let out = text.replace(PEM, (m) => hidden('PEM block', m.length));
  out = out.replace(/"([^"]*)"/g, (_m, inner: string) => `"${cut(inner)}"`);
  out = out.replace(/[^\s"'`,;()[\]{}<>]+/g, (token) => {
    if (looksSecret(token)) return hidden('looks like a secret', token.length);
    // A URL or resource id the message names stays whole (up to MAX_NAME_SHOWN); any other long run is cut.
    return isStructuredName(token) && token.length <= MAX_NAME_SHOWN && isManySegments(token) ? token : cut(token);
  });
  return out.length > max ? `${out.slice(0, max)}... (${out.length} characters)` : out;
}

/**
 * The printable form of a configuration value at `path`: secrets hidden (by key name or by shape), anything long
 * cut to MAX_SHOWN characters with the full length stated, objects summarised instead of dumped.
 */
export function displayValue(value: unknown, path = ''): string {
  const leaf = path.split('.').pop() ?? '';
  if (typeof value === 'string') {
    if (SECRET_KEY.test(leaf) && value.length > 0) return hidden(`value of a secret-named key`, value.length);
    if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY/.test(value)) return hidden('private key', value.length);
    if (value.split(/\s+/).some(looksSecret)) return hidden('looks like a secret', value.length);
    const json = JSON.stringify(value);
    return json.length > MAX_SHOWN ? `${json.slice(0, MAX_SHOWN)}..." (${value.length} characters)` : json;
  }
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) {
    const json = safeJson(value, path);
    return json.length > MAX_SHOWN ? `a list of ${value.length} item(s)` : json;
  }
  if (typeof value === 'object') {
    const json = safeJson(value, path);
    const keys = Object.keys(value as object);
    return json.length > MAX_SHOWN ? `a mapping with ${keys.length} key(s): ${redactText(keys.slice(0, 8).join(', '), MAX_SHOWN)}${keys.length > 8 ? ', ...' : ''}` : json;
  }
  return `a ${typeof value}`;
}

/** JSON of a small structure with every secret-looking leaf hidden. */
function safeJson(value: unknown, path: string): string {
  const walk = (v: unknown, p: string): unknown => {
    if (typeof v === 'string') {
      const shown = displayValue(v, p);
      return shown.startsWith('<hidden') ? shown : v;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${p}.${i}`));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [redactText(k, MAX_SHOWN), walk(x, `${p}.${k}`)]));
    return v;
  };
  return JSON.stringify(walk(value, path)) ?? 'undefined';
}
