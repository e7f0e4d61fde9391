import {
  diskCustomerManagedKey,
  diskPublicAccess,
  postgresAdminPassword,
  postgresPublicAccess,
  recoveryVaultPublicAccess,
  registryAdminUser,
  registryPublicAccess,
} from '../../policy/rules/data-services';
import { servicesHavePrivateEndpoint } from '../../policy/rules/private-endpoints';
import { compliant, kinds, run, runOne, stack } from './fixtures';

const PG = 'azurerm_postgresql_flexible_server';
const RSV = 'azurerm_recovery_services_vault';
const ACR = 'azurerm_container_registry';
const DISK = 'azurerm_managed_disk';

describe(`${postgresPublicAccess.id}: ${postgresPublicAccess.title}`, () => {
  test('compliant: public access off', () => expect(runOne(postgresPublicAccess, PG, compliant.postgres())).toEqual([]));
  test('compliant: VNet-integrated (delegated subnet) server', () => {
    const c: Record<string, unknown> = { ...compliant.postgres(), delegated_subnet_id: '${azurerm_subnet.db.id}' };
    delete c['public_network_access_enabled'];
    expect(runOne(postgresPublicAccess, PG, c)).toEqual([]);
  });
  test('fails: public access on, or unset (provider default true)', () => {
    expect(kinds(runOne(postgresPublicAccess, PG, { ...compliant.postgres(), public_network_access_enabled: true }))).toEqual(['fail']);
    const c: Record<string, unknown> = compliant.postgres();
    delete c['public_network_access_enabled'];
    expect(kinds(runOne(postgresPublicAccess, PG, c))).toEqual(['fail']);
  });
  test('unknown', () => {
    expect(kinds(runOne(postgresPublicAccess, PG, { ...compliant.postgres(), public_network_access_enabled: '${var.public}' }))).toEqual(['unknown']);
  });
});

describe(`${postgresAdminPassword.id}: ${postgresAdminPassword.title}`, () => {
  test('compliant: generated password (random_password) or write-only from a reference', () => {
    expect(runOne(postgresAdminPassword, PG, compliant.postgres())).toEqual([]);
    const wo: Record<string, unknown> = { ...compliant.postgres(), administrator_password_wo: '${ephemeral.random_password.pg.result}' };
    delete wo['administrator_password'];
    expect(runOne(postgresAdminPassword, PG, wo)).toEqual([]);
  });
  test('fails: literal password', () => {
    expect(kinds(runOne(postgresAdminPassword, PG, { ...compliant.postgres(), administrator_password: 'Sup3rSecret!' }))).toEqual(['fail']);
  });
  test('fails: a reference that resolves to a literal (variable default)', () => {
    const s = stack({ [PG]: { subject: { ...compliant.postgres(), administrator_password: '${var.pg_password}' } } }, { variable: { pg_password: { default: 'Sup3rSecret!' } } });
    expect(kinds(run(postgresAdminPassword, s, `${PG}.subject`))).toEqual(['fail']);
  });
});

describe(`${recoveryVaultPublicAccess.id}: ${recoveryVaultPublicAccess.title}`, () => {
  test('compliant', () => expect(runOne(recoveryVaultPublicAccess, RSV, compliant.recoveryVault())).toEqual([]));
  test('fails: on, or unset (default true)', () => {
    expect(kinds(runOne(recoveryVaultPublicAccess, RSV, { ...compliant.recoveryVault(), public_network_access_enabled: true }))).toEqual(['fail']);
    const c: Record<string, unknown> = compliant.recoveryVault();
    delete c['public_network_access_enabled'];
    expect(kinds(runOne(recoveryVaultPublicAccess, RSV, c))).toEqual(['fail']);
  });
  test('unknown', () => {
    expect(kinds(runOne(recoveryVaultPublicAccess, RSV, { ...compliant.recoveryVault(), public_network_access_enabled: '${local.x}' }))).toEqual(['unknown']);
  });
});

describe(`${registryPublicAccess.id}: ${registryPublicAccess.title}`, () => {
  test('compliant', () => expect(runOne(registryPublicAccess, ACR, compliant.registry())).toEqual([]));
  test('fails', () => expect(kinds(runOne(registryPublicAccess, ACR, { ...compliant.registry(), public_network_access_enabled: true }))).toEqual(['fail']));
  test('unknown', () => expect(kinds(runOne(registryPublicAccess, ACR, { ...compliant.registry(), public_network_access_enabled: '${var.x}' }))).toEqual(['unknown']));
});

describe(`${registryAdminUser.id}: ${registryAdminUser.title}`, () => {
  test('compliant: false or unset', () => {
    expect(runOne(registryAdminUser, ACR, compliant.registry())).toEqual([]);
    const c: Record<string, unknown> = compliant.registry();
    delete c['admin_enabled'];
    expect(runOne(registryAdminUser, ACR, c)).toEqual([]);
  });
  test('fails', () => expect(kinds(runOne(registryAdminUser, ACR, { ...compliant.registry(), admin_enabled: true }))).toEqual(['fail']));
  test('unknown', () => expect(kinds(runOne(registryAdminUser, ACR, { ...compliant.registry(), admin_enabled: '${var.admin}' }))).toEqual(['unknown']));
});

describe(`${diskCustomerManagedKey.id}: ${diskCustomerManagedKey.title}`, () => {
  test('compliant: disk encryption set', () => expect(runOne(diskCustomerManagedKey, DISK, compliant.disk())).toEqual([]));
  test('fails (warning rule): platform key only', () => {
    const c: Record<string, unknown> = compliant.disk();
    delete c['disk_encryption_set_id'];
    expect(kinds(runOne(diskCustomerManagedKey, DISK, c))).toEqual(['fail']);
    expect(diskCustomerManagedKey.severity).toBe('warning');
  });
});

describe(`${diskPublicAccess.id}: ${diskPublicAccess.title}`, () => {
  test('compliant', () => expect(runOne(diskPublicAccess, DISK, compliant.disk())).toEqual([]));
  test('fails: public access on; network_access_policy AllowAll', () => {
    expect(kinds(runOne(diskPublicAccess, DISK, { ...compliant.disk(), public_network_access_enabled: true }))).toEqual(['fail']);
    expect(kinds(runOne(diskPublicAccess, DISK, { ...compliant.disk(), network_access_policy: 'AllowAll' }))).toEqual(['fail']);
  });
  test('fails: both unset (provider defaults are public)', () => {
    expect(kinds(runOne(diskPublicAccess, DISK, { name: 'd' }))).toEqual(['fail', 'fail']);
  });
  test('unknown', () => expect(kinds(runOne(diskPublicAccess, DISK, { ...compliant.disk(), public_network_access_enabled: '${var.x}' }))).toEqual(['unknown']));
});

describe(`${servicesHavePrivateEndpoint.id}: ${servicesHavePrivateEndpoint.title}`, () => {
  const pe = (target: string) => ({
    azurerm_private_endpoint: { pe: { name: 'pe', private_service_connection: { name: 'c', is_manual_connection: false, private_connection_resource_id: target } } },
  });
  test.each([
    ['azurerm_storage_account', compliant.storage()],
    ['azurerm_key_vault', compliant.keyVault()],
    ['azurerm_recovery_services_vault', compliant.recoveryVault()],
    ['azurerm_postgresql_flexible_server', compliant.postgres()],
    ['azurerm_container_registry', compliant.registry()],
  ])('%s: compliant with a private endpoint, fails without, unknown when the endpoint target cannot be followed', (type, config) => {
    expect(runOne(servicesHavePrivateEndpoint, type, config, pe(`\${${type}.subject.id}`))).toEqual([]);
    expect(kinds(runOne(servicesHavePrivateEndpoint, type, config))).toEqual(['fail']);
    expect(kinds(runOne(servicesHavePrivateEndpoint, type, config, pe('${var.target_id}')))).toEqual(['unknown']);
  });
  test('a private endpoint of another resource does not count', () => {
    const extra = { ...pe('${azurerm_key_vault.other.id}'), azurerm_key_vault: { other: compliant.keyVault() } };
    expect(kinds(runOne(servicesHavePrivateEndpoint, 'azurerm_storage_account', compliant.storage(), extra))).toEqual(['fail']);
  });
  test('found across stacks of the environment (endpoint in another stack)', () => {
    const stacks = {
      'dev-services': stack({ azurerm_storage_account: { subject: compliant.storage() } }, { output: { 'cross-stack-output-sa': { value: '${azurerm_storage_account.subject.id}' } } }),
      'dev-network': stack(pe('${data.terraform_remote_state.cross-stack-reference-input-dev-services.outputs.cross-stack-output-sa}')),
    };
    expect(run(servicesHavePrivateEndpoint, stacks, 'azurerm_storage_account.subject', 'dev-services')).toEqual([]);
  });
  test('a VNet-integrated PostgreSQL server needs none', () => {
    expect(runOne(servicesHavePrivateEndpoint, 'azurerm_postgresql_flexible_server', { ...compliant.postgres(), delegated_subnet_id: '${azurerm_subnet.db.id}' })).toEqual([]);
  });
});
