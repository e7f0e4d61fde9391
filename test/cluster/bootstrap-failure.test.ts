import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { renderNodeEnv } from '../../constructs/cluster/cloud-init';
import { renderReadinessGateScript } from '../../constructs/cluster/readiness-gate';
import { scriptPath } from '../../constructs/cluster/scripts';
import { nodeProps } from './render';

/**
 * Runs the real bootstrap and readiness-gate scripts in a sandbox (temporary state/log directories, stub commands
 * first on PATH) to show the failure path end to end: the bootstrap records the failing step and never writes the
 * sentinel; the gate then fails at once with that message and the log tail instead of waiting for its timeout.
 */
describe('bootstrap failure is loud', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-bootstrap-'));
  const state = path.join(root, 'state');
  const log = path.join(root, 'k8s-bootstrap.log');
  const bin = path.join(root, 'bin');
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  beforeAll(() => {
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(root, 'node.env'), renderNodeEnv(nodeProps('worker')));
    // The kernel step is the first one; a missing module is a realistic failure (e.g. a kernel without br_netfilter).
    fs.writeFileSync(path.join(bin, 'modprobe'), '#!/bin/sh\necho "modprobe: FATAL: Module $1 not found" >&2\nexit 1\n', { mode: 0o755 });
    fs.writeFileSync(path.join(bin, 'cloud-init'), '#!/bin/sh\necho "status: running"\n', { mode: 0o755 });
  });

  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, K8S_BOOTSTRAP_ENV_FILE: path.join(root, 'node.env'), K8S_BOOTSTRAP_STATE_DIR: state, K8S_BOOTSTRAP_LOG: log, K8S_BOOTSTRAP_RUN_DIR: path.join(root, 'run') };

  const gate = () => {
    const script = renderReadinessGateScript({ nodeName: 'vm-hyb-dev-wk-0', timeoutMinutes: 1, ensureToken: false, rotation: 1 })
      .replaceAll('/var/lib/k8s-bootstrap', state)
      .replace('/var/log/k8s-bootstrap.log', log)
      .replace('readonly INTERVAL_SECONDS=5', 'readonly INTERVAL_SECONDS=0');
    return spawnSync('bash', ['-c', script], { env, encoding: 'utf8' });
  };

  test('the bootstrap stops at the failing step, records it, and writes no sentinel', () => {
    const r = spawnSync('bash', [scriptPath('k8s-bootstrap.sh')], { env, encoding: 'utf8' });
    expect(r.status).toBe(1);
    const failed = fs.readFileSync(path.join(state, 'failed'), 'utf8');
    expect(failed).toMatch(/^node=vm-hyb-dev-wk-0 step=kernel time=\S+Z\n/);
    expect(failed).toContain('command failed with exit code 1');
    expect(failed).toContain('modprobe overlay');
    expect(fs.existsSync(path.join(state, 'complete'))).toBe(false);
    const text = fs.readFileSync(log, 'utf8');
    expect(text).toMatch(/\[start\] bootstrapping vm-hyb-dev-wk-0 as worker \(Kubernetes 1\.36\.1\)/);
    expect(text).toMatch(/\[kernel\] FAILED: command failed/);
  });

  test('the readiness gate fails at once with the recorded reason and the log tail', () => {
    const r = gate();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('FAILED: the bootstrap script reported an error');
    expect(r.stderr).toContain('step=kernel');
    expect(r.stderr).toContain('modprobe: FATAL: Module overlay not found');
  });

  test('the readiness gate passes once the sentinel exists, and times out (bounded) when nothing happens', () => {
    fs.rmSync(path.join(state, 'failed'));
    const timeout = gate();
    expect(timeout.status).toBe(1);
    expect(timeout.stderr).toContain('no sentinel');
    expect(timeout.stderr).toContain('after 12 checks');
    fs.writeFileSync(path.join(state, 'complete'), '2026-11-27T10:00:00Z\n');
    const ok = gate();
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('complete at 2026-11-27T10:00:00Z');
  });

  test('a second run of a bootstrapped node does nothing', () => {
    const r = spawnSync('bash', [scriptPath('k8s-bootstrap.sh')], { env, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('already bootstrapped');
  });
});
