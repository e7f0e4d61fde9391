/**
 * scripts/teardown.sh with fake `terraform` and `az` on PATH: the stacks go in dependency order, a resource group
 * holding unmanaged resources (a Retain disk) stops the teardown with the list, and --allow-unmanaged destroys that
 * stack again with prevent_deletion_if_contains_resources=false.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'teardown-'));
const bin = path.join(root, 'bin');
const stacks = path.join(root, 'stacks');
fs.mkdirSync(bin);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const script = path.join(__dirname, '..', '..', 'scripts', 'teardown.sh');
const ORDER = ['platform', 'cluster', 'services', 'keyvault', 'vpn', 'network'];

for (const s of ORDER) {
  fs.mkdirSync(path.join(stacks, `prod-${s}`), { recursive: true });
  const resource = s === 'platform' ? {} : { azurerm_resource_group: { 'resource-group': { name: `rg-hyb-prod-${s}` } } };
  fs.writeFileSync(path.join(stacks, `prod-${s}`, 'cdk.tf.json'), JSON.stringify({ resource }));
}
// terraform: destroy of $FAIL_STACK fails unless deletion of non-empty groups is allowed.
fs.writeFileSync(
  path.join(bin, 'terraform'),
  `#!/usr/bin/env bash
echo "terraform $*" >> "$LOG"
case "$*" in
  *" destroy "*) if [ -n "\${FAIL_STACK:-}" ] && [[ "$1" == *"$FAIL_STACK" ]] && [[ "$*" != *prevent_deletion_if_contains_resources=false* ]]; then
       echo "Error: deleting Resource Group: the Resource Group still contains Resources" >&2; exit 1; fi ;;
esac
exit 0
`,
  { mode: 0o755 },
);
fs.writeFileSync(path.join(bin, 'az'), `#!/usr/bin/env bash\necho "az $*" >> "$LOG"\n[[ "$*" == *"rg-hyb-prod-cluster"* ]] && echo "/subscriptions/s/resourceGroups/rg-hyb-prod-cluster/providers/Microsoft.Compute/disks/pvc-0a1b"\nexit 0\n`, { mode: 0o755 });

function teardown(args: string[], env: Record<string, string> = {}) {
  const log = path.join(root, `log-${args.join('')}-${Object.values(env).join('')}`);
  const r = spawnSync('bash', [script, '--env', 'prod', '--stacks-dir', stacks, '--auto-approve', ...args], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, LOG: log, ...env }, encoding: 'utf8' });
  const calls = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : [];
  const destroyed = calls.filter((c) => c.includes(' destroy ')).map((c) => /prod-(\w+)/.exec(c)![1]);
  return { ...r, calls, destroyed };
}

test('destroys the stacks in reverse dependency order', () => {
  const r = teardown([]);
  expect(r.status).toBe(0);
  expect(r.destroyed).toEqual(ORDER);
  expect(r.calls.filter((c) => c.includes(' destroy ')).every((c) => c.includes('-auto-approve') && !c.includes('prevent_deletion'))).toBe(true);
});

test('stops on a resource group with unmanaged resources, listing them, and destroys nothing after it', () => {
  const r = teardown([], { FAIL_STACK: 'prod-cluster' });
  expect(r.status).toBe(3);
  expect(r.stderr).toContain('/providers/Microsoft.Compute/disks/pvc-0a1b');
  expect(r.stderr).toContain('run again with --allow-unmanaged');
  expect(r.destroyed).toEqual(['platform', 'cluster']);
});

test('--allow-unmanaged destroys that stack once more with prevent_deletion_if_contains_resources=false, then goes on', () => {
  const r = teardown(['--allow-unmanaged'], { FAIL_STACK: 'prod-cluster' });
  expect(r.status).toBe(0);
  expect(r.destroyed).toEqual(['platform', 'cluster', 'cluster', ...ORDER.slice(2)]);
  expect(r.calls.filter((c) => c.includes('prevent_deletion_if_contains_resources=false'))).toEqual([expect.stringContaining('prod-cluster')]);
});

test('a failure with an empty resource group is reported, not forced', () => {
  const r = teardown(['--allow-unmanaged'], { FAIL_STACK: 'prod-services' });
  expect(r.status).toBe(1);
  expect(r.calls.some((c) => c.includes('prevent_deletion'))).toBe(false);
});

test('shellcheck passes', () => {
  const r = spawnSync('shellcheck', [script], { encoding: 'utf8' });
  expect(r.stdout + r.stderr).toBe('');
});
