import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { AssetType, TerraformAsset, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { ChartPin, chartArchiveName } from './chart-versions';

/**
 * charts/upstream/: the pinned upstream chart archives, their SHA256SUMS, SOURCE.md and licences. Resolved from
 * source (jest) and from dist/ (compiled synth), like the values files.
 */
export function upstreamChartsDir(): string {
  const candidates = [path.resolve(__dirname, '..', '..', 'charts', 'upstream'), path.resolve(__dirname, '..', '..', '..', 'charts', 'upstream')];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'SHA256SUMS')));
  if (!found) throw new Error(`charts/upstream/SHA256SUMS not found; looked in ${candidates.join(', ')}`);
  return found;
}

/** `sha256sum` format: `<64 hex>  <file>` per line. */
export function readChecksums(dir: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of fs.readFileSync(path.join(dir, 'SHA256SUMS'), 'utf8').split('\n')) {
    const m = /^([0-9a-f]{64}) [ *](\S+)$/.exec(line.trim());
    if (m) sums.set(m[2]!, m[1]!);
  }
  return sums;
}

const verified = new Map<string, string>();

/**
 * The absolute path of a pin's archive, after checking its SHA-256 against SHA256SUMS. Synth stops when the archive
 * is missing, unlisted or altered, so what is installed is exactly what was reviewed and rendered in tests.
 */
export function verifiedChartArchive(pin: Pick<ChartPin, 'chart' | 'version'>, dir = upstreamChartsDir()): string {
  const name = chartArchiveName(pin);
  const file = path.join(dir, name);
  const cached = verified.get(file);
  if (cached) return cached;
  if (!fs.existsSync(file)) {
    throw new Error(`chart archive ${name} not found in ${dir}; allowed: an archive for every pin (run scripts/refresh-chart.sh after bumping ${pin.chart})`);
  }
  const expected = readChecksums(dir).get(name);
  if (!expected) throw new Error(`${name} is not listed in ${path.join(dir, 'SHA256SUMS')}; allowed: record it with scripts/refresh-chart.sh`);
  const actual = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  if (actual !== expected) {
    throw new Error(`${name} has SHA-256 ${actual} but SHA256SUMS records ${expected}; allowed: the recorded archive (re-run scripts/refresh-chart.sh if the bump was intended)`);
  }
  verified.set(file, file);
  return file;
}

/**
 * The archive as a stack asset (copied next to cdk.tf.json; one per chart and stack): the helm provider installs
 * it from that relative path, so apply needs no chart repository.
 */
export function chartArchiveAsset(scope: Construct, pin: Pick<ChartPin, 'chart' | 'version'>): TerraformAsset {
  const stack = TerraformStack.of(scope);
  const id = `chart-${pin.chart}`;
  const existing = stack.node.tryFindChild(id) as TerraformAsset | undefined;
  return existing ?? new TerraformAsset(stack, id, { path: verifiedChartArchive(pin), type: AssetType.FILE });
}
