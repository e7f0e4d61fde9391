import * as fs from 'fs';
import * as path from 'path';

/**
 * The Azure side of one environment as synthesized: read from cdktf.out/stacks/<env>-*\/cdk.tf.json (whatever
 * stack a resource lives in), cross-stack references followed through the producing stack's outputs. Only what the
 * lab's stand-ins need: gateway connection and local network gateway, VNets, resolver, zones and their links,
 * forwarding rulesets and their links, private endpoints with static addresses and zone groups.
 */

type Json = Record<string, any>;
interface Resource { readonly type: string; readonly key: string; readonly stack: string; readonly body: Json }

export interface SynthesizedVnet { readonly key: string; readonly name: string; readonly addressSpace: string[] }
export interface SynthesizedZone {
  readonly key: string;
  readonly name: string;
  readonly linkedVnets: string[];
  /** A records declared as resources (e.g. the cluster's ingress names); endpoint records come from zone groups. */
  readonly records: ReadonlyArray<{ readonly name: string; readonly ips: string[] }>;
}
export interface SynthesizedEndpoint {
  readonly name: string;
  /** Name of the resource behind it (Key Vault, storage account, server, registry). */
  readonly resourceName: string;
  readonly subresource: string;
  readonly members: ReadonlyArray<{ readonly memberName: string; readonly ip: string }>;
  /** Zones of its DNS zone group (names). */
  readonly zoneGroupZones: string[];
}
export interface SynthesizedIpsecPolicy {
  readonly ikeEncryption: string; readonly ikeIntegrity: string; readonly dhGroup: string;
  readonly ipsecEncryption: string; readonly ipsecIntegrity: string; readonly pfsGroup: string;
  readonly saLifetimeSeconds: number; readonly saDataSizeKilobytes: number;
}
export interface SynthesizedAzure {
  readonly environment: string;
  readonly location: string;
  readonly vnets: SynthesizedVnet[];
  readonly gateway: {
    readonly connectionProtocol: 'IKEv2' | 'IKEv1';
    readonly dpdTimeoutSeconds: number;
    readonly policy: SynthesizedIpsecPolicy;
    readonly gatewaySubnet: string;
    readonly instances: number;
    readonly bgp?: { readonly asn: number; readonly peers: string[]; readonly remoteAsn: number; readonly remotePeer: string };
  };
  readonly localNetworkGateway: { readonly address: string; readonly addressSpace: string[] };
  readonly resolver: { readonly vnet: string; readonly inboundIp: string; readonly outboundSubnet: string };
  readonly zones: SynthesizedZone[];
  /** Forwarding rules with the VNets their ruleset is linked to. */
  readonly rules: ReadonlyArray<{ readonly domain: string; readonly targets: string[]; readonly linkedVnets: string[] }>;
  readonly endpoints: SynthesizedEndpoint[];
}

const REF = /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_.-]+?)\.([a-z_]+)\}$/;
const REMOTE = /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)\}$/;

export function readSynthesizedAzure(outdir: string, env: string): SynthesizedAzure {
  const stacksDir = path.join(outdir, 'stacks');
  if (!fs.existsSync(stacksDir)) throw new Error(`${stacksDir} does not exist: run \`npm run synth\` first`);
  const stacks = fs.readdirSync(stacksDir).filter((s) => s.startsWith(`${env}-`));
  if (stacks.length === 0) throw new Error(`no synthesized stacks for environment "${env}" in ${stacksDir} (have: ${fs.readdirSync(stacksDir).join(', ')})`);
  const docs: Record<string, Json> = {};
  for (const s of stacks) docs[s] = JSON.parse(fs.readFileSync(path.join(stacksDir, s, 'cdk.tf.json'), 'utf8'));
  const resources: Resource[] = Object.entries(docs).flatMap(([stack, doc]) =>
    Object.entries((doc.resource ?? {}) as Record<string, Record<string, Json>>).flatMap(([type, byKey]) => Object.entries(byKey).map(([key, body]) => ({ type, key, stack, body }))),
  );
  const ofType = (type: string) => resources.filter((r) => r.type === type);
  const one = (type: string) => {
    const all = ofType(type);
    if (all.length !== 1) throw new Error(`${env}: expected exactly one ${type}, found ${all.length}`);
    return all[0]!;
  };
  /** The resource a `${type.key.attr}` expression (or a cross-stack output holding one) points at. */
  const target = (expr: string, stack: string): Resource => {
    const remote = REMOTE.exec(expr);
    if (remote) {
      const value = docs[remote[1]!]?.output?.[remote[2]!]?.value;
      if (typeof value !== 'string') throw new Error(`${stack}: unresolvable cross-stack reference ${expr}`);
      return target(value, remote[1]!);
    }
    const m = REF.exec(expr);
    const r = m && resources.find((x) => x.stack === stack && x.type === m[1] && x.key === m[2]);
    if (!r) throw new Error(`${stack}: unresolvable reference ${expr}`);
    return r;
  };

  const vnetRes = ofType('azurerm_virtual_network');
  const vnets = vnetRes.map((r) => ({ key: r.key, name: r.body.name as string, addressSpace: r.body.address_space as string[] }));
  const vnetOf = (expr: string, stack: string) => target(expr, stack).body.name as string;

  const conn = one('azurerm_virtual_network_gateway_connection');
  const gw = target(conn.body.virtual_network_gateway_id, conn.stack);
  const lng = target(conn.body.local_network_gateway_id, conn.stack);
  const p = conn.body.ipsec_policy;
  if (!p) throw new Error(`${env}: the connection has no custom ipsec_policy; the lab needs explicit proposals`);
  const gatewaySubnet = target(gw.body.ip_configuration[0].subnet_id, gw.stack).body.address_prefixes[0] as string;
  const bgp = conn.body.enable_bgp
    ? {
        asn: gw.body.bgp_settings?.asn as number,
        peers: ((gw.body.bgp_settings?.peering_addresses ?? []) as Json[]).flatMap((a) => a.apipa_addresses as string[]),
        remoteAsn: lng.body.bgp_settings?.asn as number,
        remotePeer: lng.body.bgp_settings?.bgp_peering_address as string,
      }
    : undefined;

  const resolver = one('azurerm_private_dns_resolver');
  const inbound = one('azurerm_private_dns_resolver_inbound_endpoint');
  const outbound = one('azurerm_private_dns_resolver_outbound_endpoint');
  const ipConf = Array.isArray(inbound.body.ip_configurations) ? inbound.body.ip_configurations[0] : inbound.body.ip_configurations;

  const links = ofType('azurerm_private_dns_zone_virtual_network_link');
  const zones = ofType('azurerm_private_dns_zone').map((z) => ({
    key: z.key,
    name: z.body.name as string,
    linkedVnets: links.filter((l) => l.stack === z.stack && target(l.body.private_dns_zone_name, l.stack).key === z.key).map((l) => vnetOf(l.body.virtual_network_id, l.stack)),
    records: ofType('azurerm_private_dns_a_record')
      .filter((a) => a.stack === z.stack && target(a.body.zone_name, a.stack).key === z.key)
      .map((a) => ({ name: a.body.name as string, ips: a.body.records as string[] })),
  }));
  const rulesetLinks = ofType('azurerm_private_dns_resolver_virtual_network_link');
  const rules = ofType('azurerm_private_dns_resolver_forwarding_rule').map((r) => {
    const ruleset = target(r.body.dns_forwarding_ruleset_id, r.stack);
    return {
      domain: (r.body.domain_name as string).replace(/\.$/, ''),
      targets: (r.body.target_dns_servers as Json[]).map((t) => t.ip_address as string),
      linkedVnets: rulesetLinks.filter((l) => target(l.body.dns_forwarding_ruleset_id, l.stack).key === ruleset.key).map((l) => vnetOf(l.body.virtual_network_id, l.stack)),
    };
  });
  const endpoints = ofType('azurerm_private_endpoint').map((e) => ({
    name: e.body.name as string,
    resourceName: target(e.body.private_service_connection.private_connection_resource_id, e.stack).body.name as string,
    subresource: (e.body.private_service_connection.subresource_names as string[])[0]!,
    members: ((e.body.ip_configuration ?? []) as Json[]).map((c) => ({ memberName: c.member_name as string, ip: c.private_ip_address as string })),
    zoneGroupZones: ((e.body.private_dns_zone_group?.private_dns_zone_ids ?? []) as string[]).map((id) => target(id, e.stack).body.name as string),
  }));
  return {
    environment: env,
    location: conn.body.location as string,
    vnets,
    gateway: {
      connectionProtocol: conn.body.connection_protocol ?? 'IKEv2',
      dpdTimeoutSeconds: conn.body.dpd_timeout_seconds ?? 45,
      policy: {
        ikeEncryption: p.ike_encryption, ikeIntegrity: p.ike_integrity, dhGroup: p.dh_group,
        ipsecEncryption: p.ipsec_encryption, ipsecIntegrity: p.ipsec_integrity, pfsGroup: p.pfs_group,
        saLifetimeSeconds: p.sa_lifetime, saDataSizeKilobytes: p.sa_datasize,
      },
      gatewaySubnet,
      instances: (gw.body.ip_configuration as Json[]).length,
      ...(bgp ? { bgp } : {}),
    },
    localNetworkGateway: { address: (lng.body.gateway_address ?? lng.body.gateway_fqdn) as string, addressSpace: lng.body.address_space as string[] },
    resolver: {
      vnet: vnetOf(resolver.body.virtual_network_id, resolver.stack),
      inboundIp: ipConf.private_ip_address as string,
      outboundSubnet: target(outbound.body.subnet_id, outbound.stack).body.address_prefixes[0] as string,
    },
    zones,
    rules,
    endpoints,
  };
}
