// @ts-check
/**
 * The consequence rule table: resource type + action + changed attributes -> what it does to the running
 * platform, and how bad. Every match is a "dangerous change": the summary lists it with its consequence and the
 * pipeline asks for explicit approval before applying it, in every environment.
 * Facts per Azure service: docs/pipelines.md#what-the-plan-summary-flags (sources cited there).
 */

/** @typedef {import('./plan.mjs').Change} Change */
/** @typedef {import('./plan.mjs').StackPlan} StackPlan */
/** @typedef {'critical' | 'high'} Severity */
/**
 * @typedef {{ id: string, severity: Severity, consequence: string }} Verdict
 * @typedef {{ id: string, title: string, match: (c: Change, ctx: Context) => Verdict | undefined }} Rule
 * @typedef {{ stack: string, plan: StackPlan }} Context
 * @typedef {Change & { stack: string, rule: string, severity: Severity, consequence: string }} Finding
 */

const DESTRUCTIVE = new Set(['delete', 'replace']);
const gone = (/** @type {Change} */ c) => DESTRUCTIVE.has(c.action);
const verb = (/** @type {Change} */ c) => (c.action === 'replace' ? 'replaced' : 'deleted');

/** Built-in roles that can grant any role (ids are the same in every tenant). */
const PRIVILEGED_ROLES = new Map([
  ['8e3af657-a8ff-443c-a75c-2fe8c4bcb635', 'Owner'],
  ['18d7d88d-d35e-4fb5-a5c3-7773c20a72d9', 'User Access Administrator'],
  ['f58310d9-a9f6-439a-9e8d-f62e7b41a168', 'Role Based Access Control Administrator'],
]);
const PRIVILEGED_NAMES = new Set([...PRIVILEGED_ROLES.values()].map((n) => n.toLowerCase()));

/** Sources NSG rules use for "anyone": the service tag, any-address prefixes and the wildcard. */
const ANYWHERE = new Set(['*', 'internet', 'any', '0.0.0.0/0', '0.0.0.0', '::/0']);
/** Management and data ports whose exposure is an incident on its own. */
const SENSITIVE_PORTS = [22, 3389, 5432, 6443, 2379, 2380, 10250, 5985, 5986];

/** @param {unknown} v */
const list = (v) => (Array.isArray(v) ? v.map(String) : v === undefined || v === null || v === '' ? [] : [String(v)]);

/** @param {string[]} ranges @param {number} port */
function covers(ranges, port) {
  return ranges.some((r) => {
    if (r === '*') return true;
    const [lo, hi] = r.split('-').map(Number);
    return hi === undefined ? lo === port : lo <= port && port <= hi;
  });
}

/**
 * @param {Record<string, unknown> | undefined} rule an NSG rule's attributes (security rule resource or inline block)
 * @returns {{ sources: string[], ports: string[] } | undefined} the opening, when the rule allows inbound from anywhere
 */
function openToAnywhere(rule) {
  if (!rule) return undefined;
  if (String(rule.access ?? '').toLowerCase() !== 'allow' || String(rule.direction ?? '').toLowerCase() !== 'inbound') return undefined;
  const sources = [...list(rule.source_address_prefix), ...list(rule.source_address_prefixes)];
  const open = sources.filter((s) => ANYWHERE.has(s.toLowerCase()));
  if (open.length === 0) return undefined;
  return { sources: open, ports: [...list(rule.destination_port_range), ...list(rule.destination_port_ranges)] };
}

/** @param {{ sources: string[], ports: string[] }} o @returns {Verdict} */
function nsgVerdict(o) {
  const exposed = SENSITIVE_PORTS.filter((p) => covers(o.ports, p));
  const ports = o.ports.length > 0 ? o.ports.join(',') : '(none given)';
  return {
    id: 'nsg-open-to-internet',
    severity: exposed.length > 0 ? 'critical' : 'high',
    consequence: `opens inbound port(s) ${ports} to ${o.sources.join(', ')}: anyone on the Internet can reach it${exposed.length > 0 ? `, including management/data port(s) ${exposed.join(', ')}` : ''}. Scope the source to the declared on-premises ranges or a service tag.`,
  };
}

const isControlPlane = (/** @type {Change} */ c) => (c.facts?.after?.k8sRole ?? c.facts?.before?.k8sRole) === 'control-plane' || /control-?plane|master/i.test(c.address);
const isEtcdDisk = (/** @type {Change} */ c) => /^azurerm_(managed_disk|virtual_machine_data_disk_attachment)$/.test(c.type) && /etcd/i.test(c.address);
/** Which control-plane member a VM or etcd disk belongs to (`control-plane_vm-1`, `control-plane_etcd-disk-1`). */
const memberOf = (/** @type {Change} */ c) => /(?:vm|etcd-disk)-(\d+)/i.exec(c.address)?.[1] ?? c.address;
const isVm = (/** @type {Change} */ c) => /^azurerm_(linux_|windows_)?virtual_machine$/.test(c.type);

/** @type {Rule[]} */
export const RULES = [
  {
    id: 'vpn-gateway',
    title: 'VPN gateway replaced or deleted',
    match: (c) => (c.type === 'azurerm_virtual_network_gateway' && gone(c)
      ? { id: 'vpn-gateway', severity: 'critical', consequence: `the VPN gateway is ${verb(c)}: the hybrid link is down for the 30-45 minutes a gateway takes to build, and a new gateway gets new public IP(s) unless they are kept, so the on-premises device must be reconfigured.` }
      : undefined),
  },
  {
    id: 'vpn-public-ip',
    title: 'VPN gateway public IP replaced or deleted',
    match: (c, ctx) => (c.type === 'azurerm_public_ip' && gone(c) && (/-vpn$/.test(ctx.stack) || /gateway|vpn|gw/i.test(c.address))
      ? { id: 'vpn-public-ip', severity: 'critical', consequence: `the gateway's public IP is ${verb(c)}: the new address differs, so the on-premises VPN device (peer address, firewall rules) must be changed before the tunnel comes back.` }
      : undefined),
  },
  {
    id: 'vpn-connection',
    title: 'VPN connection or local network gateway replaced or deleted',
    match: (c) => (/^azurerm_(virtual_network_gateway_connection|local_network_gateway)$/.test(c.type) && gone(c)
      ? { id: 'vpn-connection', severity: 'critical', consequence: `the site-to-site ${c.type === 'azurerm_local_network_gateway' ? 'local network gateway (and with it the connection)' : 'connection'} is ${verb(c)}: the IPsec tunnel drops and on-premises loses every Azure private endpoint until it is re-established.` }
      : undefined),
  },
  {
    id: 'private-dns',
    title: 'Private DNS zone, zone link or resolver replaced or deleted',
    match: (c) => {
      if (!gone(c)) return undefined;
      if (/^azurerm_private_dns_zone(_virtual_network_link)?$/.test(c.type)) {
        return { id: 'private-dns', severity: 'critical', consequence: `the private DNS ${c.type.endsWith('link') ? 'zone link' : 'zone (with all its records and links)'} is ${verb(c)}: clients in the unlinked VNets and on-premises (through the resolver) get public answers or NXDOMAIN for the privatelink names - the outage this project was built to prevent.` };
      }
      if (/^azurerm_private_dns_resolver(_inbound_endpoint|_outbound_endpoint|_dns_forwarding_ruleset|_forwarding_rule|_virtual_network_link)?$/.test(c.type)) {
        const inbound = c.type.endsWith('inbound_endpoint') || c.type === 'azurerm_private_dns_resolver';
        return { id: 'private-dns', severity: 'critical', consequence: `the DNS resolver part ${c.type.replace('azurerm_private_dns_resolver', 'resolver')} is ${verb(c)}: ${inbound ? 'on-premises conditional forwarders point at the inbound endpoint IP, so on-premises resolution of the privatelink names stops until it is back (a new IP means new forwarder settings)' : 'Azure workloads stop resolving on-premises names until it is back'}.` };
      }
      return undefined;
    },
  },
  {
    id: 'data-store',
    title: 'Key Vault, Recovery Services vault, storage account or PostgreSQL server replaced or deleted',
    match: (c) => {
      if (!gone(c)) return undefined;
      /** @type {Record<string, string>} */
      const consequences = {
        azurerm_key_vault: 'every secret, key and certificate in it is gone for the platform; with soft delete the vault stays reserved (its name cannot be reused) for the retention period, and with purge protection a same-name vault cannot be created until it expires',
        azurerm_recovery_services_vault: 'the replication and backup data it holds is lost (Site Recovery protection must be set up again); soft-deleted backup items keep the vault from being deleted cleanly',
        azurerm_storage_account: 'every blob in it is lost (the Site Recovery cache data included); the name is released and may be taken by someone else',
        azurerm_postgresql_flexible_server: 'the tool database is lost: data since the last restorable backup is gone and the server gets a new identity; restore from a point-in-time backup first if the data matters',
        azurerm_postgresql_flexible_server_database: 'the tool database is dropped with all its data',
      };
      const text = consequences[c.type];
      return text ? { id: 'data-store', severity: 'critical', consequence: `data loss: ${c.type.replace('azurerm_', '')} is ${verb(c)}; ${text}.` } : undefined;
    },
  },
  {
    id: 'control-plane',
    title: 'Control-plane VM or etcd disk replaced or deleted',
    match: (c, ctx) => {
      if (!gone(c) || !((isVm(c) && isControlPlane(c)) || isEtcdDisk(c))) return undefined;
      const vms = ctx.plan.changes.filter((o) => isVm(o) && isControlPlane(o) && o.action !== 'create');
      const total = vms.length;
      const atOnce = new Set(ctx.plan.changes.filter((o) => gone(o) && ((isVm(o) && isControlPlane(o)) || isEtcdDisk(o))).map(memberOf)).size;
      const quorum = Math.floor(total / 2) + 1;
      const lost = total > 0 && total - atOnce < quorum;
      return {
        id: 'control-plane', severity: 'critical',
        consequence: `${isEtcdDisk(c) ? (c.type === 'azurerm_managed_disk' ? 'an etcd disk' : 'an etcd disk attachment') : 'a control-plane VM'} is ${verb(c)}; ${atOnce} of ${total || '?'} control plane(s) at once in this apply: ${lost ? `etcd loses quorum (needs ${quorum} members), the Kubernetes API stops and the cluster may need an etcd restore` : `etcd keeps quorum only if the others stay healthy; the member must be removed and rejoined`}${c.type === 'azurerm_managed_disk' ? '; the member\'s etcd data is gone' : isEtcdDisk(c) ? '; the member\'s etcd stops while its disk is detached' : ''}.`,
      };
    },
  },
  {
    id: 'node-rebuild',
    title: 'Node VM replaced because its cloud-init (custom_data) changed',
    match: (c) => (isVm(c) && c.action === 'replace' && !isControlPlane(c) && (c.replacePaths ?? []).some((p) => /^(custom_data|user_data)\b/.test(p))
      ? { id: 'node-rebuild', severity: 'high', consequence: 'the worker VM is rebuilt because its cloud-init changed: its pods are evicted without a drain and it rejoins with a new kubelet; every worker with the same change is rebuilt in the same apply unless applied one at a time (-target) or cordoned first.' }
      : undefined),
  },
  {
    id: 'nsg-open-to-internet',
    title: 'NSG rule opening a port to the Internet or to *',
    match: (c) => {
      if (c.action === 'delete' || c.action === 'no-op' || c.action === 'read') return undefined;
      if (c.type === 'azurerm_network_security_rule') {
        const now = openToAnywhere(c.facts?.after);
        // An update only counts when it is what opens the rule (an already-open rule was flagged when it opened).
        return now && (c.action !== 'update' || !openToAnywhere(c.facts?.before)) ? nsgVerdict(now) : undefined;
      }
      if (c.type === 'azurerm_network_security_group') {
        const before = new Set(((/** @type {unknown[]} */ (c.facts?.before?.security_rule ?? []))).map((r) => JSON.stringify(r)));
        const opened = (/** @type {Record<string, unknown>[]} */ (c.facts?.after?.security_rule ?? [])).filter((r) => !before.has(JSON.stringify(r))).map(openToAnywhere).find(Boolean);
        return opened ? nsgVerdict(opened) : undefined;
      }
      return undefined;
    },
  },
  {
    id: 'gateway-transit',
    title: 'Peering change that drops gateway transit',
    match: (c) => {
      const before = c.facts?.before ?? {};
      const after = c.facts?.after ?? {};
      const peeringRequest = /^azapi_/.test(c.type) && /virtualNetworkPeerings/i.test(String(after.azapiType ?? before.azapiType ?? ''));
      // A destroy-time azapi action (gateway-transit.ts's revert) sends its request when it is deleted or replaced.
      if (peeringRequest && c.type === 'azapi_resource_action' && gone(c) && before.when === 'destroy' && (before.use_remote_gateways === false || before.allow_gateway_transit === false)) {
        return { id: 'gateway-transit', severity: 'critical', consequence: `the destroy-time request of this azapi action runs when it is ${verb(c)} and switches gateway transit off on the peering: the spoke loses its route to on-premises through the hub gateway until transit is set again.` };
      }
      if (c.type !== 'azurerm_virtual_network_peering' && !(peeringRequest && c.type !== 'azapi_resource_action')) return undefined;
      // Deleting an azapi_update_resource sends nothing (azapi docs); its destroy-time revert action is matched above.
      if (c.type === 'azapi_update_resource' && gone(c)) return undefined;
      const dropped = ['allow_gateway_transit', 'use_remote_gateways'].filter((k) => before[k] === true && (gone(c) || after[k] !== true));
      if (dropped.length === 0) return undefined;
      return { id: 'gateway-transit', severity: 'critical', consequence: `the peering is ${c.action === 'update' ? 'updated' : verb(c)} and ${dropped.join(' / ')} goes from true to ${gone(c) ? 'gone' : 'false'}: the spoke loses its route to on-premises through the hub gateway (and on-premises to the spoke) until transit is restored.` };
    },
  },
  {
    id: 'privileged-role',
    title: 'Role assignment granting Owner, User Access Administrator or RBAC Administrator',
    match: (c) => {
      if (c.type !== 'azurerm_role_assignment' || !['create', 'update', 'replace'].includes(c.action)) return undefined;
      const after = c.facts?.after ?? {};
      const byId = String(after.role_definition_id ?? '').split('/').pop()?.toLowerCase() ?? '';
      const name = PRIVILEGED_ROLES.get(byId) ?? (PRIVILEGED_NAMES.has(String(after.role_definition_name ?? '').toLowerCase()) ? String(after.role_definition_name) : undefined);
      return name ? { id: 'privileged-role', severity: 'critical', consequence: `grants ${name}: the principal can assign itself (or anyone) any role on the scope, so this is a privilege escalation path; confirm the principal and scope.` } : undefined;
    },
  },
];

/**
 * Every dangerous change of the given plans, most severe first, in plan order within a severity.
 * @param {StackPlan[]} plans
 * @returns {Finding[]}
 */
export function findDangerous(plans) {
  /** @type {Finding[]} */
  const out = [];
  for (const plan of plans) {
    if (plan.error) continue;
    for (const c of plan.changes) {
      for (const rule of RULES) {
        const v = rule.match(c, { stack: plan.stack, plan });
        if (v) {
          out.push({ ...c, stack: plan.stack, rule: v.id, severity: v.severity, consequence: v.consequence });
          break;
        }
      }
    }
  }
  const rank = { critical: 0, high: 1 };
  return out.map((f, i) => /** @type {const} */ ([f, i])).sort((a, b) => rank[a[0].severity] - rank[b[0].severity] || a[1] - b[1]).map(([f]) => f);
}
