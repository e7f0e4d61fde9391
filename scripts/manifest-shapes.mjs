// Field shapes of Kubernetes kinds, read from the kubernetes-models TypeScript declarations, for the unknown-field
// check of validate-manifests.mjs (the models' JSON schemas accept any extra field).
//
// A shape graph lists, for every type reachable from a kind's root interface, its declared fields and their types.
// Building it needs the TypeScript checker (seconds of CPU), so graphs are cached as JSON under
// <repo>/.cache/validate-manifests/, keyed by this file's content and the declaration file's size and mtime (npm ci
// rewrites them); later runs do not load TypeScript at all.
//   VALIDATE_MANIFESTS_CACHE_DIR  cache directory;  VALIDATE_MANIFESTS_CACHE=0  no cache
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const FORMAT = createHash('sha256').update(readFileSync(SELF)).digest('hex').slice(0, 12);
const UNKNOWN = 'unknown field (not in the API schema: a typo, or a field of another kind or version?)';

function cacheFile() {
  if (process.env.VALIDATE_MANIFESTS_CACHE === '0') return undefined;
  const dir = process.env.VALIDATE_MANIFESTS_CACHE_DIR ?? join(dirname(SELF), '..', '.cache', 'validate-manifests');
  return join(dir, `shapes-${FORMAT}.json`);
}

function stamp(dts) {
  const s = statSync(dts);
  return `${s.size}:${Math.trunc(s.mtimeMs)}`;
}

/**
 * Node of a shape graph:
 *   { any: true }                      anything goes (any/unknown)
 *   { array: id }                      an array value is checked item by item against node `id`
 *   { open: true }                     an object value is free-form (RawExtension, preserve-unknown-fields, {})
 *   { objects: [{ fields, index }] }   an object value may only have these fields (field -> node id, or -1 when
 *                                      several object shapes are possible and we do not descend); `index` is the
 *                                      node of a string index signature (maps such as labels), if any
 * A node can carry both `array` and `objects`/`open` (union types); primitives are `{}`.
 */
function buildGraph(ts, checker, rootType) {
  const ids = new Map();
  const nodes = [];
  const nullish = ts.TypeFlags.Undefined | ts.TypeFlags.Null;
  const visit = (type) => {
    if (ids.has(type)) return ids.get(type);
    const id = nodes.length;
    ids.set(type, id);
    nodes.push({});
    const node = {};
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) {
      node.any = true;
    } else {
      const members = (type.isUnion() ? type.types : [type]).filter((m) => !(m.flags & nullish));
      const array = members.find((m) => checker.isArrayType(m));
      if (array) node.array = visit(checker.getTypeArguments(array)[0]);
      const objects = members.filter((m) => m.flags & ts.TypeFlags.Object && !checker.isArrayType(m));
      const index = (t) => checker.getIndexInfoOfType(t, ts.IndexKind.String);
      if (objects.some((t) => checker.getPropertiesOfType(t).length === 0 && !index(t))) {
        node.open = true;
      } else if (objects.length > 0) {
        const descend = objects.length === 1;
        node.objects = objects.map((t) => ({
          fields: Object.fromEntries(checker.getPropertiesOfType(t).map((p) => [p.name, descend ? visit(checker.getTypeOfSymbol(p)) : -1])),
          index: index(t) ? (descend ? visit(index(t).type) : -1) : undefined,
        }));
      }
    }
    nodes[id] = node;
    return id;
  };
  const root = visit(rootType);
  return { root, nodes };
}

async function buildGraphs(models) {
  const ts = (await import('typescript')).default;
  const program = ts.createProgram([...new Set(models.map((m) => m.dts))], {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es5.d.ts'],
    types: [],
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const graphs = {};
  for (const m of models) {
    const sf = program.getSourceFile(m.dts);
    const moduleSymbol = sf && checker.getSymbolAtLocation(sf);
    const sym = moduleSymbol && checker.getExportsOfModule(moduleSymbol).find((s) => s.name === `I${m.kind}`);
    if (sym) graphs[m.key] = { stamp: stamp(m.dts), ...buildGraph(ts, checker, checker.getDeclaredTypeOfSymbol(sym)) };
  }
  return graphs;
}

/**
 * Shape graphs for the given models ({ key: "<apiVersion>/<Kind>", kind, dts }), from the cache when fresh.
 * Returns Map key -> graph; a model whose declaration has no `I<Kind>` interface is absent.
 */
export async function loadShapes(models) {
  const file = cacheFile();
  let cached = {};
  if (file) {
    try {
      cached = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      cached = {};
    }
  }
  const stale = models.filter((m) => cached[m.key]?.stamp !== stamp(m.dts));
  if (stale.length > 0) {
    Object.assign(cached, await buildGraphs(stale));
    if (file) {
      try {
        mkdirSync(dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, JSON.stringify(cached));
        renameSync(tmp, file); // atomic: parallel runs never read a partial file
      } catch {
        // read-only checkout: work without the cache
      }
    }
  }
  return new Map(models.filter((m) => cached[m.key]).map((m) => [m.key, cached[m.key]]));
}

/** Fields of `value` (a parsed manifest) that its kind's shape does not declare, at any depth. */
export function unknownFields(value, graph) {
  const found = [];
  const walk = (v, id, path) => {
    if (v === null || typeof v !== 'object' || id < 0) return;
    const node = graph.nodes[id];
    if (node.any) return;
    if (Array.isArray(v)) {
      if (node.array !== undefined) v.forEach((item, i) => walk(item, node.array, `${path}[${i}]`));
      return;
    }
    if (node.open || !node.objects) return;
    for (const [key, child] of Object.entries(v)) {
      const shape = node.objects.find((o) => Object.hasOwn(o.fields, key) || o.index !== undefined);
      if (!shape) found.push({ path: `${path}.${key}`, message: UNKNOWN });
      else walk(child, Object.hasOwn(shape.fields, key) ? shape.fields[key] : shape.index, `${path}.${key}`);
    }
  };
  walk(value, graph.root, '');
  return found;
}
