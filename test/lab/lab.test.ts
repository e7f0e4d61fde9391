/**
 * The hybrid lab end to end (root, Linux network namespaces; CI is root): the shipped dev and prod handoffs
 * pass every runbook check across a real strongSwan tunnel, and the Azure DNS stand-in follows Azure's zone-link
 * rule. If this machine cannot run the lab, the test fails and says why (it never skips).
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { azureDns } from '../../lab/azure-dns';
import { resultTable } from '../../lab/checks';
import { runLab } from '../../lab/lab';
import { labPrerequisites, NetnsLab, sweepStale } from '../../lab/netns';
import { readSynthesizedAzure } from '../../lab/synthesized';
import { labSynth } from '../../lab/synth';

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-test-'));
const labNamespaces = () => { try { return fs.readdirSync('/run/netns').filter((n) => n.startsWith(`hl-${process.pid.toString(36)}-`)); } catch { return []; } };

beforeAll(() => {
  const why = labPrerequisites();
  if (why) throw new Error(`the hybrid lab cannot run on this machine: ${why}`);
  sweepStale(); // namespaces of an earlier run that was killed
  labSynth({ outdir, envs: ['dev', 'prod'] });
});
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

describe('Azure DNS stand-in (from the synthesized zones, links and zone groups)', () => {
  it('serves the private zone only in the contexts of VNets it is linked to, the public answer elsewhere', () => {
    const az = readSynthesizedAzure(outdir, 'dev');
    const unlinked = { ...az, zones: az.zones.map((z) => (z.name === 'privatelink.vaultcore.azure.net' ? { ...z, linkedVnets: ['vnet-hyb-dev-cluster'] } : z)) };
    const conf = azureDns(unlinked, '/tmp/x', '10.10.0.52').namedConf;
    const inbound = conf.slice(conf.indexOf('view "inbound-endpoint"'), conf.indexOf('view "azure-dns-'));
    expect(inbound).toMatch(/zone "privatelink\.vaultcore\.azure\.net" \{ type primary; file "public\.privatelink\.vaultcore\.azure\.net"; \};/);
    expect(inbound).toMatch(/zone "privatelink\.blob\.core\.windows\.net" \{ type primary; file "private\./);
    // The forwarding ruleset is linked to the spoke only (not the resolver VNet): no forward zone in the inbound view.
    expect(inbound).not.toMatch(/corp\.example\.com/);
    expect(conf).toMatch(/view "azure-dns-vnet-hyb-dev-cluster"[\s\S]*zone "corp\.example\.com" \{ type forward; forward only; forwarders \{ 192\.168\.10\.10; 192\.168\.10\.11; \}/);
    const files = azureDns(az, '/tmp/x', '10.10.0.52').zoneFiles;
    expect(files['private.privatelink.vaultcore.azure.net']).toMatch(/^kv-hyb-dev-d7k2 IN A 10\.10\.1\.254$/m);
    expect(files['public.vault.azure.net']).toMatch(/^kv-hyb-dev-d7k2 IN CNAME kv-hyb-dev-d7k2\.privatelink\.vaultcore\.azure\.net\.$/m);
  });
});

describe.each(['dev', 'prod'])('lab %s with the shipped configuration', (env) => {
  it('passes every runbook check; the lab leaves no namespace behind', async () => {
    const result = await runLab({ outdir, env });
    const table = resultTable(result.results);
    expect({ env, failed: result.results.filter((r) => !r.pass).map((r) => `${r.id}: ${r.observed}`) }).toEqual({ env, failed: [] });
    // Every kind of check ran: tunnel, resolver, on-premises DNS, 443 to endpoints, 9443, the outbound path.
    for (const kind of ['tunnel', 'resolver:', 'dns:', 'tcp443:', 'tcp9443:', 'outbound:']) expect(result.results.some((r) => r.id.startsWith(kind))).toBe(true);
    expect(table).toMatch(/PASS/);
    expect(labNamespaces()).toEqual([]);
  });
});

it('cleans up when a run fails half-way (namespaces, /etc/netns overlays)', async () => {
  await expect(runLab({ outdir, env: 'dev', onPremises: { devicePolicy: () => { throw new Error('boom'); } } })).rejects.toThrow('boom');
  expect(labNamespaces()).toEqual([]);
  const overlays = fs.existsSync('/etc/netns') ? fs.readdirSync('/etc/netns').filter((n) => n.startsWith(`hl-${process.pid.toString(36)}-`)) : [];
  expect(overlays).toEqual([]);
});

describe('hygiene', () => {
  it('refuses a lab whose namespace has a link to the host namespace (nothing may route out)', () => {
    const lab = new NetnsLab();
    try {
      lab.addNamespace('x');
      // One end in the host namespace: exactly what the lab never does.
      execFileSync('ip', ['link', 'add', `hx${lab.id.replace(/-/g, '')}`.slice(0, 15), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', lab.ns('x')]);
      expect(() => lab.assertIsolated()).toThrow(/outside the lab|host namespace/);
    } finally {
      lab.cleanup();
    }
    expect(labNamespaces()).toEqual([]);
  });
  it('removes namespaces and /etc/netns overlays left by a run whose process died', () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const ns = `hl-${dead.toString(36)}-dead-client`;
    execFileSync('ip', ['netns', 'add', ns]);
    fs.mkdirSync(`/etc/netns/${ns}`, { recursive: true });
    expect(sweepStale()).toContain(ns);
    expect(fs.existsSync(`/run/netns/${ns}`)).toBe(false);
    expect(fs.existsSync(`/etc/netns/${ns}`)).toBe(false);
  });
});
