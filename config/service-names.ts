import type { EnvironmentConfig } from './schema';

/**
 * Names of the `<env>-services` resources. Key Vault, storage account, registry and PostgreSQL server names are
 * DNS names under Azure-owned zones, so they are globally unique: `<prefix><env>` plus `services.nameSuffix`
 * keeps them deterministic (no random provider: a name must not change between plans) and collision-free.
 * config/validate/services.ts checks each against Azure's rule at startup.
 */
export interface ServiceNames {
  readonly resourceGroup: string;
  readonly keyVault: string;
  readonly cacheStorage: string;
  readonly siteRecoveryVault: string;
  readonly backupVault: string;
  readonly postgres: string;
  readonly registry: string;
  /** Private endpoint name for a service key (`pe-<prefix>-<env>-<service>`). */
  privateEndpoint(service: string): string;
}

export function serviceNames(config: Pick<EnvironmentConfig, 'prefix' | 'name' | 'services'>): ServiceNames {
  const base = `${config.prefix}-${config.name}`;
  const compact = `${config.prefix}${config.name}`;
  const suffix = config.services.nameSuffix;
  return {
    resourceGroup: `rg-${base}-services`,
    keyVault: `kv-${base}-${suffix}`,
    cacheStorage: `st${compact}asr${suffix}`,
    siteRecoveryVault: `rsv-${base}-asr`,
    backupVault: `rsv-${base}-backup`,
    postgres: `psql-${base}-${suffix}`,
    registry: `cr${compact}${suffix}`,
    privateEndpoint: (service) => `pe-${base}-${service}`,
  };
}

export interface NameRule {
  readonly pattern: RegExp;
  readonly rule: string;
}

/** Azure's naming rules (terraform-provider-azurerm validators; reference section 2.7). */
export const SERVICE_NAME_RULES = {
  keyVault: { pattern: /^(?!.*--)[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/, rule: '3-24 letters, digits and hyphens; starts with a letter, ends with a letter or digit, no "--" (globally unique)' },
  storage: { pattern: /^[a-z0-9]{3,24}$/, rule: '3-24 lower-case letters and digits (globally unique)' },
  registry: { pattern: /^[a-zA-Z0-9]{5,50}$/, rule: '5-50 letters and digits (globally unique)' },
  recoveryVault: { pattern: /^[a-zA-Z][-a-zA-Z0-9]{1,49}$/, rule: '2-50 letters, digits and hyphens, starting with a letter' },
  postgres: { pattern: /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, rule: '3-63 lower-case letters, digits and hyphens; starts and ends with a letter or digit (globally unique)' },
} satisfies Record<string, NameRule>;
