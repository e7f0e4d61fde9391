import type { SynthesizedAzure, SynthesizedEndpoint } from './synthesized';

/**
 * The lab's stand-in for Azure DNS (the resolver's inbound endpoint and the VNets' Azure-provided DNS at
 * 168.63.129.16), as one BIND configuration with a view per query context:
 *  - a query to the inbound endpoint is resolved in the context of the resolver's VNet;
 *  - a query to 168.63.129.16 in the context of the asking VM's VNet.
 * In each context a privatelink zone answers with the records its endpoints' zone groups write only when the
 * zone is linked to that VNet (Azure's rule); otherwise the public answer comes back, as in the field outage. A
 * forwarding rule applies only where its ruleset is linked. Built from the synthesized resources only.
 */

export const AZURE_PROVIDED_DNS = '168.63.129.16';

/** Public and private names Azure gives an endpoint member (learn.microsoft.com/azure/private-link/private-endpoint-dns). */
const NAMING: Record<string, { publicSuffix: string; privateSuffix: string }> = {
  vault: { publicSuffix: 'vault.azure.net', privateSuffix: 'privatelink.vaultcore.azure.net' },
  blob: { publicSuffix: 'blob.core.windows.net', privateSuffix: 'privatelink.blob.core.windows.net' },
  postgresqlServer: { publicSuffix: 'postgres.database.azure.com', privateSuffix: 'privatelink.postgres.database.azure.com' },
  registry: { publicSuffix: 'azurecr.io', privateSuffix: 'privatelink.azurecr.io' },
};

export interface EndpointName {
  /** The name clients ask for. */
  readonly publicFqdn: string;
  /** The privatelink name the public one is a CNAME to. */
  readonly privateFqdn: string;
  readonly ip: string;
  readonly endpoint: string;
}

/** Every name an endpoint with static addresses answers for (dynamic endpoints such as Site Recovery have none at synth). */
export function endpointNames(e: SynthesizedEndpoint): EndpointName[] {
  const n = NAMING[e.subresource];
  if (!n) return [];
  return e.members.map((m) => {
    const data = /^registry_data_(.+)$/.exec(m.memberName);
    const host = data ? `${e.resourceName}.${data[1]}.data` : e.resourceName;
    return { publicFqdn: `${host}.${n.publicSuffix}`, privateFqdn: `${host}.${n.privateSuffix}`, ip: m.ip, endpoint: e.name };
  });
}

/** A clearly public (documentation-range) address per name: what Azure public DNS would return. */
export const publicAddress = (i: number) => `192.0.2.${100 + i}`;

export interface AzureDnsFiles {
  readonly namedConf: string;
  /** File name -> content, in the named working directory. */
  readonly zoneFiles: Record<string, string>;
  readonly names: EndpointName[];
}

const zoneFile = (origin: string, records: ReadonlyArray<string>) =>
  [`$ORIGIN ${origin}.`, '$TTL 10', `@ IN SOA ns.${origin}. hostmaster.${origin}. 1 60 60 600 10`, `@ IN NS ns.${origin}.`, `ns IN A 127.0.0.1`, ...records, ''].join('\n');

const relative = (fqdn: string, zone: string) => fqdn.slice(0, -(zone.length + 1));

/**
 * named.conf + zone files. `workdir` is named's directory; `outboundIp` is the address forwarded queries leave
 * from (the outbound endpoint). One view for the inbound endpoint, one per VNet for Azure-provided DNS.
 */
export function azureDns(az: SynthesizedAzure, workdir: string, outboundIp: string): AzureDnsFiles {
  const names = az.endpoints.flatMap(endpointNames);
  const zoneFiles: Record<string, string> = { 'root.hints': '. 60 IN NS root.lab.\nroot.lab. 60 IN A 127.0.0.2\n' };
  // The public internet's view of the endpoints: public name -> privatelink name (CNAME), privatelink name -> public address.
  const publicZones = [...new Set(names.map((n) => NAMING[Object.keys(NAMING).find((k) => n.publicFqdn.endsWith(`.${NAMING[k]!.publicSuffix}`))!]!.publicSuffix))];
  for (const z of publicZones) {
    zoneFiles[`public.${z}`] = zoneFile(z, names.filter((n) => n.publicFqdn.endsWith(`.${z}`)).map((n) => `${relative(n.publicFqdn, z)} IN CNAME ${n.privateFqdn}.`));
  }
  for (const z of az.zones) {
    const inZone = names.filter((n) => n.privateFqdn.endsWith(`.${z.name}`) && !az.zones.some((o) => o.name.length > z.name.length && o.name.endsWith(z.name) && n.privateFqdn.endsWith(`.${o.name}`)));
    zoneFiles[`public.${z.name}`] = zoneFile(z.name, inZone.map((n) => `${relative(n.privateFqdn, z.name)} IN A ${publicAddress(names.indexOf(n))}`));
    // The records a zone group writes: only into the zones its group references.
    const written = inZone.filter((n) => az.endpoints.find((e) => e.name === n.endpoint)?.zoneGroupZones.includes(z.name));
    zoneFiles[`private.${z.name}`] = zoneFile(z.name, [
      ...written.map((n) => `${relative(n.privateFqdn, z.name)} IN A ${n.ip}`),
      ...z.records.flatMap((r) => r.ips.map((ip) => `${r.name === '@' ? '@' : r.name} IN A ${ip}`)),
    ]);
  }
  const view = (name: string, vnet: string, match: string[]) => {
    const zones = [
      `    zone "." { type hint; file "root.hints"; };`,
      ...publicZones.map((z) => `    zone "${z}" { type primary; file "public.${z}"; };`),
      ...az.zones.map((z) => `    zone "${z.name}" { type primary; file "${z.linkedVnets.includes(vnet) ? 'private' : 'public'}.${z.name}"; };  // ${z.linkedVnets.includes(vnet) ? 'linked to' : 'NOT linked to'} ${vnet}`),
      ...az.rules.filter((r) => r.linkedVnets.includes(vnet)).map((r) => `    zone "${r.domain}" { type forward; forward only; forwarders { ${r.targets.map((t) => `${t};`).join(' ')} }; };`),
    ];
    return [`  view "${name}" {`, ...match.map((m) => `    ${m}`), `    query-source address ${outboundIp};`, ...zones, '  };'];
  };
  const namedConf = [
    '// Lab stand-in for Azure DNS: generated from the synthesized stacks by lab/azure-dns.ts.',
    'options {',
    `  directory "${workdir}";`,
    `  pid-file "${workdir}/named.pid";`,
    `  listen-on { ${az.resolver.inboundIp}; ${AZURE_PROVIDED_DNS}; };`,
    '  listen-on-v6 { none; };',
    '  recursion yes;',
    '  allow-recursion { any; };',
    '  allow-query { any; };',
    '  dnssec-validation no;',
    '  max-cache-ttl 5;',
    '  max-ncache-ttl 5;',
    '};',
    'controls { };',
    '',
    ...view('inbound-endpoint', az.resolver.vnet, [`match-destinations { ${az.resolver.inboundIp}; };`]),
    ...az.vnets.flatMap((v) => view(`azure-dns-${v.name}`, v.name, [`match-clients { ${v.addressSpace.map((s) => `${s};`).join(' ')} };`, `match-destinations { ${AZURE_PROVIDED_DNS}; };`])),
    '',
  ].join('\n');
  return { namedConf, zoneFiles, names };
}
