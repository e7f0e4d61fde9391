#!/usr/bin/env node
// Validates multi-document Kubernetes YAML (helm template output, gitops manifests) offline.
//
// 1. Schema: each document against its kubernetes-models class (core/apps/batch/...; ServiceMonitor and
//    friends from @kubernetes-models/prometheus-operator; Application/AppProject from @kubernetes-models/argo-cd).
// 2. Unknown fields: those models' JSON schemas ignore fields they do not know, so a typo such as
//    `livenessprobe` or `spec.replica` passes them. We walk every document against the field shapes of the same
//    models' TypeScript declarations (manifest-shapes.mjs; cached) and report any field that is not declared, at
//    any depth. Maps (labels, annotations, data, free-form CRD fields) are left alone.
// 3. Stream checks: apiVersion/kind/metadata.name present, no duplicate kind/namespace/name.
// 4. With --crds=<file> (the CustomResourceDefinitions a platform installs, multi-document YAML): custom resources
//    of those CRDs are checked against the CRD's own OpenAPI schema (crd-schemas.mjs) instead of a model, so the
//    schema is the one of the pinned chart version, and fields the API server would prune are reported. A file
//    ending in .json is read as a JSON array of CRDs (fast for the megabytes of CRDs a platform installs).
//
// Usage: node scripts/validate-manifests.mjs [--json] [--allow-unknown-kinds] [--no-unknown-fields] [--crds=<file>] [file|- ...]
//   With no file (or "-"), reads stdin. Prints one line per problem: "<source> <Kind>/<name> <path>: <message>".
//   Exit 0 when valid, 1 when problems were found, 2 on bad usage or unreadable input.
// Also importable: `validateManifests(text, options)` returns { documents, problems, warnings }.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { indexCrds, validateCustomResource } from './crd-schemas.mjs';
import { loadShapes, unknownFields as findUnknownFields } from './manifest-shapes.mjs';

/** Model packages, searched in order; each lays out `<apiVersion>/<Kind>.js` with a `.d.ts` beside it. */
const MODEL_PACKAGES = ['kubernetes-models', '@kubernetes-models/prometheus-operator', '@kubernetes-models/argo-cd'];

/** Finds the model module for apiVersion/kind: { js, dts } file paths, or undefined. */
function findModel(apiVersion, kind) {
  if (!/^[a-z0-9.-]+(\/[a-z0-9]+)?$/.test(apiVersion) || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) return undefined;
  for (const pkg of MODEL_PACKAGES) {
    let js;
    try {
      js = fileURLToPath(import.meta.resolve(`${pkg}/${apiVersion}/${kind}`));
    } catch {
      continue;
    }
    const dts = js.replace(/\.js$/, '.d.ts');
    if (existsSync(js) && existsSync(dts)) return { js, dts };
  }
  return undefined;
}

/** "/spec/template/0/x" (ajv instancePath) -> ".spec.template[0].x" */
function pointerToPath(pointer) {
  if (!pointer) return '(root)';
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? `[${s}]` : `.${s}`))
    .join('');
}

function describeAjvError(e) {
  let msg = e.message ?? e.keyword;
  if (e.keyword === 'enum' && e.params?.allowedValues) msg += ` (allowed: ${e.params.allowedValues.join(', ')})`;
  if (e.keyword === 'required' && e.params?.missingProperty) return { path: pointerToPath(`${e.instancePath}/${e.params.missingProperty}`), message: 'required field is missing' };
  return { path: pointerToPath(e.instancePath), message: msg };
}

/** Splits YAML text into documents: { index, source (helm "# Source:" comment), value, errors }. */
function parseDocuments(text, origin) {
  const docs = [];
  parseAllDocuments(text).forEach((doc, i) => {
    // helm template prefixes each document with "# Source: <chart>/templates/<file>".
    const comments = [doc.commentBefore, doc.contents?.commentBefore, doc.contents?.items?.[0]?.key?.commentBefore];
    const source = /Source: (\S+)/.exec(comments.filter(Boolean).join('\n'))?.[1];
    const where = `${origin}#${i + 1}${source ? ` (${source})` : ''}`;
    if (doc.errors.length > 0) {
      docs.push({ where, errors: doc.errors.map((e) => e.message) });
      return;
    }
    const value = doc.toJS();
    if (value === null || value === undefined) return; // empty document ("---" with only comments)
    docs.push({ where, value });
  });
  return docs;
}

/**
 * Validates YAML text (one or many documents).
 * @param {string | {text: string, origin: string}[]} input text, or several texts with their origin (file name)
 * @param {{allowUnknownKinds?: boolean, unknownFields?: boolean, crds?: object[]}} [options] crds: CRD objects
 */
export async function validateManifests(input, options = {}) {
  const { allowUnknownKinds = false, unknownFields = true } = options;
  const crdIndex = indexCrds(options.crds ?? []);
  const inputs = typeof input === 'string' ? [{ text: input, origin: 'stdin' }] : input;
  const problems = [];
  const warnings = [];
  const docs = inputs.flatMap(({ text, origin }) => parseDocuments(text, origin));

  const typed = [];
  const seen = new Map();
  for (const [order, d] of docs.entries()) {
    const report = (path, message, list = problems) => list.push({ order, where: d.where, kind: d.value?.kind ?? '?', name: d.value?.metadata?.name ?? '?', path, message });
    if (d.errors) {
      d.errors.forEach((e) => report('(document)', `YAML: ${e}`));
      continue;
    }
    const v = d.value;
    if (typeof v !== 'object' || Array.isArray(v)) {
      report('(root)', 'a manifest must be a mapping');
      continue;
    }
    if (typeof v.apiVersion !== 'string' || typeof v.kind !== 'string') {
      report('(root)', 'apiVersion and kind are required strings');
      continue;
    }
    if (!v.metadata?.name && !v.metadata?.generateName) report('.metadata.name', 'required field is missing');
    const group = v.apiVersion.includes('/') ? v.apiVersion.split('/')[0] : '';
    const key = `${group}/${v.kind}/${v.metadata?.namespace ?? ''}/${v.metadata?.name}`;
    if (v.metadata?.name && seen.has(key)) report('.metadata.name', `duplicate of ${seen.get(key)}`);
    else seen.set(key, d.where);

    const crd = crdIndex.get(`${v.apiVersion}/${v.kind}`);
    if (crd) {
      for (const f of validateCustomResource(v, crd, describeAjvError)) report(f.path, f.message);
      continue;
    }
    const model = findModel(v.apiVersion, v.kind);
    if (!model) {
      report('(root)', `no schema for ${v.apiVersion} ${v.kind} (unknown kind or API version)`, allowUnknownKinds ? warnings : problems);
      continue;
    }
    const mod = await import(model.js);
    const Model = mod[v.kind];
    try {
      new Model(v).validate();
    } catch (err) {
      const errors = Array.isArray(err.errors) ? err.errors : [{ instancePath: '', message: err.message }];
      for (const e of errors) {
        const { path, message } = describeAjvError(e);
        report(path, message);
      }
    }
    typed.push({ d, model, report });
  }

  if (unknownFields && typed.length > 0) {
    const models = typed.map(({ d, model }) => ({ key: `${d.value.apiVersion}/${d.value.kind}`, kind: d.value.kind, dts: model.dts }));
    const shapes = await loadShapes([...new Map(models.map((m) => [m.key, m])).values()]);
    for (const [i, { d, report }] of typed.entries()) {
      const graph = shapes.get(models[i].key);
      if (!graph) {
        report('(root)', `cannot load the declaration of ${d.value.kind} for the unknown-field check`, warnings);
        continue;
      }
      for (const f of findUnknownFields(d.value, graph)) report(f.path, f.message);
    }
  }
  // Findings in document order (schema and unknown-field findings of one document together), without the sort key.
  const ordered = (list) => list.sort((a, b) => a.order - b.order).map(({ order, ...f }) => f);
  return { documents: docs.length, problems: ordered(problems), warnings: ordered(warnings) };
}

export function formatFinding(f) {
  return `${f.where} ${f.kind}/${f.name} ${f.path}: ${f.message}`;
}

async function main(argv) {
  const flags = new Set(argv.filter((a) => a.startsWith('--')));
  const known = new Set(['--json', '--allow-unknown-kinds', '--no-unknown-fields', '--help']);
  const bad = [...flags].filter((f) => !known.has(f) && !f.startsWith('--crds='));
  if (bad.length > 0 || flags.has('--help')) {
    process.stderr.write(`${bad.length ? `unknown option(s): ${bad.join(' ')}\n` : ''}usage: validate-manifests.mjs [--json] [--allow-unknown-kinds] [--no-unknown-fields] [--crds=<file>] [file|- ...]\n`);
    return bad.length ? 2 : 0;
  }
  const crds = [];
  for (const f of [...flags].filter((a) => a.startsWith('--crds='))) {
    const file = f.slice('--crds='.length);
    try {
      const values = file.endsWith('.json') ? JSON.parse(readFileSync(file, 'utf8')) : parseAllDocuments(readFileSync(file, 'utf8')).map((doc) => doc.toJS());
      for (const value of values) if (value?.kind === 'CustomResourceDefinition') crds.push(value);
    } catch (err) {
      process.stderr.write(`validate-manifests: cannot read ${f}: ${err.message}\n`);
      return 2;
    }
  }
  const files = argv.filter((a) => !a.startsWith('--') || a === '-');
  const inputs = [];
  for (const f of files.length ? files : ['-']) {
    try {
      inputs.push({ text: readFileSync(f === '-' ? 0 : f, 'utf8'), origin: f === '-' ? 'stdin' : f });
    } catch (err) {
      process.stderr.write(`validate-manifests: cannot read ${f}: ${err.message}\n`);
      return 2;
    }
  }
  const result = await validateManifests(inputs, { allowUnknownKinds: flags.has('--allow-unknown-kinds'), unknownFields: !flags.has('--no-unknown-fields'), crds });
  if (flags.has('--json')) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    for (const w of result.warnings) process.stdout.write(`warning: ${formatFinding(w)}\n`);
    for (const p of result.problems) process.stdout.write(`${formatFinding(p)}\n`);
    process.stdout.write(`${result.documents} document(s), ${result.problems.length} problem(s), ${result.warnings.length} warning(s)\n`);
  }
  return result.problems.length > 0 ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`validate-manifests: ${err.stack ?? err}\n`);
      process.exit(2);
    },
  );
}
