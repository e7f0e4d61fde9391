import {
  diskCustomerManagedKey,
  diskPublicAccess,
  postgresAdminPassword,
  postgresPublicAccess,
  recoveryVaultPublicAccess,
  registryAdminUser,
  registryPublicAccess,
} from '../../policy/rules/data-services';
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
