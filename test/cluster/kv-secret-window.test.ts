import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { renderNodeEnv } from '../../constructs/cluster/cloud-init';
import { scriptPath } from '../../constructs/cluster/scripts';
import { RBAC_PROPAGATION_SECONDS } from '../../constructs/services/rbac-propagation';
import { nodeProps } from './render';

/**
 * kv-secret's default retry window covers Microsoft's stated role assignment latency (600 s) with margin: the node's
 * Key Vault Secrets User roles are created in the same apply as the VM. The old script gave up after exactly 600 s.
 * Run for real with `curl` answering 403 forever and `sleep` recording the delays instead of sleeping.
 */
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-window-'));
const bin = path.join(root, 'bin');
fs.mkdirSync(bin);
fs.writeFileSync(path.join(root, 'node.env'), renderNodeEnv(nodeProps('worker')));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const stub = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
stub('curl', `out=""; url=""; prev=""
for a in "$@"; do [ "$prev" = "-o" ] && out=$a; case "$a" in http*) url=$a ;; esac; prev=$a; done
case "$url" in *169.254.169.254*) echo '{"access_token":"t"}' > "$out" ;; *) echo '{}' > "$out"; printf 403 ;; esac`);
stub('sleep', 'echo "$1" >> "$SLEEP_LOG"');

test('retries for at least the stated propagation time plus margin before giving up', () => {
  const sleepLog = path.join(root, 'sleeps');
  const r = spawnSync('bash', [scriptPath('kv-secret.sh'), 'k8s-bootstrap-token'], {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, K8S_BOOTSTRAP_ENV_FILE: path.join(root, 'node.env'), SLEEP_LOG: sleepLog },
    encoding: 'utf8',
  });
  expect(r.status).toBe(1);
  const slept = fs.readFileSync(sleepLog, 'utf8').trim().split('\n').map(Number).reduce((a, b) => a + b, 0);
  expect(slept).toBeGreaterThanOrEqual(RBAC_PROPAGATION_SECONDS + 240);
  expect(r.stderr).toContain('giving up on k8s-bootstrap-token after 90 attempts (10 s apart)');
});

test('the validator and the script agree on the window', () => {
  const { NODE_KEY_VAULT_WAIT_MINUTES } = require('../../config/validate/cluster');
  const text = fs.readFileSync(scriptPath('kv-secret.sh'), 'utf8');
  expect(Number(/KV_WAIT_SECONDS:-(\d+)/.exec(text)![1])).toBe(NODE_KEY_VAULT_WAIT_MINUTES * 60);
});
