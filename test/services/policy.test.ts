/**
 * The real app (network, VPN, services) synthesized to disk with cross-stack references resolved, then checked
 * by the policy pack: the hybrid-network rules (zone groups, zones linked to the resolver VNet, resolver in
 * the gateway VNet, static inbound IP) and the Azure baseline for the services must all pass.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdktf';
import { azureBaseline, hybridNetwork, runPolicy } from '../../policy';
import { KeyVaultStack } from '../../stacks/keyvault-stack';
import { NetworkStack } from '../../stacks/network-stack';
import { ServicesStack } from '../../stacks/services-stack';
import { VpnStack } from '../../stacks/vpn-stack';
import { testConfig } from '../dns/fixtures';

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'services-synth-'));
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

beforeAll(() => {
  const app = new App({ outdir });
  for (const config of [testConfig('dev'), testConfig('prod')]) {
    const network = new NetworkStack(app, { config });
    new VpnStack(app, { config, network });
    const keyVault = new KeyVaultStack(app, { config, network });
    new ServicesStack(app, { config, network, keyVault, vpnSharedKey: network.vpnSharedKey.result });
  }
  app.synth();
});

const stackJson = (id: string) => JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', id, 'cdk.tf.json'), 'utf8'));

it('passes the hybrid-network and baseline policy packs with no failing or unknown finding on these stacks', () => {
  const report = runPolicy(outdir, [hybridNetwork, azureBaseline]);
  expect(report.findings.filter((f) => !f.suppressed).map((f) => `${f.ruleId} ${f.status} ${f.stack}/${f.address}: ${f.message}`)).toEqual([]);
  // Not vacuous: the DNS rules were in the packs and their resources were in the stacks.
  expect(report.packs.flatMap((p) => p.rules)).toEqual(expect.arrayContaining(['HN-004', 'HN-005', 'HN-006', 'HN-007']));
  expect(Object.keys(stackJson('prod-services').resource.azurerm_private_endpoint)).toHaveLength(5); // + the Key Vault's in <env>-keyvault
  expect(Object.keys(stackJson('prod-network').resource.azurerm_private_dns_resolver_inbound_endpoint)).toHaveLength(1);
});

it('reads the zones and the endpoint subnet from <env>-network through remote state', () => {
  const services = stackJson('dev-services');
  expect(Object.keys(services.data.terraform_remote_state)).toEqual(expect.arrayContaining([expect.stringContaining('dev-network')]));
  const pe = Object.values<any>(services.resource.azurerm_private_endpoint)[0];
  expect(pe.private_dns_zone_group.private_dns_zone_ids[0]).toMatch(/terraform_remote_state/);
});

it('receives the VPN shared key from <env>-network (not <env>-vpn) as a sensitive output only', () => {
  const network = stackJson('dev-network');
  const crossStack = Object.entries<any>(network.output).filter(([name, o]) => name.startsWith('cross-stack-output') && String(o.value).includes('shared-key'));
  expect(crossStack.length).toBe(1);
  expect(crossStack[0]![1].sensitive).toBe(true);
  expect(Object.keys(stackJson('dev-services').data.terraform_remote_state).join(' ')).not.toMatch(/vpn/);
});
