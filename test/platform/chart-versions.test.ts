import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { CHART_VERSIONS, PINNED_VERSION } from '../../constructs/platform/chart-versions';
import { manifestsChartDir } from '../../constructs/platform/manifests-release';
import { built, releases } from './fixtures';

describe('the pinned chart map', () => {
  test.each(Object.entries(CHART_VERSIONS))('%s is one exact version from an https repository', (_key, pin) => {
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
});

describe.each(['dev', 'prod'] as const)('%s: every helm_release is pinned from the map', (env) => {
  const localChart = parse(fs.readFileSync(path.join(manifestsChartDir(), 'Chart.yaml'), 'utf8')) as { version: string };

  test.each(Object.entries(releases(built(env).json)))('%s', (_name, release) => {
    expect(typeof release.version).toBe('string');
    expect(release.version).toMatch(PINNED_VERSION);
    if (typeof release.repository === 'string') {
      const pin = Object.values(CHART_VERSIONS).find((p) => p.repository === release.repository && p.chart === release.chart);
      expect(pin).toBeDefined();
      expect(release.version).toBe(pin!.version);
    } else {
      // The only chart without a repository is the local one shipped as a stack asset.
      expect(release.chart).toMatch(/^assets\//);
      expect(release.version).toBe(localChart.version);
      expect(fs.existsSync(path.join(built(env).stackDir, release.chart as string, 'Chart.yaml'))).toBe(true);
    }
  });
});
