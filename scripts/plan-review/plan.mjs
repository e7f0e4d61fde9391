// @ts-check
/**
 * Reading `terraform show -json` plans: what is a plan (and what is not), the action of each resource change, and
 * the reduced form that leaves the agent (addresses, actions, Terraform's replacement reasons, changed attribute
 * names and a short allow-list of non-secret attribute values the rule table needs). Dependency-free.
 */

/** @typedef {'create' | 'update' | 'delete' | 'replace' | 'read' | 'no-op' | 'forget'} Action */
/**
 * @typedef {{ before?: Record<string, unknown>, after?: Record<string, unknown> }} Facts
 * @typedef {{ address: string, type: string, action: Action, reason?: string, replacePaths?: string[], changed?: string[], facts?: Facts }} Change
 * @typedef {{ stack: string, changes: Change[], outputs: number, drift: number, error?: string }} StackPlan
 */

/** Marks a reduced plan (what plan-stack.sh publishes); a full plan never carries it. */
export const REDUCED_FORMAT = 'cdktf-plan-review/2';

/**
 * Attribute values the rule table reads. Only these leave the agent, and only when Terraform does not mark them
 * sensitive: NSG openings, gateway-transit flags, role names and the Kubernetes role tag (control plane or worker).
 * @type {Record<string, string[]>}
 */
const FACT_KEYS = {
  azurerm_network_security_rule: ['access', 'direction', 'protocol', 'source_address_prefix', 'source_address_prefixes', 'destination_port_range', 'destination_port_ranges'],
  azurerm_network_security_group: ['security_rule'],
  azurerm_virtual_network_peering: ['allow_gateway_transit', 'use_remote_gateways'],
  azurerm_role_assignment: ['role_definition_name', 'role_definition_id'],
};
const NSG_RULE_KEYS = FACT_KEYS.azurerm_network_security_rule;

/**
 * Classifies one `resource_changes[].change.actions` list. Terraform encodes replacement as
 * ["delete","create"] (destroy first) or ["create","delete"] (create_before_destroy).
 * @param {unknown} actions
 * @returns {Action}
 */
export function classify(actions) {
  const key = Array.isArray(actions) ? actions.join(',') : String(actions);
  switch (key) {
    case 'no-op': return 'no-op';
    case 'create': return 'create';
    case 'read': return 'read';
    case 'update': return 'update';
    case 'delete': return 'delete';
    case 'forget': return 'forget';
    case 'delete,create':
    case 'create,delete': return 'replace';
    default: throw new Error(`unknown plan action list ${JSON.stringify(actions)} (terraform show -json format changed?)`);
  }
}

/**
 * JSON.parse without echoing the input: Node's messages quote a piece of the text ("Unexpected token 'h',
 * \"hunter2 is\"..."), and plans and states hold secrets. Only the position survives.
 * @param {string} text
 * @param {string} what how to name the input in the error
 */
export function parseJson(text, what) {
  try {
    return JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    throw new Error(`${what} is not valid JSON${position ? ` (at character ${position})` : ''}`);
  }
}

/** @param {unknown} v @returns {v is Record<string, any>} */
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when a sensitivity map (after_sensitive / before_sensitive) marks anything at or below this node. */
function anySensitive(/** @type {unknown} */ node) {
  if (node === true) return true;
  if (Array.isArray(node)) return node.some(anySensitive);
  if (isObject(node)) return Object.values(node).some(anySensitive);
  return false;
}

/**
 * Refuses anything that is not a plan: a state file (`version`/`serial`, no `format_version`), `terraform show -json`
 * of a state (no `planned_values`), a bare `{"format_version":"1.2"}`, an errored plan. A reduced plan passes.
 * @param {string} stack
 * @param {unknown} plan
 */
export function assertPlan(stack, plan) {
  if (!isObject(plan)) throw new Error(`${stack}: not a terraform show -json plan (not a JSON object)`);
  if (plan.reduced === REDUCED_FORMAT) {
    if (!Array.isArray(plan.resource_changes)) throw new Error(`${stack}: reduced plan without resource_changes`);
    return;
  }
  if (typeof plan.format_version !== 'string' || !/^1\.\d+$/.test(plan.format_version)) {
    const hint = 'serial' in plan && 'lineage' in plan ? ' (this is a state file: run terraform show -json on the saved plan file instead)' : '';
    throw new Error(`${stack}: not a terraform show -json plan (format_version ${JSON.stringify(plan.format_version ?? null)})${hint}`);
  }
  if (!isObject(plan.planned_values) || !isObject(plan.configuration)) {
    const hint = isObject(plan.values) ? ' (this is terraform show -json of a state, not of a plan)' : '';
    throw new Error(`${stack}: not a terraform show -json plan (no planned_values/configuration)${hint}`);
  }
  if (plan.errored === true) throw new Error(`${stack}: the plan errored (terraform marks it errored: it cannot be applied)`);
  if (plan.resource_changes !== undefined && !Array.isArray(plan.resource_changes)) throw new Error(`${stack}: resource_changes is not a list`);
}

/**
 * The changed top-level attribute names of an update/replace (names only, never values).
 * @param {any} change
 */
function changedAttributes(change) {
  const before = isObject(change.before) ? change.before : {};
  const after = isObject(change.after) ? change.after : {};
  const unknown = isObject(change.after_unknown) ? change.after_unknown : {};
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((k) => (unknown[k] === true && before[k] !== undefined) || (!(k in unknown && unknown[k] === true) && JSON.stringify(before[k] ?? null) !== JSON.stringify(after[k] ?? null))).sort();
}

/**
 * The allow-listed, non-sensitive attribute values of one side of a change.
 * @param {string} type
 * @param {unknown} values
 * @param {unknown} sensitive
 * @param {unknown} unknown
 */
function pickFacts(type, values, sensitive, unknown) {
  if (!isObject(values)) return undefined;
  const keys = FACT_KEYS[type] ?? [];
  /** @type {Record<string, unknown>} */
  const out = {};
  const sens = isObject(sensitive) ? sensitive : {};
  const unk = isObject(unknown) ? unknown : {};
  for (const k of keys) {
    if (anySensitive(sens[k])) continue;
    if (unk[k] === true) out[k] = '(known after apply)';
    else if (k === 'security_rule' && Array.isArray(values[k])) out[k] = values[k].map((r) => Object.fromEntries(NSG_RULE_KEYS.filter((rk) => isObject(r) && rk in r).map((rk) => [rk, r[rk]])));
    else if (values[k] !== undefined && values[k] !== null) out[k] = values[k];
  }
  // azapi requests on peerings (constructs/network/gateway-transit.ts): the ARM type, when the request runs, and
  // only the two transit flags of the body (other bodies may hold anything).
  if (/^azapi_(update_resource|resource_action|resource)$/.test(type) && typeof values.type === 'string' && !anySensitive(sens.body)) {
    out.azapiType = values.type;
    if (typeof values.when === 'string') out.when = values.when;
    let body = values.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        body = undefined;
      }
    }
    const props = isObject(body) && isObject(body.properties) ? body.properties : {};
    if (typeof props.allowGatewayTransit === 'boolean') out.allow_gateway_transit = props.allowGatewayTransit;
    if (typeof props.useRemoteGateways === 'boolean') out.use_remote_gateways = props.useRemoteGateways;
  }
  // The Kubernetes role tag tells a control-plane VM/disk from a worker (constructs/cluster tags them).
  if (isObject(values.tags) && typeof values.tags['k8s-role'] === 'string' && !anySensitive(sens.tags)) out.k8sRole = values.tags['k8s-role'];
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * One resource change as the summary needs it.
 * @param {any} rc
 * @returns {Change}
 */
function toChange(rc) {
  const change = rc.change ?? {};
  const action = classify(change.actions ?? []);
  /** @type {Change} */
  const out = { address: String(rc.address), type: String(rc.type), action };
  if (typeof rc.action_reason === 'string') out.reason = rc.action_reason;
  if (Array.isArray(change.replace_paths) && change.replace_paths.length > 0) {
    out.replacePaths = change.replace_paths.map((/** @type {unknown} */ p) => (Array.isArray(p) ? p.map(String).join('.') : String(p)));
  }
  if (Array.isArray(rc.changed)) out.changed = rc.changed.map(String);
  else if (action === 'update' || action === 'replace') out.changed = changedAttributes(change);
  if (rc.facts) out.facts = rc.facts;
  else {
    const before = pickFacts(out.type, change.before, change.before_sensitive, undefined);
    const after = pickFacts(out.type, change.after, change.after_sensitive, change.after_unknown);
    if (before || after) out.facts = { ...(before ? { before } : {}), ...(after ? { after } : {}) };
  }
  return out;
}

/**
 * Reads the parts of a plan the summary uses. Throws on anything that is not a plan (see assertPlan).
 * @param {string} stack
 * @param {any} plan
 * @returns {StackPlan}
 */
export function parsePlan(stack, plan) {
  assertPlan(stack, plan);
  /** @type {Change[]} */
  const changes = (plan.resource_changes ?? [])
    // Data sources are read on every plan; they are not changes anyone needs to review.
    .filter((/** @type {any} */ rc) => rc.mode !== 'data')
    .map(toChange);
  const outputs = Object.values(plan.output_changes ?? {}).filter((/** @type {any} */ oc) => !(oc.actions ?? []).every((/** @type {string} */ a) => a === 'no-op')).length;
  const drift = (plan.resource_drift ?? []).length;
  return { stack, changes, outputs, drift };
}

/**
 * Keeps only what the summary reads (see the file comment): safe to publish as a pipeline artifact and to read
 * on a hosted agent. The result parses to the same summary as the full plan.
 * @param {any} plan
 */
export function reducePlan(plan) {
  const parsed = parsePlan('plan', plan);
  const managed = (plan.resource_changes ?? []).filter((/** @type {any} */ rc) => rc.mode !== 'data');
  return {
    reduced: REDUCED_FORMAT,
    format_version: plan.format_version,
    terraform_version: plan.terraform_version,
    resource_changes: parsed.changes.map((c, i) => ({
      address: c.address, mode: 'managed', type: c.type, change: { actions: managed[i].change?.actions ?? [], ...(c.replacePaths ? { replace_paths: c.replacePaths.map((p) => p.split('.')) } : {}) },
      ...(c.reason ? { action_reason: c.reason } : {}), ...(c.changed ? { changed: c.changed } : {}), ...(c.facts ? { facts: c.facts } : {}),
    })),
    output_changes: Object.fromEntries(Object.entries(plan.output_changes ?? {}).map(([name, oc]) => [name, { actions: /** @type {any} */ (oc).actions ?? [] }])),
    resource_drift: (plan.resource_drift ?? []).map((/** @type {any} */ rd) => ({ address: rd.address, mode: rd.mode, type: rd.type, change: { actions: rd.change?.actions ?? [] } })),
  };
}

/**
 * Stack ids of one environment in a cdktf manifest (`cdktf.out/manifest.json`): stack ids are `<env>-<component>`.
 * @param {any} manifest
 * @param {string} environment
 */
export function manifestStacks(manifest, environment) {
  return Object.keys(manifest?.stacks ?? {}).filter((id) => id.startsWith(`${environment}-`)).sort();
}
