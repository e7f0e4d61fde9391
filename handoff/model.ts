import type { EnvironmentConfig } from '../config';
import { dnsPlan, DnsPlan } from '../config/dns-plan';
import { forwarderZones } from '../config/private-link';
import { FirewallRulePlan, nsgAllows, NsgAllowPlan, onPremisesFirewallRules } from '../config/traffic-plan';
import { vpnHandoff, VpnHandoff } from './device';
import { extraRecords, HandoffRecord, HandoffRecordSource } from './extensions';

/** One conditional forwarder the on-premises DNS servers need. */
export interface Forwarder {
  /** Public zone name, e.g. `blob.core.windows.net` (never the privatelink name: clients ask for the public one). */
  readonly zone: string;
  /** Resolver inbound endpoint address(es). */
  readonly targets: ReadonlyArray<string>;
  /** Private zone(s) whose answers come back through it. */
  readonly privateZones: ReadonlyArray<string>;
  readonly purpose: string;
}

/** A name to check after cut-over with the answer it must give. */
export interface ExpectedName {
  readonly fqdn: string;
  /** Exact address, or undefined when only the subnet is known at synth. */
  readonly ip?: string;
  /** Where the answer must fall when `ip` is unknown. */
  readonly within?: string;
  readonly ports: ReadonlyArray<number>;
  readonly purpose: string;
  readonly note?: string;
}

/** The answer a name must give, in words. */
export function expectedAnswer(n: ExpectedName): string {
  return n.ip ?? (n.within ? `an address in ${n.within}` : n.note ?? 'a private address');
}

export interface HandoffModel {
  readonly environment: string;
  readonly location: string;
  readonly plan: DnsPlan;
  readonly forwarders: ReadonlyArray<Forwarder>;
  readonly names: ReadonlyArray<ExpectedName>;
  readonly firewall: ReadonlyArray<FirewallRulePlan>;
  readonly nsgAllows: ReadonlyArray<NsgAllowPlan>;
  readonly extraRecords: ReadonlyArray<HandoffRecord>;
  /** The VPN device's side of the tunnel (swanctl.conf). */
  readonly vpn: VpnHandoff;
}

const SERVICE_PORTS: Record<string, number[]> = { keyVault: [443], cacheStorage: [443], siteRecovery: [443], backup: [443], postgres: [5432], registry: [443] };

/** Everything the on-premises team needs, derived from the same plan the stacks are built from. */
export function handoffModel(config: EnvironmentConfig, sources: ReadonlyArray<HandoffRecordSource> = []): HandoffModel {
  const plan = dnsPlan(config);
  const extras = extraRecords(config, sources);
  const forwarders: Forwarder[] = forwarderZones(plan.zones).map((zone) => {
    const zones = plan.zones.filter((z) => z.forwarders.includes(zone));
    return { zone, targets: [plan.inboundIp], privateZones: zones.map((z) => z.name), purpose: zones.map((z) => z.purpose).join('; ') };
  });
  for (const r of extras) {
    if (r.forwardZone && !forwarders.some((f) => f.zone === r.forwardZone)) {
      forwarders.push({ zone: r.forwardZone, targets: [plan.inboundIp], privateZones: [r.forwardZone], purpose: r.purpose });
    }
  }
  const peSubnet = config.network.hub.subnets.privateEndpoints;
  const names: ExpectedName[] = [
    ...plan.privateEndpoints.flatMap((pe) =>
      pe.fqdns.map((f) => ({ fqdn: f.fqdn, ip: f.ip, within: f.ip ? undefined : peSubnet, ports: SERVICE_PORTS[pe.service] ?? [443], purpose: `${pe.service} private endpoint (${pe.subresource})`, note: f.note })),
    ),
    ...extras.map((r) => ({ fqdn: r.fqdn, ip: r.ip, ports: [443], purpose: r.purpose, note: r.ip ? undefined : `the address published for ${r.purpose}` })),
  ];
  return { environment: config.name, location: config.location, plan, forwarders, names, firewall: onPremisesFirewallRules(config), nsgAllows: nsgAllows(config), extraRecords: extras, vpn: vpnHandoff(config) };
}
