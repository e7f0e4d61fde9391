/**
 * Classes of findings a real first apply (or a destroy) would hit, kept from coming back (issue #11): a data-plane
 * write racing the role assignment it needs, a Site Recovery cache account that refuses the trusted-services path, a
 * private DNS zone that shadows its parent, an endpoint subnet NSG that contradicts the documented on-premises HTTPS
 * path, and gateway transit that is neither reverted on destroy nor re-applied when a peering is replaced.
 */
import { CONFLICTING_ZONES } from '../../config/private-link';
import type { StackContext } from '../resolve';
import { blocks, referencesIn } from '../resolve';
import type { Problem, Rule, SynthResource } from '../types';
import { evaluateInbound, rulesOf } from './dns-path';
import { ctxOf, key, target, zoneName } from './graph';
import { fail, unknown } from './helpers';

/** Microsoft's stated Key Vault role assignment latency (constructs/services/rbac-propagation.ts). */
const RBAC_PROPAGATION_SECONDS = 600;

/** Resources this one waits for in its own stack: depends_on plus every reference, transitively. */
function dependencies(ctx: StackContext, r: SynthResource): Map<string, SynthResource> {
  const seen = new Map<string, SynthResource>();
  const queue = [r];
  while (queue.length > 0) {
    const current = queue.pop()!;
    const deps = [...((current.config['depends_on'] as unknown[] | undefined) ?? []).map((d) => (String(d).startsWith('${') ? String(d) : `\${${String(d)}}`)), ...referencesIn({ ...current.config, depends_on: undefined })];
    for (const d of deps) {
      const ref = ctx.refTarget(d.replace(/^\$\{([^.}]+\.[^.}]+).*\}$/, '${$1.id}'));
      if (!ref || ref.resource.stack !== ctx.stack) continue;
      const k = key(ref.resource);
      if (seen.has(k)) continue;
      seen.set(k, ref.resource);
      queue.push(ref.resource);
    }
  }
  return seen;
}

function seconds(duration: unknown): number | undefined {
  const m = typeof duration === 'string' ? /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration) : null;
  if (!m || duration === '') return undefined;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/** Does the time_sleep's `triggers` name the role assignment (directly, or through a local or another stack's output)? */
function triggeredBy(ctx: StackContext, sleep: SynthResource, grant: SynthResource): boolean {
  return referencesIn(sleep.config['triggers']).some((ref) => {
    const t = ctx.refTarget(ref);
    return t !== undefined && key(t.resource) === key(grant);
  });
}

export const rbacPropagationWait: Rule = {
  id: 'HN-012',
  severity: 'error',
  title: "A Key Vault data-plane write waits, in its own stack, for the propagation of the deployer's role the environment creates",
  explanation:
    "A role assignment takes up to 10 minutes to apply (Key Vault RBAC guide). The azurerm provider reads a secret back right after writing it and does not retry a 403, so a secret written before the deployer's role is effective fails with ForbiddenByRbac on a fresh environment: in the apply that creates the role, or in a later stack that starts right after the stack that creates it. The wait is triggered by the role assignment's id so that a replaced assignment is waited for again.",
  remediation:
    "Make the secret depend on a time_sleep of at least 600s in its own stack whose triggers reference the role assignment (RbacPropagationWait with the assignment, or with `<env>-keyvault`'s secretsOfficerAssignmentId from another stack), and put only the secret writes behind it.",
  appliesTo: ['azurerm_key_vault_secret', 'azurerm_key_vault_key', 'azurerm_key_vault_certificate'],
  check: (r, ctx) => {
    const vault = ctx.identity(r.config['key_vault_id']);
    if (vault === undefined) return [];
    // The deployer's roles on this vault, created by this stack or by any other stack of the environment.
    const grants = ctx.environmentResources('azurerm_role_assignment').filter((ra) => {
      const rctx = ctxOf(ctx, ra);
      return rctx.identity(ra.config['scope']) === vault && referencesIn(ra.config['principal_id']).some((ref) => ref.startsWith('${data.azurerm_client_config.'));
    });
    if (grants.length === 0) return [];
    const deps = dependencies(ctx, r);
    const sleeps = [...deps.values()].filter((d) => d.type === 'time_sleep');
    const problems: Problem[] = [];
    for (const grant of grants) {
      const where = grant.stack === ctx.stack ? `${grant.address}, created in the same apply` : `${grant.stack}'s ${grant.address}`;
      const waits = sleeps.filter((d) => triggeredBy(ctx, d, grant));
      if (waits.length === 0) {
        const untriggered = grant.stack === ctx.stack && sleeps.some((d) => dependencies(ctx, d).has(key(grant)));
        problems.push(
          untriggered
            ? fail(`waits for ${where}, with a time_sleep whose triggers do not reference it: a replaced role assignment is not waited for again.`)
            : fail(`writes through ${where}, with no time_sleep triggered by it on its dependency path (ForbiddenByRbac on a fresh environment).`),
        );
        continue;
      }
      const longest = Math.max(...waits.map((w) => seconds(ctx.resolve(w.config['create_duration']).known ? (ctx.resolve(w.config['create_duration']) as { value: unknown }).value : undefined) ?? 0));
      if (longest < RBAC_PROPAGATION_SECONDS) problems.push(fail(`waits only ${longest}s for ${where}; Microsoft states up to ${RBAC_PROPAGATION_SECONDS}s.`));
    }
    return problems;
  },
};

export const cacheStorageTrustedServices: Rule = {
  id: 'HN-013',
  severity: 'error',
  title: 'A storage account a Recovery Services vault writes to keeps the trusted-services path open',
  explanation:
    "Site Recovery writes to its cache account through the trusted-Microsoft-services exception. Azure Storage ignores that exception when public network access is Disabled, so replication fails; the public endpoint is closed by a default-Deny firewall instead, with the AzureServices bypass and the private endpoint.",
  remediation: "public_network_access_enabled = true with network_rules { default_action = 'Deny', bypass = ['AzureServices'] } and no ip_rules or subnets (ReplicationCacheStorage does this).",
  appliesTo: ['azurerm_storage_account'],
  check: (r, ctx) => {
    const writers = ctx.environmentResources('azurerm_role_assignment').filter((ra) => {
      const rctx = ctxOf(ctx, ra);
      return rctx.identity(ra.config['scope']) === key(r) && referencesIn(ra.config['principal_id']).some((ref) => rctx.refTarget(ref)?.resource.type === 'azurerm_recovery_services_vault');
    });
    if (writers.length === 0) return [];
    const problems: Problem[] = [];
    const access = ctx.attr(r.config, 'public_network_access_enabled');
    if (!access.known) problems.push(unknown('public_network_access_enabled is unknown at synth.'));
    else if (access.value === false) problems.push(fail('public_network_access_enabled = false switches off the trusted-services exception Site Recovery writes through.'));
    const bypass = ctx.attr(r.config, 'network_rules', 'bypass');
    if (!bypass.known) problems.push(unknown('network_rules.bypass is unknown at synth.'));
    else if (!Array.isArray(bypass.value) || !bypass.value.some((b) => String(b).toLowerCase() === 'azureservices')) problems.push(fail("network_rules.bypass does not include 'AzureServices'."));
    return problems;
  },
};

export const noConflictingPrivateZones: Rule = {
  id: 'HN-014',
  severity: 'error',
  title: 'No private DNS zone that the private-link DNS guidance marks as conflicting, or that nests inside another privatelink zone',
  explanation:
    "A zone below another privatelink zone takes those names away from the parent, where the endpoint's zone group writes them: e.g. `<region>.data.privatelink.azurecr.io` shadows the registry data records in privatelink.azurecr.io and image pulls fail.",
  remediation: 'Drop the nested zone and let the endpoint write its records into the parent zone (config/private-link.ts).',
  appliesTo: ['azurerm_private_dns_zone'],
  check: (r, ctx) => {
    const name = zoneName(ctx, r);
    if (name === undefined) return [unknown('the zone name is unknown at synth.')];
    const listed = CONFLICTING_ZONES.find((z) => z.pattern.test(name));
    if (listed) return [fail(`${name}: ${listed.why}.`)];
    const parents = ctx.environmentResources('azurerm_private_dns_zone').map((z) => zoneName(ctx, z)).filter((n): n is string => !!n && n !== name && n.startsWith('privatelink.') && name.endsWith(`.${n}`));
    return parents.map((p) => fail(`${name} nests inside ${p} and shadows the records the endpoints write there.`));
  },
};

/** One address inside each on-premises prefix (the first host), from the local network gateways of the environment. */
function onPremisesHosts(ctx: StackContext): string[] {
  const hosts: string[] = [];
  for (const lng of ctx.environmentResources('azurerm_local_network_gateway')) {
    const space = ctxOf(ctx, lng).resolve(lng.config['address_space']);
    if (!space.known || !Array.isArray(space.value)) continue;
    for (const prefix of space.value) {
      const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(String(prefix));
      if (m) hosts.push(`${m[1]}.${m[2]}.${m[3]}.${Number(m[4]) + (Number(m[5]) < 32 ? 1 : 0)}`);
    }
  }
  return hosts;
}

export const privateEndpointHttpsFromOnPremises: Rule = {
  id: 'HN-015',
  severity: 'error',
  title: 'The NSG of a private endpoint subnet allows TCP 443 from on-premises (the documented client path)',
  explanation:
    'On-premises clients resolve the privatelink names through the resolver and connect over the tunnel on 443 (README walkthrough, docs/network.md). An NSG that denies it makes the DNS work and every connection time out.',
  remediation: 'Allow TCP 443 from the on-premises prefixes on the private endpoint subnet (nsgAllows in config/traffic-plan.ts; narrow with services.onPremisesHttpsClients).',
  appliesTo: ['azurerm_private_endpoint'],
  check: (r, ctx) => {
    const hosts = onPremisesHosts(ctx);
    if (hosts.length === 0) return [];
    const subnet = ctx.refTarget(r.config['subnet_id']);
    const ips = blocks(r.config['ip_configuration']).map((c) => ctx.resolve(c['private_ip_address'])).filter((v) => v.known && typeof v.value === 'string').map((v) => (v as { value: string }).value);
    if (!subnet || ips.length === 0) return []; // dynamic addresses: the subnet's other endpoints carry the check
    const problems: Problem[] = [];
    for (const assoc of ctx.environmentResources('azurerm_subnet_network_security_group_association')) {
      const actx = ctxOf(ctx, assoc);
      const s = actx.refTarget(assoc.config['subnet_id']);
      if (!s || key(s.resource) !== key(subnet.resource)) continue;
      const nsg = target(actx, assoc.config['network_security_group_id'], 'azurerm_network_security_group');
      if (!nsg) continue;
      const rules = rulesOf(ctx, nsg);
      const allowed = hosts.some((h) => evaluateInbound(rules, h, ips[0]!, 'Tcp', 443).decision === 'Allow');
      if (!allowed) problems.push(fail(`${nsg.address} denies TCP 443 from every on-premises prefix to ${ips[0]} (${hosts.join(', ')} tried).`));
    }
    return problems;
  },
};

const TRANSIT_FLAGS = { allowGatewayTransit: 'allow_gateway_transit', useRemoteGateways: 'use_remote_gateways' } as const;

export const gatewayTransitLifecycle: Rule = {
  id: 'HN-016',
  severity: 'error',
  title: 'Gateway transit switched on by an azapi update is switched off on destroy, and a replaced peering gets it back',
  explanation:
    "azapi_update_resource changes nothing when destroyed: destroying <env>-vpn would leave peerings with transit on and no gateway. A peering that ignores changes to its transit flags is re-created with them off when <env>-network replaces it, and on-premises routes vanish until <env>-vpn is applied again.",
  remediation:
    "Pair each update with an azapi_resource_action (when = 'destroy', PUT with the flag false) on the same peering (GatewayTransit), and let the azurerm peering set the flag from the gateway's existence instead of ignoring it (HubSpokePeering gatewayExists).",
  appliesTo: ['azapi_update_resource'],
  check: (r, ctx) => {
    const type = ctx.resolve(r.config['type']);
    if (!type.known || typeof type.value !== 'string' || !/virtualNetworkPeerings@/i.test(type.value)) return [];
    const problems: Problem[] = [];
    const target = ctx.identity(r.config['resource_id']);
    for (const flag of Object.keys(TRANSIT_FLAGS) as (keyof typeof TRANSIT_FLAGS)[]) {
      const on = ctx.attr(r.config, 'body', 'properties', flag);
      if (!on.known || on.value !== true) continue;
      const reverts = ctx.environmentResources('azapi_resource_action').filter((a) => {
        const actx = ctxOf(ctx, a);
        const when = actx.resolve(a.config['when']);
        const off = actx.attr(a.config, 'body', 'properties', flag);
        return when.known && when.value === 'destroy' && off.known && off.value === false && target !== undefined && actx.identity(a.config['resource_id']) === target;
      });
      if (reverts.length === 0) problems.push(fail(`sets ${flag} but nothing sets it back to false when this update is destroyed.`));
      const peering = ctx.refTarget(r.config['resource_id'])?.resource;
      if (peering?.type === 'azurerm_virtual_network_peering') {
        const ignored = blocks(peering.config['lifecycle']).flatMap((l) => (Array.isArray(l['ignore_changes']) ? l['ignore_changes'] : [])).map(String);
        if (ignored.includes(TRANSIT_FLAGS[flag])) problems.push(fail(`${peering.address} ignores changes to ${TRANSIT_FLAGS[flag]}: when it is replaced it comes back without transit until this stack is applied again.`));
      }
    }
    return problems;
  },
};

/** Roles and zones Azure Backup's private endpoints (v1 experience) need (constructs/services/recovery-vault.ts). */
const BACKUP_ROLES = ['Network Contributor', 'Private DNS Zone Contributor'];
const BACKUP_ZONES = ['privatelink.blob.core.windows.net', 'privatelink.queue.core.windows.net'];

export const backupPrivateEndpointPrerequisites: Rule = {
  id: 'HN-017',
  severity: 'error',
  title: "An AzureBackup private endpoint comes with the vault identity's roles and the blob and queue zones",
  explanation:
    "Azure Backup creates blob and queue private endpoints for its own storage with the vault's managed identity and writes their records into privatelink.blob / privatelink.queue zones; without the roles or the zones, backups over private endpoints fail.",
  remediation: "Give the vault's identity Network Contributor (endpoint VNet) and Private DNS Zone Contributor (zones' resource group), and create both zones linked like the others (PrivateRecoveryVault identityRoles, config/private-link.ts).",
  appliesTo: ['azurerm_private_endpoint'],
  check: (r, ctx) => {
    const problems: Problem[] = [];
    for (const psc of blocks(r.config['private_service_connection'])) {
      const sub = ctx.resolve(psc['subresource_names']);
      if (!sub.known || !Array.isArray(sub.value) || !sub.value.includes('AzureBackup')) continue;
      const vault = target(ctx, psc['private_connection_resource_id'], 'azurerm_recovery_services_vault');
      if (!vault) {
        problems.push(unknown('the Backup vault of this endpoint cannot be followed at synth.'));
        continue;
      }
      const granted = ctx
        .environmentResources('azurerm_role_assignment')
        .filter((ra) => referencesIn(ra.config['principal_id']).some((ref) => { const t = ctxOf(ctx, ra).refTarget(ref); return t !== undefined && key(t.resource) === key(vault); }))
        .map((ra) => String(ctxOf(ctx, ra).resolve(ra.config['role_definition_name']).known ? (ctxOf(ctx, ra).resolve(ra.config['role_definition_name']) as { value: unknown }).value : ''));
      for (const role of BACKUP_ROLES) if (!granted.includes(role)) problems.push(fail(`the identity of ${vault.address} has no '${role}' role.`));
      const zones = new Set(ctx.environmentResources('azurerm_private_dns_zone').map((z) => zoneName(ctx, z)));
      for (const zone of BACKUP_ZONES) if (!zones.has(zone)) problems.push(fail(`no ${zone} zone in the environment for the endpoints Azure Backup creates.`));
    }
    return problems;
  },
};

export const applySafetyRules: Rule[] = [rbacPropagationWait, cacheStorageTrustedServices, noConflictingPrivateZones, privateEndpointHttpsFromOnPremises, gatewayTransitLifecycle, backupPrivateEndpointPrerequisites];
