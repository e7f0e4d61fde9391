import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { renderNodeEnv } from '../../constructs/cluster/cloud-init';
import { scriptPath } from '../../constructs/cluster/scripts';
import { nodeProps } from './render';

/**
 * The node-side checks that make the mission's field failures loud, run for real with stub commands on PATH:
 * the Key Vault name must resolve privately (failure 1: zone linked to the wrong VNet) and Key Vault answers are
 * retried with a reason per status (role assignment still propagating).
 */
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'node-checks-'));
const bin = path.join(root, 'bin');
const state = path.join(root, 'state');
fs.mkdirSync(bin);
fs.mkdirSync(state);
fs.writeFileSync(path.join(root, 'node.env'), renderNodeEnv(nodeProps('worker')));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const env = (extra: Record<string, string> = {}) => ({
  ...process.env,
  PATH: `${bin}:${process.env.PATH}`,
  K8S_BOOTSTRAP_ENV_FILE: path.join(root, 'node.env'),
  K8S_BOOTSTRAP_STATE_DIR: state,
  K8S_BOOTSTRAP_LOG: path.join(root, 'log'),
  ...extra,
});
const stub = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });

describe('private DNS check before reading Key Vault', () => {
  const check = () =>
    spawnSync('bash', ['-c', 'source "$1"; check_private_dns', 'dns-check-test', scriptPath('k8s-bootstrap.sh')], { env: env(), encoding: 'utf8' });

  test('a vault name that resolves to a public address stops the bootstrap with the reason', () => {
    stub('getent', 'echo "52.157.1.10     STREAM kv-placeholder.vault.azure.net"');
    const r = check();
    expect(r.status).toBe(1);
    const failed = fs.readFileSync(path.join(state, 'failed'), 'utf8');
    expect(failed).toContain('step=private-dns');
    expect(failed).toContain('resolves to 52.157.1.10, a public address: the privatelink.vaultcore.azure.net zone is not linked to this VNet');
  });

  test('a private endpoint address passes', () => {
    stub('getent', 'echo "10.10.1.4       STREAM kv-placeholder.privatelink.vaultcore.azure.net"');
    const r = check();
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('resolves to private address 10.10.1.4');
  });
});

describe('kv-secret', () => {
  // curl stub: IMDS answers with a token; Key Vault answers with the statuses listed in $KV_STATUSES, one per call.
  stub(
    'curl',
    `out=""; url=""; prev=""
for a in "$@"; do [ "$prev" = "-o" ] && out=$a; case "$a" in http*) url=$a ;; esac; prev=$a; done
case "$url" in
  *169.254.169.254*) echo '{"access_token":"stub-token"}' > "$out" ;;
  *) n=$(cat "$COUNTER" 2>/dev/null || echo 0); echo $((n + 1)) > "$COUNTER"
     status=$(echo "$KV_STATUSES" | cut -d, -f$((n + 1)))
     echo '{"value":"-----BEGIN RSA PRIVATE KEY-----"}' > "$out"; printf '%s' "\${status:-200}" ;;
esac`,
  );
  const kv = (statuses: string, attempts = 3) =>
    spawnSync('bash', [scriptPath('kv-secret.sh'), 'k8s-ca-key'], {
      env: env({ KV_STATUSES: statuses, KV_ATTEMPTS: String(attempts), KV_DELAY_SECONDS: '0', COUNTER: path.join(root, `counter-${statuses}`) }),
      encoding: 'utf8',
    });

  test('retries while the role assignment propagates, saying so, then prints the value', () => {
    const r = kv('403,403,200');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('-----BEGIN RSA PRIVATE KEY-----\n');
    expect(r.stderr).toContain('k8s-ca-key: HTTP 403 forbidden: the Key Vault Secrets User role assignment is missing or still propagating (attempt 1/3)');
    expect(r.stderr).not.toContain('stub-token');
  });

  test('gives up after the bounded number of attempts with the last reason', () => {
    const r = kv('404,404', 2);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('HTTP 404 not found');
    expect(r.stderr).toContain('giving up on k8s-ca-key after 2 attempts');
  });
});
