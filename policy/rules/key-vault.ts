/** Key Vault rules (checkov CKV_AZURE_110/42, CKV_AZURE_189, CKV_AZURE_109). */
import type { Rule } from '../types';
import { expectAttribute } from './helpers';

const KEY_VAULT = ['azurerm_key_vault'];

export const keyVaultPurgeProtection: Rule = {
  id: 'AZ-KV-001',
  checkov: ['CKV_AZURE_110', 'CKV_AZURE_42'],
  severity: 'error',
  title: 'Key Vault has purge protection enabled',
  explanation: 'Without purge protection a deleted vault (and the generated secrets it holds) can be purged before the retention period ends.',
  remediation: 'Set purge_protection_enabled = true (it cannot be turned off again, which is the point).',
  appliesTo: KEY_VAULT,
  check: (r, ctx) => expectAttribute(r, ctx, 'purge_protection_enabled', { allowed: [true], whenMissing: 'fail', expected: 'true (default false)' }),
};

export const keyVaultPublicNetworkAccess: Rule = {
  id: 'AZ-KV-002',
  checkov: ['CKV_AZURE_189'],
  severity: 'error',
  title: 'Key Vault public network access is disabled',
  explanation: 'Nodes and pipelines reach the vault through its private endpoint; a public endpoint widens the attack surface for every secret.',
  remediation: 'Set public_network_access_enabled = false.',
  appliesTo: KEY_VAULT,
  check: (r, ctx) => expectAttribute(r, ctx, 'public_network_access_enabled', { allowed: [false], whenMissing: 'fail', expected: 'false (default true)' }),
};

export const keyVaultNetworkAclDeny: Rule = {
  id: 'AZ-KV-003',
  checkov: ['CKV_AZURE_109'],
  severity: 'error',
  title: 'Key Vault network ACL defaults to Deny',
  explanation: 'The firewall is the second line behind disabled public access; without network_acls the default action is Allow.',
  remediation: "Add network_acls { default_action = 'Deny', bypass = 'AzureServices' }.",
  appliesTo: KEY_VAULT,
  check: (r, ctx) => expectAttribute(r, ctx, 'network_acls.default_action', { allowed: ['Deny'], whenMissing: 'fail', expected: "'Deny'" }),
};

export const keyVaultRules: Rule[] = [keyVaultPurgeProtection, keyVaultPublicNetworkAccess, keyVaultNetworkAclDeny];
