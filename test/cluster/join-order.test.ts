import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { renderNodeEnv } from '../../constructs/cluster/cloud-init';
import { scriptPath } from '../../constructs/cluster/scripts';
import { nodeProps } from './render';

/**
 * Every VM is created at once, so the joins are ordered on the nodes: a joining node waits until the API server
 * answers and accepts its bootstrap token, and a joining control plane also waits until the previous control plane
 * has finished its join (kubeadm's control-plane label) with a healthy etcd member. The real bootstrap functions run
 * here with fake curl/kubectl/getent/kubeadm on PATH that answer "not yet" a given number of times, log each call,
 * and never sleep (K8S_BOOTSTRAP_POLL_SECONDS=0: 12 checks per configured minute).
 */
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'join-order-'));
const bin = path.join(root, 'bin');
fs.mkdirSync(bin);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const TOKEN = 'abcdef.0123456789abcdef';
const PREVIOUS = 'vm-hyb-dev-cp-0';
const props = nodeProps('control-plane');
fs.writeFileSync(
  path.join(root, 'node.env'),
  renderNodeEnv({ ...props, node: { role: 'control-plane', nodeName: 'vm-hyb-dev-cp-1' }, joinAfter: PREVIOUS, apiWaitMinutes: 1 }),
);

const stub = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\nset -u\necho "${name} $*" >> "$CALLS"\n${body}\n`, { mode: 0o755 });
// next KEY: 1, 2, 3, ... per key (how many times this fake was asked).
const next = 'next() { local f="$COUNTERS/$1" n; n=$(( $(cat "$f" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$f"; echo "$n"; }';
stub(
  'curl',
  `${next}
for a in "$@"; do
  case "$a" in
    */readyz) [ "$(next readyz)" -gt "$API_DOWN" ] || exit 7; echo ok; exit 0 ;;
    *:2381/health) if [ "$(next health)" -gt "$ETCD_UNHEALTHY" ]; then echo '{"health":"true","reason":""}'; else echo '{"health":"false","reason":"RAFT NO LEADER"}'; fi; exit 0 ;;
  esac
done
exit 2`,
);
stub(
  'kubectl',
  `${next}
case "$*" in
  *"get configmap kubeadm-config"*) [ "$(next token)" -gt "$TOKEN_REJECTED" ] || { echo 'error: You must be logged in to the server (Unauthorized)' >&2; exit 1; }; echo configmap/kubeadm-config ;;
  *"get node ${PREVIOUS}"*labels*)
    n=$(next labels)
    if [ "$n" -le "$NODE_MISSING" ]; then echo 'Error from server (NotFound): nodes "${PREVIOUS}" not found' >&2; exit 1; fi
    if [ "$n" -le $((NODE_MISSING + NODE_UNLABELLED)) ]; then echo '{"kubernetes.io/hostname":"${PREVIOUS}"}'; else echo '{"kubernetes.io/hostname":"${PREVIOUS}","node-role.kubernetes.io/control-plane":""}'; fi ;;
  *"get node ${PREVIOUS}"*InternalIP*) echo 10.20.0.4 ;;
  *) exit 3 ;;
esac`,
);
stub('getent', 'echo "10.20.0.250     STREAM api.dev.hyb.internal"');
stub('kubeadm', 'exit 0');

let run = 0;
interface Fakes {
  API_DOWN?: number;
  TOKEN_REJECTED?: number;
  NODE_MISSING?: number;
  NODE_UNLABELLED?: number;
  ETCD_UNHEALTHY?: number;
}

/** Runs `commands` after sourcing the bootstrap script, in a fresh sandbox; returns the result, the calls and the sandbox. */
function bootstrap(commands: string, fakes: Fakes) {
  const dir = path.join(root, `run-${++run}`);
  const state = path.join(dir, 'state');
  const runDir = path.join(dir, 'run');
  for (const d of [state, runDir, path.join(dir, 'counters')]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(runDir, 'discovery.conf'), 'apiVersion: v1\nkind: Config\ncurrent-context: discovery\nusers:\n- name: discovery\n  user: {}\n');
  fs.writeFileSync(path.join(dir, 'calls'), '');
  const env = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH}`,
    K8S_BOOTSTRAP_ENV_FILE: path.join(root, 'node.env'),
    K8S_BOOTSTRAP_STATE_DIR: state,
    K8S_BOOTSTRAP_LOG: path.join(dir, 'log'),
    K8S_BOOTSTRAP_RUN_DIR: runDir,
    K8S_BOOTSTRAP_POLL_SECONDS: '0',
    CALLS: path.join(dir, 'calls'),
    COUNTERS: path.join(dir, 'counters'),
    API_DOWN: '0',
    TOKEN_REJECTED: '0',
    NODE_MISSING: '0',
    NODE_UNLABELLED: '0',
    ETCD_UNHEALTHY: '0',
    ...Object.fromEntries(Object.entries(fakes).map(([k, v]) => [k, String(v)])),
  };
  const r = spawnSync('bash', ['-c', `source "$1"; BOOTSTRAP_TOKEN=${TOKEN}; ${commands}`, 'join-order-test', scriptPath('k8s-bootstrap.sh')], { env, encoding: 'utf8' });
  const calls = fs.readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n');
  const failedFile = path.join(state, 'failed');
  return { ...r, calls, runDir, failed: fs.existsSync(failedFile) ? fs.readFileSync(failedFile, 'utf8') : undefined };
}

const JOIN = 'write_bootstrap_kubeconfig; wait_for_api; wait_for_previous_member; kubeadm join --config x; rm -f "$RUN_DIR/bootstrap.conf"';

describe('a joining node waits for the first control plane', () => {
  test('control plane 0 not ready yet: polls /readyz, logs why, and goes on once the API answers', () => {
    const r = bootstrap('write_bootstrap_kubeconfig; wait_for_api', { API_DOWN: 3 });
    expect(r.status).toBe(0);
    expect(r.calls.filter((c) => c.endsWith('/readyz'))).toHaveLength(4);
    expect(r.stdout).toContain('waiting for the API server https://api.dev.hyb.internal:6443 accepting this node\'s bootstrap token (check 1/12): https://api.dev.hyb.internal:6443/readyz is not ready');
    expect(r.stdout).toContain("the name resolves to '10.20.0.250'): control plane 0 is not ready yet");
    expect(r.stdout).toMatch(/accepting this node's bootstrap token: ready \(check 4\/12\)/);
  });

  test('an API that answers but rejects the bootstrap token (init still uploading, rotated token not registered) is not ready', () => {
    const r = bootstrap('write_bootstrap_kubeconfig; wait_for_api', { TOKEN_REJECTED: 2 });
    expect(r.status).toBe(0);
    expect(r.calls.filter((c) => c.includes('get configmap kubeadm-config'))).toHaveLength(3);
    expect(r.stdout).toContain("does not accept this node's bootstrap token yet");
    expect(r.stdout).toMatch(/ready \(check 3\/12\)/);
  });

  test('the token reaches kubectl only through a 0600 kubeconfig, never on a command line or in the log', () => {
    const r = bootstrap('write_bootstrap_kubeconfig; wait_for_api; stat -c %a "$RUN_DIR/bootstrap.conf"', {});
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n').pop()).toBe('600');
    const conf = fs.readFileSync(path.join(r.runDir, 'bootstrap.conf'), 'utf8');
    expect(conf).toContain(`    token: ${TOKEN}\n`);
    expect(conf.match(/^users:$/gm)).toHaveLength(1);
    expect(r.calls.join('\n')).not.toContain(TOKEN);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
  });
});

describe('a joining control plane waits for the previous member', () => {
  test('previous member not healthy yet: waits through not registered, not labelled, etcd unhealthy; joins only after', () => {
    const r = bootstrap(JOIN, { NODE_MISSING: 2, NODE_UNLABELLED: 2, ETCD_UNHEALTHY: 2 });
    expect(r.status).toBe(0);
    expect(r.failed).toBeUndefined();
    // Logged on the first check and then once a minute: the first reason is the one seen.
    expect(r.stdout).toContain(`waiting for previous control plane ${PREVIOUS} joined with a healthy etcd member (check 1/12): node ${PREVIOUS} is not registered yet`);
    const join = r.calls.findIndex((c) => c.startsWith('kubeadm join'));
    const lastHealth = r.calls.map((c, i) => (c.includes(':2381/health') ? i : -1)).filter((i) => i >= 0).pop()!;
    expect(r.calls.filter((c) => c.includes(':2381/health'))).toHaveLength(3);
    expect(r.calls[lastHealth]).toContain('http://10.20.0.4:2381/health');
    expect(join).toBeGreaterThan(lastHealth);
    // Each "not yet" is a separate poll: 2 missing + 2 unlabelled + 3 health checks (2 unhealthy) = 7 label reads.
    expect(r.calls.filter((c) => c.includes('metadata.labels'))).toHaveLength(7);
    expect(r.stdout).toMatch(/healthy etcd member: ready \(check 7\/12\)/);
    expect(fs.existsSync(path.join(r.runDir, 'bootstrap.conf'))).toBe(false);
  });

  test('the reason for an unhealthy member is the one etcd gives', () => {
    const r = bootstrap('write_bootstrap_kubeconfig; member_state vm-hyb-dev-cp-0', { ETCD_UNHEALTHY: 5 });
    expect(r.stdout.trim()).toBe(`the etcd member of ${PREVIOUS} (http://10.20.0.4:2381/health) is not healthy: '{"health":"false","reason":"RAFT NO LEADER"}'`);
  });

  test('timeout: a member that never becomes healthy fails the bootstrap after the bounded wait, with the reason, and never joins', () => {
    const r = bootstrap(JOIN, { ETCD_UNHEALTHY: 1000 });
    expect(r.status).toBe(1);
    expect(r.calls.filter((c) => c.includes(':2381/health'))).toHaveLength(12);
    expect(r.calls.some((c) => c.startsWith('kubeadm join'))).toBe(false);
    expect(r.failed).toMatch(/^node=vm-hyb-dev-cp-1 step=wait-for-previous-member time=\S+Z\n/);
    expect(r.failed).toContain(`previous control plane ${PREVIOUS} joined with a healthy etcd member: not ready after 1 minutes (12 checks): the etcd member of ${PREVIOUS}`);
    expect(r.failed).toContain('etcd adds one member at a time, so this node does not join');
  });

  test('timeout of the first control plane: fails at wait-for-api before asking for the previous member', () => {
    const r = bootstrap(JOIN, { API_DOWN: 1000 });
    expect(r.status).toBe(1);
    expect(r.failed).toContain('step=wait-for-api');
    expect(r.failed).toContain('not ready after 1 minutes (12 checks)');
    expect(r.calls.some((c) => c.includes('metadata.labels') || c.startsWith('kubeadm join'))).toBe(false);
  });

  // run_kubeadm itself, with the steps that touch the real system (/etc/hosts, the seed files) replaced by stubs.
  const RUN_KUBEADM = 'render_kubeadm_config() { :; }; write_discovery_kubeconfig() { :; }; hosts_entry() { echo "hosts_entry $*" >> "$CALLS"; }; run_kubeadm';

  test('run_kubeadm on a joining control plane: API, previous member, then kubeadm join, then the hosts entry', () => {
    const r = bootstrap(RUN_KUBEADM, { API_DOWN: 1, ETCD_UNHEALTHY: 1 });
    expect(r.status).toBe(0);
    const first = (p: (c: string) => boolean) => r.calls.findIndex(p);
    const readyz = first((c) => c.endsWith('/readyz'));
    const member = first((c) => c.includes(':2381/health'));
    const join = first((c) => c.startsWith('kubeadm join'));
    expect(readyz).toBeGreaterThanOrEqual(0);
    expect(member).toBeGreaterThan(readyz);
    expect(join).toBeGreaterThan(r.calls.map((c, i) => (c.includes(':2381/health') ? i : -1)).filter((i) => i >= 0).pop()!);
    expect(r.calls[join + 1]).toBe('hosts_entry 127.0.0.1');
    expect(fs.existsSync(path.join(r.runDir, 'bootstrap.conf'))).toBe(false);
  });

  test('run_kubeadm on a worker: waits for the API and the token, never for an etcd member', () => {
    const r = bootstrap(`K8S_ROLE=worker; K8S_JOIN_AFTER=; ${RUN_KUBEADM}`, { TOKEN_REJECTED: 1 });
    expect(r.status).toBe(0);
    expect(r.calls.some((c) => c.includes('metadata.labels') || c.includes(':2381'))).toBe(false);
    expect(r.calls.findIndex((c) => c.startsWith('kubeadm join'))).toBeGreaterThan(r.calls.findIndex((c) => c.includes('get configmap kubeadm-config')));
  });

  test('init and worker nodes have no previous member to wait for', () => {
    for (const role of ['init', 'worker'] as const) {
      expect(renderNodeEnv(nodeProps(role))).toContain('K8S_JOIN_AFTER=\n');
      expect(() => renderNodeEnv({ ...nodeProps(role), joinAfter: PREVIOUS })).toThrow(/allowed: only on a joining control plane/);
    }
  });
});
