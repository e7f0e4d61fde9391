// Validation of custom resources against the OpenAPI v3 schemas of their CustomResourceDefinitions, the way the
// API server does it (structural schemas): types, enums, required fields, and fields the schema does not declare,
// which the API server silently prunes (so a misspelt or misplaced field in a chart's values never takes effect).
// Used by validate-manifests.mjs when it is given the CRDs a platform installs (--crds / options.crds).
import Ajv from 'ajv';

/** CRD documents -> Map "group/version/Kind" -> { crd, schema } (served versions only). */
export function indexCrds(crds) {
  const index = new Map();
  for (const crd of crds) {
    if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec?.group || !crd.spec?.names?.kind) continue;
    for (const v of crd.spec.versions ?? []) {
      if (v.served === false) continue;
      index.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, { crd: crd.metadata?.name, schema: v.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } });
    }
  }
  return index;
}

/**
 * CRD patterns are Go RE2. A leading `(?i)` becomes letter classes outside [...]; a pattern that is still not a
 * valid JavaScript regular expression is dropped (not checked) rather than failing the whole validation.
 */
function jsPattern(pattern) {
  let p = pattern;
  if (p.startsWith('(?i)')) {
    let out = '';
    let inClass = false;
    for (let i = 4; i < p.length; i++) {
      const c = p[i];
      if (c === '\\') {
        out += c + (p[i + 1] ?? '');
        i++;
      } else if (c === '[') {
        inClass = true;
        out += c;
      } else if (c === ']') {
        inClass = false;
        out += c;
      } else if (!inClass && /[a-z]/i.test(c)) {
        out += `[${c.toLowerCase()}${c.toUpperCase()}]`;
      } else {
        out += c;
      }
    }
    p = out;
  }
  try {
    new RegExp(p, 'u');
    return p;
  } catch {
    return undefined;
  }
}

/** OpenAPI v3 (Kubernetes flavour) -> JSON Schema ajv understands: nullable, int-or-string; x- keywords dropped. */
function toJsonSchema(node) {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (typeof node !== 'object' || node === null) return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith('x-kubernetes-') || k === 'format' || k === 'example' || k === 'externalDocs') continue;
    if (k === 'pattern') {
      const p = jsPattern(v);
      if (p !== undefined) out.pattern = p;
    } else if (k === 'properties' || k === 'patternProperties' || k === 'definitions') {
      out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, toJsonSchema(s)]));
    } else {
      out[k] = typeof v === 'object' ? toJsonSchema(v) : v;
    }
  }
  if (node['x-kubernetes-int-or-string']) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (node.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (out.anyOf) out.anyOf = [...out.anyOf, { type: 'null' }];
    if (out.enum) out.enum = [...out.enum, null];
  } else {
    delete out.nullable;
  }
  return out;
}

/** Fields the structural schema does not declare (the API server prunes them), at any depth. */
function pruned(value, schema, path, out) {
  if (!schema || typeof schema !== 'object' || value === null || value === undefined) return;
  if (schema['x-kubernetes-preserve-unknown-fields'] === true && !schema.properties) return;
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((item, i) => pruned(item, schema.items, `${path}[${i}]`, out));
    return;
  }
  if (typeof value !== 'object') return;
  const props = schema.properties;
  const additional = schema.additionalProperties;
  if (schema['x-kubernetes-embedded-resource'] && !props) return;
  for (const [key, child] of Object.entries(value)) {
    const childPath = `${path}.${key}`;
    if (props && key in props) {
      pruned(child, props[key], childPath, out);
    } else if (additional && typeof additional === 'object') {
      pruned(child, additional, childPath, out);
    } else if (additional === true || schema['x-kubernetes-preserve-unknown-fields'] === true) {
      continue;
    } else if (schema['x-kubernetes-embedded-resource'] && ['apiVersion', 'kind', 'metadata'].includes(key)) {
      continue;
    } else if (props || schema.type === 'object') {
      out.push({ path: childPath, message: 'unknown field (not in the CRD schema: the API server prunes it)' });
    }
  }
}

/**
 * The API server prunes null values of fields that are not `nullable` before validating (Kubernetes docs, CRD
 * "Defaulting and Nullable"): do the same, so a chart's `key: ` (null) is judged as the API server judges it.
 */
function dropNulls(value, schema) {
  if (Array.isArray(value)) return value.map((v) => dropNulls(v, schema?.items));
  if (typeof value !== 'object' || value === null) return value;
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    const child = schema?.properties?.[k] ?? (typeof schema?.additionalProperties === 'object' ? schema.additionalProperties : undefined);
    if (v === null && child?.nullable !== true) continue;
    out[k] = dropNulls(v, child);
  }
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const compiled = new WeakMap();

/**
 * Validates one custom resource against its CRD entry (from indexCrds). Returns [{ path, message }].
 * `metadata` is the API server's business (ObjectMeta), not the CRD's: only the spec/status/... part is checked.
 */
export function validateCustomResource(value, entry, describeAjvError) {
  let validate = compiled.get(entry);
  if (!validate) {
    const schema = toJsonSchema(entry.schema);
    if (schema.properties) delete schema.properties.metadata;
    if (Array.isArray(schema.required)) schema.required = schema.required.filter((r) => r !== 'metadata');
    validate = ajv.compile(schema);
    compiled.set(entry, validate);
  }
  const { metadata, ...rest } = dropNulls(value, entry.schema);
  const problems = [];
  if (!validate(rest)) for (const e of validate.errors ?? []) problems.push(describeAjvError(e));
  const root = { ...entry.schema, properties: { ...(entry.schema.properties ?? {}), apiVersion: {}, kind: {}, metadata: { 'x-kubernetes-preserve-unknown-fields': true } } };
  pruned(value, root, '', problems);
  return problems.map((p) => ({ path: p.path || '(root)', message: p.message }));
}
