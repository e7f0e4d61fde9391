/**
 * AZ-PE-001: a PaaS service whose public access is off is only reachable through a private endpoint, so it must
 * have one (checkov graph checks CKV2_AZURE_33 for storage, CKV2_AZURE_32 for Key Vault; the same holds for the
 * Site Recovery vault, PostgreSQL and the registry). Without it, replication "silently falls back to public
 * endpoints" or simply fails.
 */
import { blocks } from '../resolve';
import type { Problem, Rule } from '../types';
import { ctxOf, key } from './graph';
import { fail, unknown } from './helpers';

export const servicesHavePrivateEndpoint: Rule = {
  id: 'AZ-PE-001',
  checkov: ['CKV2_AZURE_33', 'CKV2_AZURE_32'],
  severity: 'error',
  title: 'Every PaaS service is reachable through a private endpoint',
  explanation:
    'Public access is off for storage, Key Vault, the Recovery Services vault, PostgreSQL and the registry; without a private endpoint nothing (nodes, on-premises over the VPN, Site Recovery) can reach them.',
  remediation: 'Create an azurerm_private_endpoint whose private_service_connection targets this resource (with its DNS zone group).',
  appliesTo: ['azurerm_storage_account', 'azurerm_key_vault', 'azurerm_recovery_services_vault', 'azurerm_postgresql_flexible_server', 'azurerm_container_registry'],
  check: (r, ctx) => {
    // A VNet-integrated PostgreSQL server lives in its delegated subnet instead.
    if (r.type === 'azurerm_postgresql_flexible_server' && r.config['delegated_subnet_id'] !== undefined) return [];
    const me = key(r);
    const unresolved: string[] = [];
    for (const pe of ctx.environmentResources('azurerm_private_endpoint')) {
      for (const conn of blocks(pe.config['private_service_connection'])) {
        const target = ctxOf(ctx, pe).refTarget(conn['private_connection_resource_id']);
        if (target && key(target.resource) === me) return [];
        if (!target && conn['private_connection_resource_id'] !== undefined) unresolved.push(pe.address);
      }
    }
    const problems: Problem[] = [];
    if (unresolved.length > 0) {
      problems.push(unknown(`no private endpoint targets it by reference; ${unresolved.join(', ')} connect to resources that cannot be followed at synth.`));
    } else {
      problems.push(fail('no private endpoint in the environment connects to this resource.'));
    }
    return problems;
  },
};
