import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { readChecksums, upstreamChartsDir, verifiedChartArchive } from '../../constructs/platform/chart-archive';
import { CHART_VERSIONS, chartArchiveName, PINNED_VERSION } from '../../constructs/platform/chart-versions';
import { manifestsChartDir } from '../../constructs/platform/manifests-release';
import { built, releases } from './fixtures';

const DIR = upstreamChartsDir();

describe('the pinned chart map', () => {
  test.each(Object.entries(CHART_VERSIONS))('%s is one exact version from an https source', (_key, pin) => {
    expect(pin.version).toMatch(PINNED_VERSION);
    expect(pin.repository).toMatch(/^https:\/\//);
    expect(pin.upgradeNotes.length).toBeGreaterThan(10);
  });

  test.each(['1.2.3', 'v3.31.3', '10.1.1', '1.0.0-rc.1'])('accepts the exact version %s', (v) => {
    expect(v).toMatch(PINNED_VERSION);
  });

  test.each(['', 'latest', '^1.2.3', '~1.2.3', '1.x', '1.2', '>=1.0.0', '1.2.*', '1.2.3 || 1.3.0', 'stable'])('rejects the unpinned version %j', (v) => {
    expect(v).not.toMatch(PINNED_VERSION);
  });

  test('local-path-provisioner is the upstream project\'s own chart (licensed), not a repackaging', () => {
    expect(CHART_VERSIONS.localPathProvisioner.repository).toBe('https://github.com/rancher/local-path-provisioner');
    expect(CHART_VERSIONS.localPathProvisioner.git).toEqual({ path: 'deploy/chart/local-path-provisioner', ref: `v${CHART_VERSIONS.localPathProvisioner.version}` });
  });
});

describe('charts/upstream: one verified archive per pin, and nothing else', () => {
  const sums = readChecksums(DIR);
  const archives = fs.readdirSync(DIR).filter((f) => f.endsWith('.tgz'));

  test('every archive is listed in SHA256SUMS and every listed file is a pinned archive', () => {
    expect([...sums.keys()].sort()).toEqual(archives.sort());
    expect(archives.sort()).toEqual(Object.values(CHART_VERSIONS).map(chartArchiveName).sort());
  });

  // For a local chart the helm provider (3.1.1 ModifyPlan) refuses a configured `version` that differs from the
  // chart's own ("Planned version is different from configured version"): pin and archive must agree.
  test.each(Object.entries(CHART_VERSIONS))('%s: the archive holds exactly the pinned chart name and version, and its checksum matches', (_key, pin) => {
    const file = verifiedChartArchive(pin);
    const chartYaml = parse(execFileSync('tar', ['-xzOf', file, `${pin.chart}/Chart.yaml`], { encoding: 'utf8' })) as { name: string; version: string };
    expect(chartYaml.name).toBe(pin.chart);
    expect(String(chartYaml.version)).toBe(pin.version);
  });

  test('SOURCE.md names every archive and the licences are beside them', () => {
    const source = fs.readFileSync(path.join(DIR, 'SOURCE.md'), 'utf8');
    for (const pin of Object.values(CHART_VERSIONS)) expect(source).toContain(chartArchiveName(pin));
    expect(fs.existsSync(path.join(DIR, 'LICENSE-Apache-2.0.txt'))).toBe(true);
    expect(fs.existsSync(path.join(DIR, 'LICENSE-kubelet-csr-approver-MIT.txt'))).toBe(true);
  });

  describe('a pin and its archive that disagree stop synth', () => {
    let tmp: string;
    beforeAll(() => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charts-'));
      fs.copyFileSync(path.join(DIR, 'traefik-41.0.2.tgz'), path.join(tmp, 'traefik-41.0.2.tgz'));
      fs.writeFileSync(path.join(tmp, 'SHA256SUMS'), `${'0'.repeat(64)}  traefik-41.0.2.tgz\n`);
    });
    afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

    test('a bumped version without its archive', () => {
      expect(() => verifiedChartArchive({ chart: 'traefik', version: '41.0.3' }, tmp)).toThrow(/traefik-41\.0\.3\.tgz not found .*refresh-chart\.sh/);
    });
    test('an archive whose bytes differ from the recorded checksum', () => {
      expect(() => verifiedChartArchive({ chart: 'traefik', version: '41.0.2' }, tmp)).toThrow(/SHA-256 [0-9a-f]{64} but SHA256SUMS records 0{64}/);
    });
    test('an archive that is not listed', () => {
      fs.writeFileSync(path.join(tmp, 'SHA256SUMS'), '');
      expect(() => verifiedChartArchive({ chart: 'traefik', version: '41.0.2' }, tmp)).toThrow(/not listed in/);
    });
  });
});

describe.each(['dev', 'prod'] as const)('%s: every helm_release installs a shipped chart at its pinned version', (env) => {
  const localChart = parse(fs.readFileSync(path.join(manifestsChartDir(), 'Chart.yaml'), 'utf8')) as { version: string };

  test.each(Object.entries(releases(built(env).json)))('%s', (_name, release) => {
    expect(release.version).toMatch(PINNED_VERSION);
    expect(release).not.toHaveProperty('repository');
    const shipped = path.join(built(env).stackDir, release.chart as string);
    expect(release.chart).toMatch(/^assets\//);
    const pin = Object.values(CHART_VERSIONS).find((p) => path.basename(release.chart as string) === chartArchiveName(p));
    if (pin) {
      expect(release.version).toBe(pin.version);
      // Byte for byte the reviewed archive.
      expect(fs.readFileSync(shipped).equals(fs.readFileSync(path.join(DIR, chartArchiveName(pin))))).toBe(true);
    } else {
      // The only other chart is the local manifests chart.
      expect(release.version).toBe(localChart.version);
      expect(fs.existsSync(path.join(shipped, 'Chart.yaml'))).toBe(true);
    }
  });
});
