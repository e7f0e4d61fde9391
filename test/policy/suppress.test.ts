import * as fs from 'node:fs';
import * as path from 'node:path';
import { TerraformStack, Testing } from 'cdktf';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { NetworkInterface } from '@cdktf/provider-azurerm/lib/network-interface';
import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account';
import { formatFindingsTable, REPORT_FILE, runPolicy, suppress, writeReport } from '../../policy';

const REASON = 'router appliance: forwards on-premises traffic into the spoke';
const outdirs: string[] = [];
afterAll(() => outdirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A tiny real stack: one NIC with IP forwarding (AZ-NIC-002) and one non-compliant storage account. */
function synthStack(configure: (nic: NetworkInterface, sa: StorageAccount) => void): { outdir: string; json: any } {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'dev-test');
  new AzurermProvider(stack, 'azurerm', { features: [{}] });
  const nic = new NetworkInterface(stack, 'router-nic', {
    name: 'nic-router',
    location: 'westeurope',
    resourceGroupName: 'rg',
    ipForwardingEnabled: true,
    ipConfiguration: [{ name: 'ip', subnetId: '/subscriptions/0/x', privateIpAddressAllocation: 'Dynamic' }],
  });
  const sa = new StorageAccount(stack, 'cache', {
    name: 'stcache',
    location: 'westeurope',
    resourceGroupName: 'rg',
    accountTier: 'Standard',
    accountReplicationType: 'LRS',
  });
  configure(nic, sa);
  app.synth();
  outdirs.push(app.outdir);
  const json = JSON.parse(fs.readFileSync(path.join(app.outdir, 'stacks', 'dev-test', 'cdk.tf.json'), 'utf8'));
  return { outdir: app.outdir, json };
}

describe('suppress()', () => {
  test('rejects a suppression without a reason, or with a reason under 10 characters', () => {
    synthStack((nic) => {
      expect(() => suppress(nic, 'AZ-NIC-002', '')).toThrow(/reason of at least 10 characters is required/);
      expect(() => suppress(nic, 'AZ-NIC-002', 'ok        ')).toThrow(/at least 10 characters.*got "ok        "/);
      expect(() => suppress(nic, 'AZ-NIC-002', undefined as unknown as string)).toThrow(/dev-test\/router-nic/);
    });
  });

  test('rejects an unknown rule id', () => {
    synthStack((nic) => {
      expect(() => suppress(nic, 'AZ-NIC-999', REASON)).toThrow(/unknown rule id 'AZ-NIC-999'/);
    });
  });

  test('writes checkov skip metadata next to cdktf metadata, and the report lists the suppression with its reason', () => {
    const { outdir, json } = synthStack((nic) => suppress(nic, 'AZ-NIC-002', REASON));
    const meta = json.resource.azurerm_network_interface['router-nic']['//'];
    expect(meta.checkov.skip).toEqual([
      { id: 'AZ-NIC-002', comment: REASON },
      { id: 'CKV_AZURE_118', comment: REASON },
    ]);
    expect(meta.metadata).toEqual(expect.objectContaining({ path: 'dev-test/router-nic' }));

    const report = runPolicy(outdir);
    const finding = report.findings.find((f) => f.ruleId === 'AZ-NIC-002');
    expect(finding).toEqual(expect.objectContaining({ address: 'azurerm_network_interface.router-nic', suppressed: true, reason: REASON }));
    expect(formatFindingsTable(report)).toMatch(/suppressed\s+AZ-NIC-002.*\[reason: router appliance/);

    const file = writeReport(report, outdir);
    expect(path.basename(file)).toBe(REPORT_FILE);
    const written = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(written.findings).toContainEqual(
      expect.objectContaining({ ruleId: 'AZ-NIC-002', severity: 'error', stack: 'dev-test', address: 'azurerm_network_interface.router-nic', suppressed: true, reason: REASON }),
    );
    // The storage account is not suppressed: its findings still count as errors.
    expect(written.findings).toContainEqual(expect.objectContaining({ ruleId: 'AZ-STG-003', suppressed: false, message: expect.any(String) }));
    expect(written.summary.errors).toBeGreaterThan(0);
  });

  test('merges with existing skips (repeated calls, hand-written overrides) instead of clobbering them', () => {
    const { json } = synthStack((nic, sa) => {
      nic.addOverride('//.checkov.skip', [{ id: 'CKV_AZURE_119', comment: 'added by hand for checkov users' }]);
      suppress(nic, 'AZ-NIC-002', REASON);
      suppress(sa, 'AZ-STG-002', 'legacy client pinned to TLS 1.1 until 2027-01');
      suppress(sa, 'AZ-STG-003', 'public endpoint needed for the bootstrap script');
    });
    expect(json.resource.azurerm_network_interface['router-nic']['//'].checkov.skip.map((s: { id: string }) => s.id)).toEqual([
      'CKV_AZURE_119',
      'AZ-NIC-002',
      'CKV_AZURE_118',
    ]);
    expect(json.resource.azurerm_storage_account.cache['//'].checkov.skip.map((s: { id: string }) => s.id)).toEqual([
      'AZ-STG-002',
      'CKV_AZURE_44',
      'AZ-STG-003',
      'CKV_AZURE_59',
    ]);
  });

  test('a checkov id written by hand suppresses the equivalent rule', () => {
    const { outdir } = synthStack((nic) => nic.addOverride('//.checkov.skip', [{ id: 'CKV_AZURE_118', comment: 'declared router, see docs/network.md' }]));
    const finding = runPolicy(outdir).findings.find((f) => f.ruleId === 'AZ-NIC-002');
    expect(finding).toEqual(expect.objectContaining({ suppressed: true, reason: 'declared router, see docs/network.md' }));
  });

  test('a hand-written skip without a reason suppresses nothing and is itself an error finding', () => {
    const { outdir } = synthStack((nic) => nic.addOverride('//.checkov.skip', [{ id: 'AZ-NIC-002', comment: 'ok' }]));
    const report = runPolicy(outdir);
    expect(report.findings).toContainEqual(expect.objectContaining({ ruleId: 'AZ-NIC-002', status: 'invalid-suppression', severity: 'error', suppressed: false }));
    expect(report.findings).toContainEqual(expect.objectContaining({ ruleId: 'AZ-NIC-002', status: 'fail', suppressed: false }));
  });
});
