import * as fs from 'fs';
import * as path from 'path';
import { parseDocument } from 'yaml';

/** Plain Helm values: nested maps, lists and scalars. */
export type HelmValues = { [key: string]: unknown };

/**
 * Where the reviewed chart values live: stacks/platform/values/<release>.yaml. Resolved from source (jest) and
 * from dist/ (compiled synth), like the environment files.
 */
export function valuesDir(): string {
  const candidates = [path.resolve(__dirname, '..', '..', 'stacks', 'platform', 'values'), path.resolve(__dirname, '..', '..', '..', 'stacks', 'platform', 'values')];
  const found = candidates.find((dir) => fs.existsSync(dir));
  if (!found) throw new Error(`chart values directory not found; looked in ${candidates.join(', ')}`);
  return found;
}

/** Parses one values file; duplicate keys and syntax errors stop synth with the file name. */
export function loadValuesFile(name: string, dir = valuesDir()): HelmValues {
  const file = path.join(dir, `${name}.yaml`);
  if (!fs.existsSync(file)) {
    const known = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, ''));
    throw new Error(`no values file "${name}.yaml" in ${dir}; allowed: ${known.join(', ')}`);
  }
  const doc = parseDocument(fs.readFileSync(file, 'utf8'), { uniqueKeys: true });
  if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
  const values = doc.toJS() as unknown;
  if (values === null || values === undefined) return {};
  if (!isPlainObject(values)) throw new Error(`${file}: the top level must be a map of values`);
  return values;
}

export function isPlainObject(value: unknown): value is HelmValues {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Helm's own merge semantics for `-f a.yaml -f b.yaml`: maps merge key by key, everything else (lists, scalars)
 * is replaced by the later value. Inputs are not modified.
 */
export function mergeValues(...layers: HelmValues[]): HelmValues {
  const out: HelmValues = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      const current = out[key];
      out[key] = isPlainObject(current) && isPlainObject(value) ? mergeValues(current, value) : value;
    }
  }
  return out;
}
