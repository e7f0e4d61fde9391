import * as fs from 'fs';
import * as path from 'path';
import type { LoadedEnvironment } from '../config';
import { parseCidr } from '../config/ipv4';

/** Resource counts by type for one synthesized stack (`cdktf.out/stacks/<id>/cdk.tf.json`). */
export function resourceCounts(stackJson: { resource?: Record<string, Record<string, unknown>> }): Record<string, number> {
  return Object.fromEntries(
    Object.entries(stackJson.resource ?? {})
      .map(([type, byName]) => [type, Object.keys(byName).length] as [string, number])
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
  );
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => '  ' + r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

const TYPES_SHOWN = 5;

/** One line per stack: total and the most frequent resource types. */
export function stackSummary(outdir: string): string {
  const stacksDir = path.join(outdir, 'stacks');
  const rows = [['stack', 'resources', 'by type']];
  for (const id of fs.readdirSync(stacksDir).sort()) {
    const json = JSON.parse(fs.readFileSync(path.join(stacksDir, id, 'cdk.tf.json'), 'utf8'));
    const counts = resourceCounts(json);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const types = Object.entries(counts).map(([t, n]) => `${t.replace(/^azurerm_/, '')} ${n}`);
    // The most frequent types keep the line readable; the full list is one `jq` away in cdk.tf.json.
    const shown = types.slice(0, TYPES_SHOWN).join(', ') + (types.length > TYPES_SHOWN ? `, +${types.length - TYPES_SHOWN} more types` : '');
    rows.push([id, String(total), shown]);
  }
  return table(rows);
}

/** The address plan of one environment as a table: VNets, their subnets, the on-premises prefixes. */
export function addressPlan(env: LoadedEnvironment): string {
  const { network, onPremises } = env.config;
  const rows = [['network', 'subnet', 'prefix', 'addresses']];
  const add = (net: string, subnet: string, cidr: string) => rows.push([net, subnet, cidr, String(parseCidr(cidr).size)]);
  network.hub.addressSpace.forEach((c) => add('hub', '(address space)', c));
  Object.entries(network.hub.subnets).forEach(([role, c]) => add('hub', role, c));
  for (const [name, spoke] of Object.entries(network.spokes)) {
    spoke.addressSpace.forEach((c) => add(name, '(address space)', c));
    Object.entries(spoke.subnets).forEach(([role, c]) => add(name, role, c));
  }
  onPremises.addressPrefixes.forEach((c) => add(`on-prem ${onPremises.name}`, '(site)', c));
  return table(rows);
}
