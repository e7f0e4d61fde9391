// scripts/refresh-chart.sh, offline: a throwaway Git repository stands in for an upstream project that publishes
// its chart only in Git (as rancher/local-path-provisioner does). Bumping the pin packages the tagged chart,
// replaces the previous archive and its checksum, keeps the other charts' lines, and refuses a version mismatch.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'refresh-chart.sh');

describe('scripts/refresh-chart.sh', () => {
  let dir: string;
  let upstream: string;
  let charts: string;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: upstream, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
  const release = (version: string) => {
    fs.writeFileSync(path.join(upstream, 'deploy/chart/demo/Chart.yaml'), `apiVersion: v2\nname: demo\nversion: ${version}\nappVersion: v${version}\n`);
    git('add', '.');
    git('commit', '-q', '-m', version);
    git('tag', `v${version}`);
  };
  const pin = (version: string, ref = `v${version}`) => JSON.stringify({ repository: upstream, chart: 'demo', version, git: { path: 'deploy/chart/demo', ref } });
  const run = (pinJson: string) => spawnSync('bash', [SCRIPT, 'demo'], { encoding: 'utf8', env: { ...process.env, CHART_PIN_JSON: pinJson, UPSTREAM_CHARTS_DIR: charts } });

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refresh-chart-'));
    upstream = path.join(dir, 'upstream');
    charts = path.join(dir, 'charts');
    fs.mkdirSync(path.join(upstream, 'deploy/chart/demo/templates'), { recursive: true });
    fs.mkdirSync(charts);
    fs.writeFileSync(path.join(upstream, 'deploy/chart/demo/values.yaml'), 'replicaCount: 1\n');
    fs.writeFileSync(path.join(upstream, 'deploy/chart/demo/templates/cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\n');
    git('init', '-q');
    release('0.1.0');
    release('0.2.0');
    fs.writeFileSync(path.join(charts, 'demo-0.1.0.tgz'), 'old archive');
    fs.writeFileSync(path.join(charts, 'other-1.0.0.tgz'), 'other');
    fs.writeFileSync(path.join(charts, 'SHA256SUMS'), `${'a'.repeat(64)}  demo-0.1.0.tgz\n${'b'.repeat(64)}  other-1.0.0.tgz\n`);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('is shellcheck-clean', () => {
    const r = spawnSync('shellcheck', [SCRIPT], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  test('a bump packages the tagged chart, replaces the old archive and records the new checksum', () => {
    const r = run(pin('0.2.0'));
    expect(r.stderr).toMatch(/recorded demo-0\.2\.0\.tgz/);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(path.join(charts, 'demo-0.2.0.tgz'));
    expect(fs.readdirSync(charts).sort()).toEqual(['SHA256SUMS', 'demo-0.2.0.tgz', 'other-1.0.0.tgz']);
    const sum = createHash('sha256').update(fs.readFileSync(path.join(charts, 'demo-0.2.0.tgz'))).digest('hex');
    expect(fs.readFileSync(path.join(charts, 'SHA256SUMS'), 'utf8')).toBe(`${sum}  demo-0.2.0.tgz\n${'b'.repeat(64)}  other-1.0.0.tgz\n`);
    expect(execFileSync('tar', ['-xzOf', path.join(charts, 'demo-0.2.0.tgz'), 'demo/Chart.yaml'], { encoding: 'utf8' })).toMatch(/^version: 0\.2\.0$/m);
  });

  test('a pin whose ref holds another version is refused and nothing changes', () => {
    const before = fs.readFileSync(path.join(charts, 'SHA256SUMS'), 'utf8');
    const r = run(pin('0.3.0', 'v0.2.0'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the fetched chart is version '0\.2\.0', the pin says '0\.3\.0'/);
    expect(fs.readFileSync(path.join(charts, 'SHA256SUMS'), 'utf8')).toBe(before);
    expect(fs.existsSync(path.join(charts, 'demo-0.3.0.tgz'))).toBe(false);
  });
});
