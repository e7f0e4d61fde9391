/** Storage account rules (checkov CKV_AZURE_3/44/59/190/35, CKV2_AZURE_40), on azurerm 4.x attribute names. */
import type { Resolved, StackContext } from '../resolve';
import type { Problem, Rule, SynthResource } from '../types';
import { expectAttribute, fail, unknown, unknownMessage } from './helpers';

const STORAGE = ['azurerm_storage_account'];

export const storageHttpsOnly: Rule = {
  id: 'AZ-STG-001',
  checkov: ['CKV_AZURE_3'],
  severity: 'error',
  title: 'Storage account accepts HTTPS traffic only',
  explanation: 'Plain HTTP exposes data and SAS tokens in transit. azurerm 4.x renamed the attribute to https_traffic_only_enabled (checkov still reads the 3.x name).',
  remediation: 'Leave https_traffic_only_enabled unset (default true) or set it to true.',
  appliesTo: STORAGE,
  check: (r, ctx) => expectAttribute(r, ctx, 'https_traffic_only_enabled', { allowed: [true], whenMissing: 'compliant', expected: 'true' }),
};

export const storageMinTls: Rule = {
  id: 'AZ-STG-002',
  checkov: ['CKV_AZURE_44'],
  severity: 'error',
  title: 'Storage account requires TLS 1.2 or newer',
  explanation: 'TLS 1.0/1.1 are deprecated and being retired by Azure Storage; clients negotiating them are exposed to known attacks.',
  remediation: "Set min_tls_version = 'TLS1_2' explicitly (checkov fails when it is missing).",
  appliesTo: STORAGE,
  check: (r, ctx) => expectAttribute(r, ctx, 'min_tls_version', { allowed: ['TLS1_2', 'TLS1_3'], whenMissing: 'fail', expected: "'TLS1_2' or newer" }),
};

/**
 * Closed public endpoint: access Disabled, or Enabled with a firewall that admits no network and no IP (default Deny,
 * empty ip_rules and virtual_network_subnet_ids), leaving only private endpoints and the trusted-services bypass.
 * The second form is what Site Recovery's cache account needs (HN-012): Azure Storage ignores the trusted-services
 * exception when public network access is Disabled.
 */
function publicEndpointClosed(r: SynthResource, ctx: StackContext): Problem[] {
  const access = ctx.attr(r.config, 'public_network_access_enabled');
  if (!access.known) return [unknown(unknownMessage('public_network_access_enabled', access.expression, 'a closed public endpoint'))];
  if (access.value === false) return [];
  const action = ctx.attr(r.config, 'network_rules', 'default_action');
  const ips = ctx.attr(r.config, 'network_rules', 'ip_rules');
  const subnets = ctx.attr(r.config, 'network_rules', 'virtual_network_subnet_ids');
  for (const v of [action, ips, subnets]) if (!v.known) return [unknown(unknownMessage('network_rules', v.expression, 'a closed public endpoint'))];
  const empty = (v: Resolved) => v.known && (v.value === undefined || v.value === null || (Array.isArray(v.value) && v.value.length === 0));
  if (action.known && typeof action.value === 'string' && action.value.toLowerCase() === 'deny' && empty(ips) && empty(subnets)) return [];
  return [fail('public network access is enabled and the firewall admits networks (default action not Deny, or ip_rules / virtual_network_subnet_ids set).')];
}

export const storagePublicNetworkAccess: Rule = {
  id: 'AZ-STG-003',
  checkov: ['CKV_AZURE_59'],
  severity: 'error',
  title: 'Storage account public endpoint is closed (disabled, or firewall default Deny with no network or IP allowed)',
  explanation: 'Services here are reached through private endpoints only; a public endpoint bypasses the hybrid network and its DNS. Stricter than needed for checkov, which requires Disabled: that form also switches off the trusted-services exception Site Recovery depends on.',
  remediation: "Set public_network_access_enabled = false, or keep it true with network_rules { default_action = 'Deny' } and no ip_rules / virtual_network_subnet_ids; reach the account through its private endpoint.",
  appliesTo: STORAGE,
  check: publicEndpointClosed,
};

export const storageNestedPublic: Rule = {
  id: 'AZ-STG-004',
  checkov: ['CKV_AZURE_190', 'CKV2_AZURE_47'],
  severity: 'error',
  title: 'Storage account forbids anonymous (public) blob access',
  explanation: 'With allow_nested_items_to_be_public a container can be made anonymously readable by anyone with data-plane access.',
  remediation: 'Set allow_nested_items_to_be_public = false (default true).',
  appliesTo: STORAGE,
  check: (r, ctx) => expectAttribute(r, ctx, 'allow_nested_items_to_be_public', { allowed: [false], whenMissing: 'fail', expected: 'false (default true)' }),
};

/** Network rules live inline (`network_rules`) or in an `azurerm_storage_account_network_rules` resource. */
function storageNetworkRules(r: SynthResource, ctx: StackContext): Problem[] {
  const inline = ctx.attr(r.config, 'network_rules');
  if (!inline.known) return [unknown(unknownMessage('network_rules', inline.expression, 'default_action = "Deny"'))];
  if (inline.value !== undefined) {
    return expectAttribute(r, ctx, 'network_rules.default_action', { allowed: ['Deny'], whenMissing: 'fail', expected: "'Deny'" });
  }
  const me = `${r.stack}/${r.address}`;
  const separate = ctx
    .environmentResources('azurerm_storage_account_network_rules')
    .filter((n) => ctx.app.stack(n.stack).identity(n.config['storage_account_id']) === me);
  if (separate.length === 0) {
    return [fail('no network_rules block and no azurerm_storage_account_network_rules for this account; the network default action is Allow.')];
  }
  return separate.flatMap((n) =>
    expectAttribute(n, ctx.app.stack(n.stack), 'default_action', { allowed: ['Deny'], whenMissing: 'fail', expected: "'Deny'" }).map((p) => ({
      ...p,
      message: `${n.address}: ${p.message}`,
    })),
  );
}

export const storageNetworkDefaultDeny: Rule = {
  id: 'AZ-STG-005',
  checkov: ['CKV_AZURE_35'],
  severity: 'error',
  title: 'Storage account network rules default to Deny',
  explanation: 'Defense in depth behind public_network_access_enabled: only private endpoints and explicitly allowed networks reach the data plane.',
  remediation: "Add network_rules { default_action = 'Deny', bypass = ['AzureServices'] } (the bypass is what Site Recovery needs).",
  appliesTo: STORAGE,
  check: storageNetworkRules,
};

export const storageSharedKey: Rule = {
  id: 'AZ-STG-006',
  checkov: ['CKV2_AZURE_40'],
  severity: 'error',
  title: 'Storage account Shared Key authorization is disabled',
  explanation: 'Account keys are long-lived, all-powerful secrets; Entra ID (RBAC) authorization is auditable and revocable.',
  remediation: 'Set shared_access_key_enabled = false and grant data-plane roles to identities (set storage_use_azuread on the provider).',
  appliesTo: STORAGE,
  check: (r, ctx) => expectAttribute(r, ctx, 'shared_access_key_enabled', { allowed: [false], whenMissing: 'fail', expected: 'false (default true)' }),
};

export const storageRules: Rule[] = [
  storageHttpsOnly,
  storageMinTls,
  storagePublicNetworkAccess,
  storageNestedPublic,
  storageNetworkDefaultDeny,
  storageSharedKey,
];
