import {
  storageHttpsOnly,
  storageMinTls,
  storageNestedPublic,
  storageNetworkDefaultDeny,
  storagePublicNetworkAccess,
  storageSharedKey,
} from '../../policy/rules/storage';
import { keyVaultNetworkAclDeny, keyVaultPublicNetworkAccess, keyVaultPurgeProtection } from '../../policy/rules/key-vault';
import type { Rule } from '../../policy/types';
import { compliant, kinds, run, runOne, stack, type Config } from './fixtures';

const SA = 'azurerm_storage_account';
const KV = 'azurerm_key_vault';

/** [rule, attribute, non-compliant value, is a missing attribute non-compliant?] */
const attributeCases: [Rule, string, string, unknown, boolean][] = [
  [storageHttpsOnly, SA, 'https_traffic_only_enabled', false, false],
  [storageMinTls, SA, 'min_tls_version', 'TLS1_0', true],
  [storageNestedPublic, SA, 'allow_nested_items_to_be_public', true, true],
  [storageSharedKey, SA, 'shared_access_key_enabled', true, true],
  [keyVaultPurgeProtection, KV, 'purge_protection_enabled', false, true],
  [keyVaultPublicNetworkAccess, KV, 'public_network_access_enabled', true, true],
];

const base = (type: string): Config => (type === SA ? compliant.storage() : compliant.keyVault());

describe.each(attributeCases.map((c) => [`${c[0].id}: ${c[0].title}`, ...c] as const))('%s', (_title, r, type, attribute, bad, missingFails) => {
  test('compliant fixture passes', () => {
    expect(runOne(r, type, base(type))).toEqual([]);
  });
  test(`fails when ${attribute} = ${JSON.stringify(bad)}`, () => {
    const problems = runOne(r, type, { ...base(type), [attribute]: bad });
    expect(kinds(problems)).toEqual(['fail']);
    expect(problems[0]!.message).toContain(attribute);
  });
  test(`missing ${attribute} ${missingFails ? 'fails' : 'passes (secure provider default)'}`, () => {
    const config = base(type);
    delete config[attribute];
    expect(kinds(runOne(r, type, config))).toEqual(missingFails ? ['fail'] : []);
  });
  test('an unresolvable ${...} is reported as unknown, not compliant', () => {
    expect(kinds(runOne(r, type, { ...base(type), [attribute]: '${azurerm_resource_group.rg.tags["x"]}' }))).toEqual(['unknown']);
  });
});

describe('AZ-STG-003 public endpoint closed: disabled, or a firewall that admits nothing', () => {
  const check = (c: Config) => kinds(runOne(storagePublicNetworkAccess, SA, c));
  test('disabled passes', () => expect(check(compliant.storage())).toEqual([]));
  test('enabled behind default Deny with no network or IP (the Site Recovery cache form) passes', () => {
    expect(check({ ...compliant.storage(), public_network_access_enabled: true, network_rules: { default_action: 'Deny', bypass: ['AzureServices'], ip_rules: [], virtual_network_subnet_ids: [] } })).toEqual([]);
  });
  test('enabled with default Allow fails', () => expect(check({ ...compliant.storage(), public_network_access_enabled: true, network_rules: { default_action: 'Allow' } })).toEqual(['fail']));
  test('enabled with an IP rule fails', () => expect(check({ ...compliant.storage(), public_network_access_enabled: true, network_rules: { default_action: 'Deny', ip_rules: ['203.0.113.0/24'] } })).toEqual(['fail']));
  test('missing (provider default: enabled) with no network rules fails', () => {
    const c = compliant.storage();
    delete c['public_network_access_enabled'];
    delete c['network_rules'];
    expect(check(c)).toEqual(['fail']);
  });
  test('an unresolvable value is unknown', () => expect(check({ ...compliant.storage(), public_network_access_enabled: '${azurerm_resource_group.rg.tags["x"]}' })).toEqual(['unknown']));
});

describe('reference resolution', () => {
  test('a bare reference to a variable default is followed to its literal', () => {
    const s = stack({ [SA]: { subject: { ...compliant.storage(), network_rules: { default_action: 'Allow' }, public_network_access_enabled: '${var.public}' } } }, { variable: { public: { default: true } } });
    expect(kinds(run(storagePublicNetworkAccess, s, `${SA}.subject`))).toEqual(['fail']);
  });
  test('a reference to another resource attribute is followed to its literal', () => {
    const s = stack({
      [SA]: { subject: { ...compliant.storage(), min_tls_version: '${azurerm_storage_account.other.min_tls_version}' }, other: { min_tls_version: 'TLS1_2' } },
    });
    expect(run(storageMinTls, s, `${SA}.subject`)).toEqual([]);
  });
  test('a reference to a computed attribute stays unknown', () => {
    const s = stack({ [SA]: { subject: { ...compliant.storage(), shared_access_key_enabled: '${azurerm_storage_account.other.id}' }, other: {} } });
    expect(kinds(run(storageSharedKey, s, `${SA}.subject`))).toEqual(['unknown']);
  });
});

describe('AZ-STG-005 storage network rules default Deny', () => {
  test('compliant inline network_rules', () => {
    expect(runOne(storageNetworkDefaultDeny, SA, compliant.storage())).toEqual([]);
  });
  test('fails with default_action Allow', () => {
    expect(kinds(runOne(storageNetworkDefaultDeny, SA, { ...compliant.storage(), network_rules: { default_action: 'Allow' } }))).toEqual(['fail']);
  });
  test('fails without any network rules', () => {
    const config = compliant.storage();
    delete config['network_rules'];
    expect(kinds(runOne(storageNetworkDefaultDeny, SA, config))).toEqual(['fail']);
  });
  test('follows a separate azurerm_storage_account_network_rules resource', () => {
    const config = compliant.storage();
    delete config['network_rules'];
    const rules = (action: string) => ({
      azurerm_storage_account_network_rules: { nr: { storage_account_id: '${azurerm_storage_account.subject.id}', default_action: action } },
    });
    expect(runOne(storageNetworkDefaultDeny, SA, config, rules('Deny'))).toEqual([]);
    expect(kinds(runOne(storageNetworkDefaultDeny, SA, config, rules('Allow')))).toEqual(['fail']);
  });
  test('unknown default_action', () => {
    expect(kinds(runOne(storageNetworkDefaultDeny, SA, { ...compliant.storage(), network_rules: { default_action: '${var.action}' } }))).toEqual(['unknown']);
  });
});

describe('AZ-KV-003 Key Vault network ACL default Deny', () => {
  test('compliant', () => expect(runOne(keyVaultNetworkAclDeny, KV, compliant.keyVault())).toEqual([]));
  test('fails with Allow', () => {
    expect(kinds(runOne(keyVaultNetworkAclDeny, KV, { ...compliant.keyVault(), network_acls: { default_action: 'Allow', bypass: 'None' } }))).toEqual(['fail']);
  });
  test('fails without network_acls', () => {
    const config = compliant.keyVault();
    delete config['network_acls'];
    expect(kinds(runOne(keyVaultNetworkAclDeny, KV, config))).toEqual(['fail']);
  });
  test('accepts the single-element list rendering of the block', () => {
    expect(runOne(keyVaultNetworkAclDeny, KV, { ...compliant.keyVault(), network_acls: [{ default_action: 'Deny', bypass: 'None' }] })).toEqual([]);
  });
  test('unknown default_action', () => {
    expect(kinds(runOne(keyVaultNetworkAclDeny, KV, { ...compliant.keyVault(), network_acls: { default_action: '${local.kv_default}' } }))).toEqual(['unknown']);
  });
});
