import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { KeyVaultSecret } from '@cdktf/provider-azurerm/lib/key-vault-secret';
import { PostgresqlFlexibleServer } from '@cdktf/provider-azurerm/lib/postgresql-flexible-server';
import { PostgresqlFlexibleServerConfiguration } from '@cdktf/provider-azurerm/lib/postgresql-flexible-server-configuration';
import { PostgresqlFlexibleServerDatabase } from '@cdktf/provider-azurerm/lib/postgresql-flexible-server-database';
import { Password } from '@cdktf/provider-random/lib/password';
import type { PostgresConfig } from '../../config/schema/services';

export interface PrivatePostgresProps {
  readonly name: string;
  readonly resourceGroupName: string;
  readonly location: string;
  /** Size, HA, backups, databases (config/schema/services.ts). */
  readonly config: PostgresConfig;
  /** Key Vault that receives the generated administrator password. */
  readonly keyVaultId: string;
  /** What must exist before the secret can be written (RBAC role, the vault's private endpoint). @default [] */
  readonly secretDependsOn?: ITerraformDependable[];
  readonly tags?: Record<string, string>;
}

/** Server parameters that enforce encrypted connections. */
export const POSTGRES_TLS_PARAMETERS = { require_secure_transport: 'on', ssl_min_protocol_version: 'TLSv1.2' } as const;

/**
 * PostgreSQL Flexible Server for the case-assignment tool, reached only through its `postgresqlServer`
 * private endpoint (private link needs a public-access-mode server with public network access disabled).
 * TLS is enforced by server parameters; the administrator password is generated and kept in Key Vault
 * (secret `<server>-admin-password`), never in configuration.
 */
export class PrivatePostgres extends Construct {
  readonly server: PostgresqlFlexibleServer;
  readonly password: Password;
  readonly passwordSecret: KeyVaultSecret;

  constructor(scope: Construct, id: string, props: PrivatePostgresProps) {
    super(scope, id);
    const c = props.config;
    if (c.highAvailability !== 'Disabled' && c.sku.startsWith('B_')) throw new Error(`${this.node.path}: high availability on Burstable ${c.sku}; allowed: a GP_ or MO_ SKU`);
    this.password = new Password(this, 'admin-password', { length: 32, special: true, overrideSpecial: '-_.~', minUpper: 2, minLower: 2, minNumeric: 2, minSpecial: 2 });
    this.server = new PostgresqlFlexibleServer(this, 'server', {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      version: c.version,
      skuName: c.sku,
      storageMb: c.storageMb,
      autoGrowEnabled: true,
      zone: c.zone,
      highAvailability: c.highAvailability === 'Disabled' ? undefined : { mode: c.highAvailability, standbyAvailabilityZone: c.highAvailability === 'ZoneRedundant' ? c.standbyZone : c.zone },
      backupRetentionDays: c.backupRetentionDays,
      geoRedundantBackupEnabled: c.geoRedundantBackup,
      publicNetworkAccessEnabled: false,
      administratorLogin: c.administratorLogin,
      administratorPassword: this.password.result,
      authentication: { passwordAuthEnabled: true, activeDirectoryAuthEnabled: false },
      // After an HA failover Azure swaps the zones; following that in configuration would force a replacement.
      lifecycle: { ignoreChanges: ['zone', 'high_availability[0].standby_availability_zone'] },
      tags: props.tags,
    });
    for (const [name, value] of Object.entries(POSTGRES_TLS_PARAMETERS)) {
      new PostgresqlFlexibleServerConfiguration(this, `parameter-${name.replace(/_/g, '-')}`, { name, serverId: this.server.id, value });
    }
    for (const db of c.databases) {
      new PostgresqlFlexibleServerDatabase(this, `database-${db}`, { name: db, serverId: this.server.id, charset: 'UTF8', collation: 'en_US.utf8' });
    }
    this.passwordSecret = new KeyVaultSecret(this, 'admin-password-secret', {
      name: `${props.name}-admin-password`,
      keyVaultId: props.keyVaultId,
      value: this.password.result,
      contentType: `password for ${c.administratorLogin}@${props.name}`,
      dependsOn: props.secretDependsOn,
    });
  }
}
