import { allVnets, privateEndpoints } from '../dns-plan';
import { cidrContains, parseCidr } from '../ipv4';
import { ConfigProblem, problem } from '../problems';
import type { EnvironmentConfig } from '../schema';
import { NameRule, SERVICE_NAME_RULES, serviceNames } from '../service-names';
import { processServerLocation } from '../traffic-plan';

/** Derived names against Azure's rules: a bad one otherwise fails 20 minutes into a deployment. */
export function validateServiceNames(config: EnvironmentConfig): ConfigProblem[] {
  const n = serviceNames(config);
  const s = config.services;
  const checks: Array<{ name: string; rule: NameRule; what: string; enabled: boolean }> = [
    { name: n.keyVault, rule: SERVICE_NAME_RULES.keyVault, what: 'Key Vault', enabled: true },
    { name: n.cacheStorage, rule: SERVICE_NAME_RULES.storage, what: 'cache storage account', enabled: !!s.siteRecovery },
    { name: n.siteRecoveryVault, rule: SERVICE_NAME_RULES.recoveryVault, what: 'Recovery Services vault', enabled: !!s.siteRecovery },
    { name: n.backupVault, rule: SERVICE_NAME_RULES.recoveryVault, what: 'Backup vault', enabled: !!s.backup },
    { name: n.postgres, rule: SERVICE_NAME_RULES.postgres, what: 'PostgreSQL server', enabled: !!s.postgres },
    { name: n.registry, rule: SERVICE_NAME_RULES.registry, what: 'container registry', enabled: !!s.registry },
  ];
  return checks
    .filter((c) => c.enabled && !c.rule.pattern.test(c.name))
    .map((c) =>
      problem('services.nameSuffix', `the derived ${c.what} name "${c.name}" (from prefix, name and services.nameSuffix) breaks Azure's rule: ${c.rule.rule}`, {
        value: s.nameSuffix,
        allowed: 'a shorter prefix/name/suffix that keeps every derived name inside its rule',
      }),
    );
}

/** (d) Site Recovery: the ranges the replication rules are written for must be reachable over the VPN. */
export function validateSiteRecovery(config: EnvironmentConfig): ConfigProblem[] {
  const asr = config.services.siteRecovery;
  if (!asr) return [];
  const problems: ConfigProblem[] = [];
  const onPrem = config.onPremises.addressPrefixes.map(parseCidr);
  asr.sourceRanges.forEach((range, i) => {
    if (!onPrem.some((p) => cidrContains(p, parseCidr(range)))) {
      problems.push(
        problem(`services.siteRecovery.sourceRanges.${i}`, `${range} is not inside onPremises.addressPrefixes: the tunnel does not route it, so its machines cannot reach the vault and cache storage private endpoints and replication falls back to (blocked) public endpoints. Declare the range on-premises or correct it`, {
          value: range,
          allowed: `a range inside ${config.onPremises.addressPrefixes.join(', ')}`,
        }),
      );
    }
  });
  const where = processServerLocation(config);
  if (!where || (where !== 'onPremises' && where.subnet !== 'agents')) {
    problems.push(
      problem('services.siteRecovery.processServer', `the process server ${asr.processServer} is neither on-premises (inside onPremises.addressPrefixes) nor in the hub agents subnet: no rule can open TCP 443 and ${asr.dataPort} to it on a path this stack knows`, {
        value: asr.processServer,
        allowed: `an address in ${[...config.onPremises.addressPrefixes, config.network.hub.subnets.agents].join(', ')}`,
      }),
    );
  }
  return problems;
}

export function validatePostgres(config: EnvironmentConfig): ConfigProblem[] {
  const pg = config.services.postgres;
  if (!pg) return [];
  const problems: ConfigProblem[] = [];
  if (pg.highAvailability !== 'Disabled' && pg.sku.startsWith('B_')) {
    problems.push(problem('services.postgres.highAvailability', `high availability is not available on the Burstable SKU ${pg.sku}`, { value: pg.highAvailability, allowed: 'Disabled, or a GP_/MO_ SKU' }));
  }
  if (pg.highAvailability === 'ZoneRedundant' && pg.standbyZone === pg.zone) {
    problems.push(problem('services.postgres.standbyZone', 'a zone-redundant standby must be in a different zone from the primary', { value: pg.standbyZone, allowed: ['1', '2', '3'].filter((z) => z !== pg.zone).join(', ') }));
  }
  pg.clients.forEach((vnet, i) => {
    if (!allVnets(config).includes(vnet)) problems.push(problem(`services.postgres.clients.${i}`, `no VNet "${vnet}"`, { value: vnet, allowed: allVnets(config).join(', ') }));
  });
  return problems;
}

/** The endpoint subnet holds every endpoint (ASR takes 5 addresses, Backup 10) plus the fixed static slots at its top. */
export function validatePrivateEndpointSubnet(config: EnvironmentConfig): ConfigProblem[] {
  const subnet = parseCidr(config.network.hub.subnets.privateEndpoints);
  const usable = subnet.size - 5;
  const plans = privateEndpoints(config);
  const needed = plans.reduce((sum, p) => sum + p.ipCount, 0);
  // Slots -2..-6 are reserved for static endpoints whether used or not; dynamic ones fill from the bottom.
  const dynamic = plans.filter((p) => p.staticIps.length === 0).reduce((sum, p) => sum + p.ipCount, 0);
  if (needed > usable || dynamic + 5 > usable) {
    return [
      problem('network.hub.subnets.privateEndpoints', `the private endpoints need ${needed} addresses (${plans.map((p) => `${p.service} ${p.ipCount}`).join(', ')}) plus 5 reserved static slots, more than the ${usable} usable addresses of ${subnet.text}`, {
        value: subnet.text,
        allowed: 'a larger subnet (/26 or larger; Azure Migrate alone may take about 15 addresses)',
      }),
    ];
  }
  return [];
}
