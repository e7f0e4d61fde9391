import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkStacks, checkSynthOutput, defaultPacks, formatFindingsTable, hasBlockingFindings, runPolicy, type RulePack } from '../../policy';
import { compliant, stack } from './fixtures';

function writeOutdir(stacks: Record<string, unknown>): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-'));
  for (const [id, json] of Object.entries(stacks)) {
    fs.mkdirSync(path.join(outdir, 'stacks', id), { recursive: true });
    fs.writeFileSync(path.join(outdir, 'stacks', id, 'cdk.tf.json'), JSON.stringify(json));
  }
  return outdir;
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('checkSynthOutput (the npm run synth step)', () => {
  test('passes on compliant stacks, prints the one-line summary and writes the report', () => {
    const outdir = writeOutdir({ 'dev-cluster': stack({ azurerm_managed_disk: { etcd: compliant.disk() } }) });
    dirs.push(outdir);
    const lines: string[] = [];
    expect(checkSynthOutput(outdir, (l) => lines.push(l))).toBe(true);
    expect(lines[0]).toMatch(/^policy: \d+ rules .* over 1 resources in 1 stacks: 0 errors, 0 warnings, 0 suppressed$/);
    expect(fs.existsSync(path.join(outdir, 'policy-report.json'))).toBe(true);
  });

  test('fails on an error finding and prints it as a table row', () => {
    const outdir = writeOutdir({
      'dev-cluster': stack({ azurerm_managed_disk: { etcd: { ...compliant.disk(), network_access_policy: 'AllowAll' } } }),
    });
    dirs.push(outdir);
    const lines: string[] = [];
    expect(checkSynthOutput(outdir, (l) => lines.push(l))).toBe(false);
    const table = lines[0]!;
    expect(table).toMatch(/STATUS\s+RULE\s+STACK\s+ADDRESS\s+MESSAGE/);
    expect(table).toMatch(/error\s+AZ-DSK-002\s+dev-cluster\s+azurerm_managed_disk\.etcd\s+network_access_policy is "AllowAll"/);
    const report = JSON.parse(fs.readFileSync(path.join(outdir, 'policy-report.json'), 'utf8'));
    expect(report.findings).toEqual([
      expect.objectContaining({ ruleId: 'AZ-DSK-002', severity: 'error', stack: 'dev-cluster', address: 'azurerm_managed_disk.etcd', suppressed: false }),
    ]);
  });

  test('runPolicy refuses an outdir without synthesized stacks', () => {
    expect(() => runPolicy(path.join(os.tmpdir(), 'no-such-cdktf-out'))).toThrow(/no synthesized stacks/);
  });
});

describe('severity and evaluation', () => {
  test('warnings are reported but do not block synth', () => {
    const report = checkStacks(new Map([['dev-cluster', stack({ azurerm_managed_disk: { etcd: { ...compliant.disk(), disk_encryption_set_id: undefined } } })]]));
    expect(report.summary).toEqual({ errors: 0, warnings: 1, suppressed: 0 });
    expect(hasBlockingFindings(report)).toBe(false);
    expect(formatFindingsTable(report)).toMatch(/warning\s+AZ-DSK-001/);
  });

  test('unknown findings of error rules block synth', () => {
    const report = checkStacks(new Map([['dev-cluster', stack({ azurerm_managed_disk: { etcd: { ...compliant.disk(), public_network_access_enabled: '${var.public}' } } })]]));
    expect(report.findings).toEqual([expect.objectContaining({ ruleId: 'AZ-DSK-002', status: 'unknown', severity: 'error' })]);
    expect(hasBlockingFindings(report)).toBe(true);
    expect(formatFindingsTable(report)).toMatch(/error \(unknown\)\s+AZ-DSK-002/);
  });

  test('resources with count = 0 are never created and not checked; an unknown count is checked', () => {
    const disk = { ...compliant.disk(), public_network_access_enabled: true };
    const skipped = checkStacks(new Map([['dev-cluster', stack({ azurerm_managed_disk: { etcd: { ...disk, count: 0 } } })]]));
    expect(skipped.findings).toEqual([]);
    const checked = checkStacks(new Map([['dev-cluster', stack({ azurerm_managed_disk: { etcd: { ...disk, count: '${var.n}' } } })]]));
    expect(checked.findings.map((f) => f.ruleId)).toEqual(['AZ-DSK-002']);
  });

  test('a rule that throws is reported, never silently compliant', () => {
    const crashing: RulePack = {
      name: 'test',
      description: 'crashes',
      rules: [
        {
          id: 'T-001',
          severity: 'error',
          title: 't',
          explanation: 'e',
          remediation: 'r',
          appliesTo: ['azurerm_key_vault'],
          check: () => {
            throw new Error('boom');
          },
        },
      ],
    };
    const report = checkStacks(new Map([['dev-services', stack({ azurerm_key_vault: { kv: compliant.keyVault() } })]]), [crashing]);
    expect(report.findings).toEqual([expect.objectContaining({ ruleId: 'T-001', status: 'unknown', message: 'rule failed to evaluate: boom' })]);
  });

  test('rule ids are unique and every rule documents itself', () => {
    const rules = defaultPacks.flatMap((p) => p.rules);
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
    for (const r of rules) {
      expect(r.id).toMatch(/^(AZ-[A-Z]+|HN)-\d{3}$/);
      for (const text of [r.title, r.explanation, r.remediation]) expect(text.length).toBeGreaterThan(10);
      for (const id of r.checkov ?? []) expect(id).toMatch(/^CKV2?_AZURE_\d+$/);
    }
  });

  test('docs/policy.md lists every rule id', () => {
    const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'policy.md'), 'utf8');
    for (const r of defaultPacks.flatMap((p) => p.rules)) expect(doc).toContain(r.id);
  });
});
