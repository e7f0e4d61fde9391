import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { addressPlan, resourceCounts, stackSummary } from '../../scripts/summary';
import { parseEnvironment } from '../../config';
import { rawEnvironment } from '../helpers/env';

describe('synth summary', () => {
  test('counts resources by type, most frequent first', () => {
    expect(resourceCounts({ resource: { azurerm_subnet: { a: {}, b: {} }, azurerm_virtual_network: { v: {} } } })).toEqual({ azurerm_subnet: 2, azurerm_virtual_network: 1 });
  });

  test('prints one line per stack with its total', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'summary-'));
    fs.mkdirSync(path.join(outdir, 'stacks', 'dev-network'), { recursive: true });
    fs.writeFileSync(path.join(outdir, 'stacks', 'dev-network', 'cdk.tf.json'), JSON.stringify({ resource: { azurerm_subnet: { a: {}, b: {} } } }));
    const text = stackSummary(outdir);
    expect(text).toMatch(/stack\s+resources\s+by type/);
    expect(text).toMatch(/dev-network\s+2\s+subnet 2$/m);
    fs.writeFileSync(
      path.join(outdir, 'stacks', 'dev-network', 'cdk.tf.json'),
      JSON.stringify({ resource: Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((t, i) => [`azurerm_${t}`, Object.fromEntries(Array.from({ length: 7 - i }, (_, k) => [`r${k}`, {}]))])) }),
    );
    expect(stackSummary(outdir)).toMatch(/dev-network\s+28\s+a 7, b 6, c 5, d 4, e 3, \+2 more types$/m);
  });

  test('prints the address plan of an environment with sizes', () => {
    const { config } = parseEnvironment(rawEnvironment('dev'), 'dev');
    const lines = addressPlan({ file: 'dev.yaml', config: config!, warnings: [] }).split('\n');
    expect(lines[0]).toMatch(/network\s+subnet\s+prefix\s+addresses/);
    expect(lines.some((l) => /hub\s+GatewaySubnet\s+10\.10\.0\.0\/27\s+32/.test(l))).toBe(true);
    expect(lines.some((l) => /on-prem hq\s+\(site\)\s+192\.168\.0\.0\/16\s+65536/.test(l))).toBe(true);
  });
});
