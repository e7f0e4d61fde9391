import { cidrHost } from './ipv4';
import { BACKUP_REGION_CODES, PrivateZoneKey, PrivateZoneSpec, privateZones } from './private-link';
import type { EnvironmentConfig } from './schema';
import { serviceNames } from './service-names';

/**
 * The name-resolution plan of one environment, derived from configuration only: the one place that decides
 * where the resolver sits, which VNets the zones and the ruleset are linked to, and which address each private
 * endpoint answers with. The network and services stacks build it, the validators check it, the handoff
 * documents it: all three read the same plan, so they cannot drift apart.
 */

/** `hub` or a spoke name. */
export type VnetRef = string;

export interface ForwardingRulePlan {
  /** Rule name (Azure: letters, digits, hyphens). */
  readonly name: string;
  /** Domain with the trailing dot Azure requires, e.g. `corp.example.com.`. */
  readonly domain: string;
  readonly targets: ReadonlyArray<string>;
}

/** Every VNet of the environment: the hub first, then the spokes in file order. */
export function allVnets(config: EnvironmentConfig): VnetRef[] {
  return ['hub', ...Object.keys(config.network.spokes)];
}

/** Subnet prefixes of a VNet by role (undefined when the VNet does not exist). */
export function vnetSubnets(config: EnvironmentConfig, vnet: VnetRef): Record<string, string> | undefined {
  return vnet === 'hub' ? config.network.hub.subnets : config.network.spokes[vnet]?.subnets;
}

export function vnetAddressSpace(config: EnvironmentConfig, vnet: VnetRef): ReadonlyArray<string> {
  return (vnet === 'hub' ? config.network.hub.addressSpace : config.network.spokes[vnet]?.addressSpace) ?? [];
}

export function resolverVnet(config: EnvironmentConfig): VnetRef {
  return config.dns.resolver.vnet;
}

/** Subnet roles of the resolver endpoints: the hub's fixed roles, or lower-case roles in a dedicated DNS spoke. */
export function resolverSubnetRoles(vnet: VnetRef): { inbound: string; outbound: string } {
  return vnet === 'hub' ? { inbound: 'dnsInbound', outbound: 'dnsOutbound' } : { inbound: 'dns-inbound', outbound: 'dns-outbound' };
}

/** The inbound endpoint's subnet prefix, or undefined when the resolver VNet has no inbound subnet. */
export function inboundSubnet(config: EnvironmentConfig): string | undefined {
  const vnet = resolverVnet(config);
  return vnetSubnets(config, vnet)?.[resolverSubnetRoles(vnet).inbound];
}

/** The static inbound endpoint IP: configured, or host 4 of the inbound subnet (the first address Azure lets a resource use). */
export function inboundIp(config: EnvironmentConfig): string | undefined {
  const subnet = inboundSubnet(config);
  return config.dns.resolver.inboundIp ?? (subnet ? cidrHost(subnet, 4) : undefined);
}

export function zoneLinkVnets(config: EnvironmentConfig): VnetRef[] {
  return config.dns.zoneLinks ?? allVnets(config);
}

export function rulesetLinkVnets(config: EnvironmentConfig): VnetRef[] {
  return config.dns.resolver.rulesetLinks ?? Object.keys(config.network.spokes);
}

/** On-premises domains to the on-premises DNS servers, then the extra rules; names derived from the domain. */
export function forwardingRules(config: EnvironmentConfig): ForwardingRulePlan[] {
  const rules = [
    ...config.onPremises.dnsDomains.map((domain) => ({ domain, targets: config.onPremises.dnsServers })),
    ...config.dns.forwardingRules.map((r) => ({ domain: r.domain, targets: r.targets })),
  ];
  return rules.map((r) => ({ name: r.domain.replace(/\./g, '-'), domain: `${r.domain}.`, targets: [...r.targets] }));
}

/** A private endpoint of the services stack. */
export interface PrivateEndpointPlan {
  /** Stable key: construct id and Azure name part. */
  readonly service: 'keyVault' | 'cacheStorage' | 'siteRecovery' | 'backup' | 'postgres' | 'registry';
  readonly subresource: 'vault' | 'blob' | 'AzureSiteRecovery' | 'AzureBackup' | 'postgresqlServer' | 'registry';
  /** Zones in its single DNS zone group (1-5). */
  readonly zoneKeys: ReadonlyArray<PrivateZoneKey>;
  /** Addresses it takes in the private endpoint subnet. */
  readonly ipCount: number;
  /**
   * Static addresses by member name, or none when Azure allocates them (ASR and Backup endpoints create
   * members whose names include the vault id, unknown before deployment).
   */
  readonly staticIps: ReadonlyArray<{ readonly memberName: string; readonly ip: string }>;
  /** Names clients resolve and the address each must resolve to (undefined: some address in the endpoint subnet). */
  readonly fqdns: ReadonlyArray<{ readonly fqdn: string; readonly ip?: string; readonly note?: string }>;
}

/**
 * Fixed slots from the top of the endpoint subnet, one per service whether enabled or not, so that enabling a
 * service never moves another endpoint's address. Azure allocates dynamic addresses from the bottom, so the
 * ASR/Backup endpoints cannot take these.
 */
const STATIC_SLOTS = { keyVault: -2, cacheStorage: -3, postgres: -4, registry: -5, registryData: -6 } as const;

export function privateEndpoints(config: EnvironmentConfig): PrivateEndpointPlan[] {
  const s = config.services;
  const names = serviceNames(config);
  const subnet = config.network.hub.subnets.privateEndpoints;
  const slot = (k: keyof typeof STATIC_SLOTS) => cidrHost(subnet, STATIC_SLOTS[k]);
  const plans: PrivateEndpointPlan[] = [
    {
      service: 'keyVault',
      subresource: 'vault',
      zoneKeys: ['keyVault'],
      ipCount: 1,
      staticIps: [{ memberName: 'default', ip: slot('keyVault') }],
      fqdns: [{ fqdn: `${names.keyVault}.vault.azure.net`, ip: slot('keyVault') }],
    },
  ];
  if (s.siteRecovery) {
    plans.push(
      {
        service: 'siteRecovery',
        subresource: 'AzureSiteRecovery',
        zoneKeys: ['siteRecovery'],
        ipCount: 5,
        staticIps: [],
        fqdns: [
          {
            fqdn: '<vault-id>-asr-pod01-<role>.<geo-code>.privatelink.siterecovery.windowsazure.com',
            note: 'five names created by the endpoint; list them with: az network private-endpoint show -g ' + `${names.resourceGroup} -n ${names.privateEndpoint('siterecovery')} --query "customDnsConfigs[].{fqdn:fqdn,ip:ipAddresses[0]}" -o table`,
          },
        ],
      },
      {
        service: 'cacheStorage',
        subresource: 'blob',
        zoneKeys: ['blob'],
        ipCount: 1,
        staticIps: [{ memberName: 'blob', ip: slot('cacheStorage') }],
        fqdns: [{ fqdn: `${names.cacheStorage}.blob.core.windows.net`, ip: slot('cacheStorage') }],
      },
    );
  }
  if (s.backup) {
    plans.push({
      service: 'backup',
      subresource: 'AzureBackup',
      zoneKeys: ['backup'],
      ipCount: 10,
      staticIps: [],
      fqdns: [{ fqdn: `*.privatelink.${BACKUP_REGION_CODES[config.location]}.backup.windowsazure.com`, note: `names created by the endpoint; list them with: az network private-endpoint show -g ${names.resourceGroup} -n ${names.privateEndpoint('backup')} --query "customDnsConfigs[].fqdn"` }],
    });
  }
  if (s.postgres) {
    plans.push({
      service: 'postgres',
      subresource: 'postgresqlServer',
      zoneKeys: ['postgres'],
      ipCount: 1,
      staticIps: [{ memberName: 'postgresqlServer', ip: slot('postgres') }],
      fqdns: [{ fqdn: `${names.postgres}.postgres.database.azure.com`, ip: slot('postgres') }],
    });
  }
  if (s.registry) {
    plans.push({
      service: 'registry',
      subresource: 'registry',
      zoneKeys: ['registry'],
      ipCount: 2,
      staticIps: [
        { memberName: 'registry', ip: slot('registry') },
        { memberName: `registry_data_${config.location}`, ip: slot('registryData') },
      ],
      fqdns: [
        { fqdn: `${names.registry}.azurecr.io`, ip: slot('registry') },
        { fqdn: `${names.registry}.${config.location}.data.azurecr.io`, ip: slot('registryData') },
      ],
    });
  }
  return plans;
}

export interface DnsPlan {
  readonly resolverVnet: VnetRef;
  readonly inboundSubnet: string;
  readonly inboundIp: string;
  readonly zones: ReadonlyArray<PrivateZoneSpec>;
  readonly zoneLinks: ReadonlyArray<VnetRef>;
  readonly zoneResolutionPolicy: 'NxDomainRedirect' | 'Default';
  readonly rulesetLinks: ReadonlyArray<VnetRef>;
  readonly rules: ReadonlyArray<ForwardingRulePlan>;
  readonly resolverClients: ReadonlyArray<VnetRef>;
  readonly privateEndpoints: ReadonlyArray<PrivateEndpointPlan>;
}

/** The whole plan of a validated environment (throws if validation was skipped and the resolver subnet is missing). */
export function dnsPlan(config: EnvironmentConfig): DnsPlan {
  const subnet = inboundSubnet(config);
  const ip = inboundIp(config);
  if (!subnet || !ip) throw new Error(`${config.name}: the resolver VNet "${resolverVnet(config)}" has no resolver inbound subnet (validate the configuration first)`);
  return {
    resolverVnet: resolverVnet(config),
    inboundSubnet: subnet,
    inboundIp: ip,
    zones: privateZones(config),
    zoneLinks: zoneLinkVnets(config),
    zoneResolutionPolicy: config.dns.zoneResolutionPolicy,
    rulesetLinks: rulesetLinkVnets(config),
    rules: forwardingRules(config),
    resolverClients: config.dns.resolverClients,
    privateEndpoints: privateEndpoints(config),
  };
}

/** DNS servers of a VNet: the resolver inbound IP for `dns.resolverClients`, Azure-provided DNS otherwise. */
export function vnetDnsServers(config: EnvironmentConfig, vnet: VnetRef): string[] | undefined {
  const ip = inboundIp(config);
  return config.dns.resolverClients.includes(vnet) && ip ? [ip] : undefined;
}
