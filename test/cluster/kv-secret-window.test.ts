import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { renderNodeEnv } from '../../constructs/cluster/cloud-init';
import { scriptPath } from '../../constructs/cluster/scripts';
import { RBAC_PROPAGATION_SECONDS } from '../../constructs/services/rbac-propagation';
import { nodeProps } from './render';

/**
 * kv-secret's default retry window: the VMs boot while <env>-cluster still waits 600 s for the deployer's role before
 * it writes the secrets (404 meanwhile), then the nodes' Key Vault Secrets User roles take up to 600 s more (403),
 * plus margin. The script first gave up after exactly 600 s, then after 900 s (enough only while the VMs waited for
 * the secrets' roles). Run for real with `curl` answering 403 forever and `sleep` recording the delays.
 */
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-window-'));
const bin = path.join(root, 'bin');
fs.mkdirSync(bin);
fs.writeFileSync(path.join(root, 'node.env'), renderNodeEnv(nodeProps('worker')));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const stub = (dir: string, name: string, body: string) => fs.writeFileSync(path.join(dir, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
stub(bin, 'curl', `out=""; url=""; prev=""
for a in "$@"; do [ "$prev" = "-o" ] && out=$a; case "$a" in http*) url=$a ;; esac; prev=$a; done
case "$url" in *169.254.169.254*) echo '{"access_token":"t"}' > "$out" ;; *) echo '{}' > "$out"; printf 403 ;; esac`);
stub(bin, 'sleep', 'echo "$1" >> "$SLEEP_LOG"');

const kvSecret = (extra: Record<string, string> = {}) => {
  const sleepLog = path.join(root, `sleeps-${Object.keys(extra).join('-') || 'default'}`);
  const r = spawnSync('bash', [scriptPath('kv-secret.sh'), 'k8s-bootstrap-token'], {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, K8S_BOOTSTRAP_ENV_FILE: path.join(root, 'node.env'), SLEEP_LOG: sleepLog, ...extra },
    encoding: 'utf8',
  });
  const slept = fs.existsSync(sleepLog) ? fs.readFileSync(sleepLog, 'utf8').trim().split('\n').map(Number).reduce((a, b) => a + b, 0) : 0;
  return { ...r, slept };
};

test("retries through the cluster stack's role wait and the node's own role propagation, plus margin, before giving up", () => {
  const r = kvSecret();
  expect(r.status).toBe(1);
  expect(r.slept).toBeGreaterThanOrEqual(2 * RBAC_PROPAGATION_SECONDS + 240);
  expect(r.stderr).toContain('giving up on k8s-bootstrap-token after 150 attempts (10 s apart): HTTP 403 forbidden');
  // Logged on the first failure and once a minute, not every 10 s.
  const lines = r.stderr.split('\n').filter((l) => l.includes('(attempt '));
  expect(lines[0]).toContain('(attempt 1/150)');
  expect(lines.length).toBeLessThanOrEqual(1 + 150 / 6);
});

test('KV_DEADLINE (one bound for all secrets of a node) caps the attempts; a passed deadline still tries once', () => {
  const now = Math.floor(Date.now() / 1000);
  expect(kvSecret({ KV_DEADLINE: String(now + 30) }).stderr).toMatch(/giving up on k8s-bootstrap-token after [23] attempts/);
  expect(kvSecret({ KV_DEADLINE: String(now - 5) }).stderr).toContain('giving up on k8s-bootstrap-token after 1 attempts');
});

test('the validator and the script agree on the window: the writer role wait plus what a readiness gate must outlast', () => {
  const { NODE_KEY_VAULT_WAIT_MINUTES } = require('../../config/validate/cluster');
  const text = fs.readFileSync(scriptPath('kv-secret.sh'), 'utf8');
  expect(Number(/KV_WAIT_SECONDS:-(\d+)/.exec(text)![1])).toBe(RBAC_PROPAGATION_SECONDS + NODE_KEY_VAULT_WAIT_MINUTES * 60);
  expect(fs.readFileSync(scriptPath('k8s-bootstrap.sh'), 'utf8')).toContain(`KV_WAIT_SECONDS:-${RBAC_PROPAGATION_SECONDS + NODE_KEY_VAULT_WAIT_MINUTES * 60}`);
});

describe("the bootstrap's secrets step: one logged, bounded wait", () => {
  const run = (role: 'init' | 'worker', kvSecretBody: string) => {
    const dir = fs.mkdtempSync(path.join(root, `fetch-${role}-`));
    const fakeBin = path.join(dir, 'bin');
    fs.mkdirSync(fakeBin);
    fs.writeFileSync(path.join(dir, 'node.env'), renderNodeEnv(nodeProps(role)));
    stub(fakeBin, 'kv-secret', kvSecretBody);
    const r = spawnSync('bash', ['-c', 'source "$1"; fetch_secrets', 'fetch-test', scriptPath('k8s-bootstrap.sh')], {
      env: { ...process.env, PATH: `${fakeBin}:${process.env.PATH}`, K8S_BOOTSTRAP_ENV_FILE: path.join(dir, 'node.env'), K8S_BOOTSTRAP_STATE_DIR: dir, K8S_BOOTSTRAP_LOG: path.join(dir, 'log'), CALLS: path.join(dir, 'calls') },
      encoding: 'utf8',
    });
    const failed = path.join(dir, 'failed');
    return { ...r, failed: fs.existsSync(failed) ? fs.readFileSync(failed, 'utf8') : '', calls: fs.existsSync(path.join(dir, 'calls')) ? fs.readFileSync(path.join(dir, 'calls'), 'utf8') : '' };
  };

  test('the init node gives up with the step and the secret when Key Vault never answers (no stack trace, no token value)', () => {
    const r = run('init', 'echo "kv-secret: $1: HTTP 404 not found (attempt 1/1)" >&2; exit 1');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/\[secrets\] reading the join material from Key Vault for at most 2[45] minutes/);
    expect(r.failed).toContain('step=secrets');
    expect(r.failed).toContain('Key Vault secret k8s-bootstrap-token not readable by the deadline; the kv-secret lines above say why');
  });

  test('every kv-secret call of the node shares one deadline ~25 minutes ahead', () => {
    const r = run('worker', 'echo "$KV_DEADLINE" >> "$CALLS"; echo abcdef.0123456789abcdef');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('fetched join material from Key Vault');
    const deadline = Number(r.calls.trim());
    const now = Date.now() / 1000;
    expect(deadline - now).toBeGreaterThan(RBAC_PROPAGATION_SECONDS * 2 + 200);
    expect(deadline - now).toBeLessThanOrEqual(RBAC_PROPAGATION_SECONDS * 2 + 300);
  });
});
