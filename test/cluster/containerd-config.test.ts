import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { scriptPath } from '../../constructs/cluster/scripts';

/** Shapes of `containerd config default` (abridged to the tables that matter). */
const CONTAINERD_1X = `version = 2
[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "registry.k8s.io/pause:3.8"
    [plugins."io.containerd.grpc.v1.cri".containerd]
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes]
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
          runtime_type = "io.containerd.runc.v2"
          [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
            BinaryName = ""
            SystemdCgroup = false
`;
const CONTAINERD_2X = `version = 3
[plugins]
  [plugins.'io.containerd.cri.v1.images']
    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = 'registry.k8s.io/pause:3.10'
  [plugins.'io.containerd.cri.v1.runtime']
    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = 'runc'
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes]
        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
          runtime_type = 'io.containerd.runc.v2'
          sandboxer = 'podsandbox'
          [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
            BinaryName = ''
            SystemdCgroup = false
`;

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'containerd-config-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
fs.writeFileSync(path.join(root, 'node.env'), 'K8S_NODE_NAME=test\n');

/** Sources the real bootstrap script, edits a config file with its function, returns the result parsed by Python's tomllib. */
function edit(name: string, content: string, pause = 'registry.k8s.io/pause:3.10.1'): { text: string; toml: any } {
  const file = path.join(root, `${name}.toml`);
  fs.writeFileSync(file, content);
  const r = spawnSync('bash', ['-c', 'set -Eeuo pipefail; source "$1"; edit_containerd_config "$2" "$3"', 'containerd-config-test', scriptPath('k8s-bootstrap.sh'), file, pause], {
    env: { ...process.env, K8S_BOOTSTRAP_ENV_FILE: path.join(root, 'node.env'), K8S_BOOTSTRAP_STATE_DIR: path.join(root, 'state') },
    encoding: 'utf8',
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const parsed = spawnSync('python3', ['-c', 'import json, sys, tomllib; print(json.dumps(tomllib.load(open(sys.argv[1], "rb"))))', file], { encoding: 'utf8' });
  expect(parsed.status).toBe(0);
  return { text: fs.readFileSync(file, 'utf8'), toml: JSON.parse(parsed.stdout) };
}

describe('containerd configuration (SystemdCgroup for 1.x and 2.x)', () => {
  test('containerd 1.x (config version 2): runc uses systemd cgroups, the pause image matches kubeadm', () => {
    const { toml } = edit('v1', CONTAINERD_1X);
    const cri = toml.plugins['io.containerd.grpc.v1.cri'];
    expect(cri.containerd.runtimes.runc.options.SystemdCgroup).toBe(true);
    expect(cri.sandbox_image).toBe('registry.k8s.io/pause:3.10.1');
  });

  test('containerd 2.x (config version 3): same result in the new tables', () => {
    const { toml } = edit('v2', CONTAINERD_2X);
    expect(toml.plugins['io.containerd.cri.v1.runtime'].containerd.runtimes.runc.options.SystemdCgroup).toBe(true);
    expect(toml.plugins['io.containerd.cri.v1.images'].pinned_images.sandbox).toBe('registry.k8s.io/pause:3.10.1');
    expect(toml.plugins['io.containerd.cri.v1.runtime'].containerd.runtimes.runc.sandboxer).toBe('podsandbox');
  });

  test('a default without the SystemdCgroup key gets it under the runc options table', () => {
    const { toml } = edit('v2-missing', CONTAINERD_2X.replace(/\s+SystemdCgroup = false\n/, '\n'));
    expect(toml.plugins['io.containerd.cri.v1.runtime'].containerd.runtimes.runc.options).toEqual({ BinaryName: '', SystemdCgroup: true });
  });
});
