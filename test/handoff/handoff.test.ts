/** The on-premises handoff, written to disk and parsed back: every enabled zone and every rule must be covered. */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { dnsPlan } from '../../config/dns-plan';
import { nsgAllows, onPremisesFirewallRules } from '../../config/traffic-plan';
import { HANDOFF_FILES, registerHandoffRecords, writeHandoff } from '../../handoff';
import { parseTables } from '../../handoff/markdown';
import { testConfig } from '../dns/fixtures';

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-'));
const prodConfig = testConfig('prod');
const devConfig = testConfig('dev');
// A registered source (what other work does at module load) and an explicit one (the third argument).
registerHandoffRecords((config) => [{ fqdn: `grafana.${config.name}.hyb.internal`, forwardZone: `${config.name}.hyb.internal`, purpose: 'Grafana ingress (registered source)' }]);
const written = writeHandoff(outdir, [
  { file: 'dev.yaml', config: devConfig, warnings: [] },
  { file: 'prod.yaml', config: prodConfig, warnings: [] },
], [(config) => [{ fqdn: `argocd.${config.name}.hyb.internal`, ip: '10.20.0.250', forwardZone: `${config.name}.hyb.internal`, purpose: 'Argo CD ingress (extension point)' }]]);
const read = (env: string, key: keyof typeof HANDOFF_FILES) => fs.readFileSync(path.join(outdir, 'handoff', env, HANDOFF_FILES[key]), 'utf8');
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

const PUBLIC_ZONES_PROD = ['vault.azure.net', 'vaultcore.azure.net', 'siterecovery.windowsazure.com', 'blob.core.windows.net', 'prod.migration.windowsazure.com', 'we.backup.windowsazure.com', 'queue.core.windows.net', 'postgres.database.azure.com', 'azurecr.io', 'prod.hyb.internal'];

describe('files', () => {
  it('writes every file for every environment under handoff/<env>/', () => {
    expect(written).toHaveLength(2 * Object.keys(HANDOFF_FILES).length);
    for (const env of ['dev', 'prod']) for (const file of Object.values(HANDOFF_FILES)) expect(fs.existsSync(path.join(outdir, 'handoff', env, file))).toBe(true);
  });
});

describe('conditional forwarders', () => {
  const plan = dnsPlan(prodConfig);
  it('table: each public zone to the inbound endpoint, covering every enabled private zone', () => {
    const [rows] = parseTables(read('prod', 'forwarders'));
    const [header, ...body] = rows!;
    expect(header![0]).toMatch(/Public zone/);
    expect(body.map((r) => r[0]).sort()).toEqual([...PUBLIC_ZONES_PROD].sort());
    for (const r of body) expect(r[1]).toBe('10.100.0.68');
    const covered = new Set(body.flatMap((r) => r[2]!.split(', ')));
    for (const zone of plan.zones) expect(covered).toContain(zone.name);
  });

  it('Windows DNS PowerShell: Add-DnsServerConditionalForwarderZone for each public zone, to the inbound IP', () => {
    const ps1 = read('prod', 'powershell');
    expect(ps1).toContain("$InboundEndpoint = @('10.100.0.68')");
    expect(ps1).toMatch(/Add-DnsServerConditionalForwarderZone -Name \$Zone -MasterServers \$InboundEndpoint -ReplicationScope \$ReplicationScope/);
    const zones = [...ps1.matchAll(/^Set-PrivateLinkForwarder '([^']+)'/gm)].map((m) => m[1]);
    expect(zones.sort()).toEqual([...PUBLIC_ZONES_PROD].sort());
  });

  it('BIND: a forward-only zone per public zone, accepted by named-checkconf', () => {
    const conf = read('prod', 'bind');
    const zones = [...conf.matchAll(/zone "([^"]+)" \{\s*type forward;\s*forward only;\s*forwarders \{ ([^}]*)\};\s*\};/g)].map((m) => [m[1], m[2]!.trim()]);
    expect(zones.map(([z]) => z).sort()).toEqual([...PUBLIC_ZONES_PROD].sort());
    for (const [, targets] of zones) expect(targets).toBe('10.100.0.68;');
    // A real third-party check of the syntax (bind9-utils); fails the test if the file is not valid named.conf.
    execFileSync('named-checkconf', [path.join(outdir, 'handoff', 'prod', HANDOFF_FILES.bind)], { stdio: 'pipe' });
  });
});

describe.each([['dev', devConfig], ['prod', prodConfig]] as const)('%s: complete coverage', (env, config) => {
  it('forwards a public zone for every enabled private zone, in all three forms', () => {
    const rows = parseTables(read(env, 'forwarders'))[0]!.slice(1);
    const covered = new Set(rows.flatMap((r) => r[2]!.split(', ')));
    for (const zone of dnsPlan(config).zones) expect(covered).toContain(zone.name);
    const ps1 = [...read(env, 'powershell').matchAll(/^Set-PrivateLinkForwarder '([^']+)'/gm)].map((m) => m[1]);
    const bind = [...read(env, 'bind').matchAll(/^zone "([^"]+)"/gm)].map((m) => m[1]);
    expect(ps1).toEqual(rows.map((r) => r[0]));
    expect(bind).toEqual(rows.map((r) => r[0]));
  });

  it('lists every on-premises firewall rule and every NSG allow of the plan', () => {
    const [onPrem, azure] = parseTables(read(env, 'firewall'));
    expect(onPrem!.slice(1)).toEqual(onPremisesFirewallRules(config).map((r) => [r.source, r.destination, r.protocol, r.ports, r.purpose]));
    expect(azure!.slice(1).map((r) => r[1])).toEqual(nsgAllows(config).map((a) => a.name));
  });
});

describe('hosts-file fallback', () => {
  it('is marked as last resort with the reasons, and lists every name with a known address', () => {
    const hosts = read('dev', 'hosts');
    expect(hosts).toMatch(/LAST RESORT ONLY/);
    expect(hosts).toMatch(/per machine/);
    expect(hosts).toMatch(/never follow changes/);
    const entries = hosts.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(/\s+/));
    expect(entries).toEqual(
      expect.arrayContaining([
        ['10.10.1.254', 'kv-hyb-dev-d7k2.vault.azure.net'],
        ['10.10.1.253', 'sthybdevasrd7k2.blob.core.windows.net'],
        ['10.10.1.252', 'psql-hyb-dev-d7k2.postgres.database.azure.com'],
        ['10.10.1.251', 'crhybdevd7k2.azurecr.io'],
        ['10.10.1.250', 'crhybdevd7k2.westeurope.data.azurecr.io'],
        ['10.20.0.250', 'argocd.dev.hyb.internal'],
      ]),
    );
    expect(hosts).toMatch(/# \(no fixed address at synth\) <vault-id>-asr-pod01/);
  });
});

describe('firewall rules', () => {
  const [rules] = parseTables(read('prod', 'firewall'));
  const body = rules!.slice(1);
  const row = (ports: string, destination?: string) => body.filter((r) => r[3] === ports && (!destination || r[1] === destination));
  it('covers IKE/IPsec to the gateway, DNS 53 to the resolver, 443 / 9443 / 20004 for Site Recovery', () => {
    expect(row('500, 4500')[0]).toEqual(['198.51.100.20', expect.stringMatching(/VPN gateway public IP/), 'UDP', '500, 4500', expect.any(String)]);
    expect(row('53', '10.100.0.68').map((r) => r[0])).toEqual(['192.168.10.10', '192.168.10.11']);
    expect(row('53', '10.100.0.68').every((r) => r[2] === 'UDP/TCP')).toBe(true);
    expect(row('443', '192.168.20.10')[0]![0]).toBe('192.168.30.0/24, 172.16.4.0/24');
    expect(row('9443', '192.168.20.10')[0]![4]).toMatch(/replication data/);
    expect(row('20004')).toHaveLength(1);
    expect(row('443', '10.100.1.0/24')[0]![0]).toBe('192.168.20.10');
  });
  it('omits 20004 when multi-VM consistency is off (dev)', () => {
    expect(parseTables(read('dev', 'firewall'))[0]!.some((r) => r[3] === '20004')).toBe(false);
  });
});

describe('post-cut-over runbook', () => {
  const md = read('dev', 'runbook');
  const tables = parseTables(md);
  it('lists nslookup against the inbound endpoint with the expected private address for every name', () => {
    const nslookups = tables[0]!.slice(1);
    expect(nslookups).toEqual(expect.arrayContaining([['nslookup kv-hyb-dev-d7k2.vault.azure.net 10.10.0.36', 'Address: 10.10.1.254'], ['nslookup argocd.dev.hyb.internal 10.10.0.36', 'Address: 10.20.0.250']]));
    expect(nslookups.find((r) => r[0]!.includes('asr-pod01'))![1]).toBe('an address in 10.10.1.0/24');
  });
  it('checks the ports: Test-NetConnection / nc on 443 and 5432, 9443 to the process server', () => {
    const cells = tables.flat(2);
    expect(cells).toEqual(expect.arrayContaining([
      'Test-NetConnection psql-hyb-dev-d7k2.postgres.database.azure.com -Port 5432',
      'nc -vz kv-hyb-dev-d7k2.vault.azure.net 443',
      'Test-NetConnection 192.168.20.10 -Port 9443',
      'ss -tuna | grep 9443',
    ]));
  });
});

describe('extension point', () => {
  it('adds registered and explicit records to the runbook, the hosts fallback and the forwarders (one forwarder per zone)', () => {
    const runbookCells = parseTables(read('prod', 'runbook')).flat(2);
    expect(runbookCells).toEqual(expect.arrayContaining(['nslookup grafana.prod.hyb.internal 10.100.0.68', 'nslookup argocd.prod.hyb.internal 10.100.0.68']));
    expect(read('prod', 'hosts')).toMatch(/^10\.20\.0\.250\s+argocd\.prod\.hyb\.internal$/m);
    const forwarded = parseTables(read('prod', 'forwarders'))[0]!.map((r) => r[0]);
    expect(forwarded.filter((z) => z === 'prod.hyb.internal')).toHaveLength(1);
  });
});

describe('machine-readable plan', () => {
  it('parses and carries the resolver VNet, zones and links the policy pack can cross-check', () => {
    const json = JSON.parse(read('prod', 'json'));
    expect(json.plan).toMatchObject({ resolverVnet: 'hub', inboundIp: '10.100.0.68', zoneLinks: ['hub', 'cluster'] });
    expect(json.plan.zones.map((z: any) => z.name)).toContain('privatelink.we.backup.windowsazure.com');
  });
});
