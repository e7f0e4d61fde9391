/** PostgreSQL Flexible Server, Recovery Services vault and container registry rules. */
import type { Rule } from '../types';
import { expectAttribute, fail, unknown } from './helpers';

const POSTGRES = ['azurerm_postgresql_flexible_server'];

export const postgresPublicAccess: Rule = {
  id: 'AZ-PG-001',
  severity: 'error',
  title: 'PostgreSQL Flexible Server public network access is disabled',
  explanation: 'The database is reached through its private endpoint only; with public access a firewall rule away from the internet.',
  remediation: 'Set public_network_access_enabled = false (provider default true unless delegated_subnet_id is set).',
  appliesTo: POSTGRES,
  check: (r, ctx) => {
    // A VNet-integrated server (delegated subnet) has no public endpoint whatever the flag says.
    const delegated = ctx.attr(r.config, 'delegated_subnet_id');
    if (!delegated.known || (delegated.value !== undefined && delegated.value !== null)) return [];
    return expectAttribute(r, ctx, 'public_network_access_enabled', { allowed: [false], whenMissing: 'fail', expected: 'false' });
  },
};

export const postgresAdminPassword: Rule = {
  id: 'AZ-PG-002',
  severity: 'error',
  title: 'PostgreSQL administrator password is not a literal',
  explanation: 'A literal password lives in the repository and in every synthesized plan; generate it (random_password) and keep it in Key Vault.',
  remediation: 'Set administrator_password (or administrator_password_wo) from a random_password result or a Key Vault secret reference.',
  appliesTo: POSTGRES,
  check: (r, ctx) => {
    for (const key of ['administrator_password', 'administrator_password_wo']) {
      const raw = r.config[key];
      if (raw === undefined || raw === null) continue;
      // A reference is the compliant shape, unless it leads back to a literal (a var default or a local).
      const resolved = ctx.resolve(raw);
      if (typeof raw === 'string' && !raw.includes('${')) return [fail(`${key} is a literal string; generate it instead.`)];
      if (resolved.known && typeof resolved.value === 'string') {
        return [fail(`${key} is ${raw}, which resolves to a literal string in configuration; generate it instead.`)];
      }
    }
    return [];
  },
};

export const recoveryVaultPublicAccess: Rule = {
  id: 'AZ-RSV-001',
  severity: 'error',
  title: 'Recovery Services vault public network access is disabled',
  explanation: 'Site Recovery replication must flow through the vault private endpoint over the VPN; a public vault lets replication silently fall back to the internet.',
  remediation: 'Set public_network_access_enabled = false and create the AzureSiteRecovery private endpoint before registering any item.',
  appliesTo: ['azurerm_recovery_services_vault'],
  check: (r, ctx) => expectAttribute(r, ctx, 'public_network_access_enabled', { allowed: [false], whenMissing: 'fail', expected: 'false (default true)' }),
};

const ACR = ['azurerm_container_registry'];

export const registryPublicAccess: Rule = {
  id: 'AZ-ACR-001',
  checkov: ['CKV_AZURE_139'],
  severity: 'error',
  title: 'Container registry public network access is disabled',
  explanation: 'Images are pulled through the registry private endpoint; a public registry endpoint is reachable from anywhere.',
  remediation: "Set public_network_access_enabled = false (requires sku = 'Premium' for private link).",
  appliesTo: ACR,
  check: (r, ctx) => expectAttribute(r, ctx, 'public_network_access_enabled', { allowed: [false], whenMissing: 'fail', expected: 'false (default true)' }),
};

export const registryAdminUser: Rule = {
  id: 'AZ-ACR-002',
  checkov: ['CKV_AZURE_137'],
  severity: 'error',
  title: 'Container registry admin user is disabled',
  explanation: 'The admin user is a shared username/password with push rights; identities with AcrPull/AcrPush are auditable.',
  remediation: 'Leave admin_enabled unset or false; grant AcrPull to the node identities.',
  appliesTo: ACR,
  check: (r, ctx) => {
    const value = ctx.attr(r.config, 'admin_enabled');
    if (!value.known) return [unknown(`admin_enabled is ${value.expression}, unknown at synth; cannot show the admin user is off.`)];
    return value.value === true ? [fail('admin_enabled is true.')] : [];
  },
};

const DISK = ['azurerm_managed_disk'];

export const diskCustomerManagedKey: Rule = {
  id: 'AZ-DSK-001',
  checkov: ['CKV_AZURE_93', 'CKV_AZURE_2'],
  severity: 'warning',
  title: 'Managed disk is encrypted with a customer-managed key',
  explanation:
    'Azure always encrypts managed disks with a platform key; a disk encryption set (or Azure Disk Encryption settings) puts key rotation and revocation under our control. Warning, because the platform key still encrypts.',
  remediation: 'Set disk_encryption_set_id (or secure_vm_disk_encryption_set_id / encryption_settings) on the disk.',
  appliesTo: DISK,
  check: (r, ctx) => {
    for (const key of ['disk_encryption_set_id', 'secure_vm_disk_encryption_set_id', 'encryption_settings']) {
      const v = ctx.attr(r.config, key);
      // A reference to a disk encryption set is the normal shape; its presence is what matters here.
      if (!v.known || (v.value !== undefined && v.value !== null)) return [];
    }
    return [fail('no disk_encryption_set_id or encryption_settings: only the platform-managed key encrypts this disk.')];
  },
};

export const diskPublicAccess: Rule = {
  id: 'AZ-DSK-002',
  checkov: ['CKV_AZURE_251'],
  severity: 'error',
  title: 'Managed disk public network access is disabled',
  explanation: 'A disk with public network access can be exported or imported through a SAS URL from anywhere.',
  remediation: "Set public_network_access_enabled = false and network_access_policy = 'DenyAll' (or 'AllowPrivate' with a disk access).",
  appliesTo: DISK,
  check: (r, ctx) => [
    ...expectAttribute(r, ctx, 'public_network_access_enabled', { allowed: [false], whenMissing: 'fail', expected: 'false (default true)' }),
    ...expectAttribute(r, ctx, 'network_access_policy', { allowed: ['DenyAll', 'AllowPrivate'], whenMissing: 'fail', expected: "'DenyAll' or 'AllowPrivate' (default AllowAll)" }),
  ],
};

export const dataServiceRules: Rule[] = [
  postgresPublicAccess,
  postgresAdminPassword,
  recoveryVaultPublicAccess,
  registryPublicAccess,
  registryAdminUser,
  diskCustomerManagedKey,
  diskPublicAccess,
];
