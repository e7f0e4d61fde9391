import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { renderNodeEnv } from '../../constructs/cluster/cloud-init';
import { scriptPath } from '../../constructs/cluster/scripts';
import { nodeProps } from './render';

/**
 * A joining control plane points the API name at loopback after `kubeadm join` (the internal load balancer drops a
 * backend's flows to its own frontend). kube-proxy started during the join with the kubelet's copy of the old
 * /etc/hosts, so its pod on this node must be recreated afterwards. Run for real: the join steps are stubbed,
 * `kubectl` is a fake on PATH that records its arguments.
 */
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-proxy-hosts-'));
const bin = path.join(root, 'bin');
fs.mkdirSync(bin);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
fs.writeFileSync(path.join(bin, 'kubectl'), '#!/usr/bin/env bash\necho "kubectl $*" >> "$CALLS"\n', { mode: 0o755 });

function joinAs(role: 'control-plane' | 'worker'): string[] {
  const envFile = path.join(root, `${role}.env`);
  fs.writeFileSync(envFile, renderNodeEnv(nodeProps(role)));
  const calls = path.join(root, `${role}.calls`);
  const stubs = ['render_kubeadm_config', 'write_discovery_kubeconfig', 'write_bootstrap_kubeconfig', 'wait_for_api', 'wait_for_previous_member', 'step']
    .map((f) => `${f}() { :; }`)
    .join('; ');
  const r = spawnSync('bash', ['-c', `source "$1"; ${stubs}; kubeadm() { echo "kubeadm $1" >> "$CALLS"; }; hosts_entry() { echo "hosts_entry $1" >> "$CALLS"; }; run_kubeadm`, 'join-test', scriptPath('k8s-bootstrap.sh')], {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CALLS: calls, K8S_BOOTSTRAP_ENV_FILE: envFile, K8S_BOOTSTRAP_STATE_DIR: root, K8S_BOOTSTRAP_LOG: path.join(root, 'log'), K8S_BOOTSTRAP_RUN_DIR: path.join(root, 'run') },
    encoding: 'utf8',
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return fs.readFileSync(calls, 'utf8').trim().split('\n');
}

test('a joining control plane recreates its own kube-proxy pod after the loopback hosts entry', () => {
  const calls = joinAs('control-plane');
  expect(calls.slice(0, 2)).toEqual(['kubeadm join', 'hosts_entry 127.0.0.1']);
  expect(calls[2]).toMatch(/^kubectl --kubeconfig \/etc\/kubernetes\/admin\.conf -n kube-system delete pod -l k8s-app=kube-proxy --field-selector spec\.nodeName=\S+ /);
  expect(calls[2]).toContain(`spec.nodeName=${nodeProps('control-plane').node.nodeName}`);
});

test('a worker keeps the load balancer (it is no backend of the API load balancer) and touches no pod', () => {
  expect(joinAs('worker')).toEqual(['kubeadm join']);
});
