import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO } from './support';

/**
 * The reviewed plan is the applied plan: pipelines/scripts/plan-stack.sh --save and deploy-stack.sh with real
 * terraform (1.11+) and terraform_data resources against a real remote state (the `http` backend served by
 * fixtures/http-state-server.mjs). Only `az` is absent: the subscription comes from ARM_SUBSCRIPTION_ID.
 */

const COMMIT = 'a'.repeat(40);
const STACK = 'dev-app';
let server: ChildProcess;
let port = 0;
let dir: string;
let stateName: string;

const AZURE_CLI_TASK_ENV = {
  AZURESUBSCRIPTION_CLIENT_ID: 'client-guid', AZURESUBSCRIPTION_TENANT_ID: 'tenant-guid', AZURESUBSCRIPTION_SERVICE_CONNECTION_ID: 'connection-guid',
  SYSTEM_ACCESSTOKEN: 'system-access-token', SYSTEM_OIDCREQUESTURI: 'https://dev.azure.com/org/_apis/oidctoken', ARM_SUBSCRIPTION_ID: 'sub',
};
const env = (extra: Record<string, string> = {}) => ({
  PATH: process.env.PATH!, HOME: dir, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_INPUT: '0',
  TF_CLI_CONFIG_FILE: path.join(dir, 'empty.tfrc'), AGENT_TEMPDIRECTORY: path.join(dir, 'agent-temp'),
  BUILD_SOURCEVERSION: COMMIT, BUILD_BUILDID: '42', ...AZURE_CLI_TASK_ENV, ...extra,
});
const stackDir = () => path.join(dir, 'cdktf.out', 'stacks', STACK);
const planDir = () => path.join(dir, 'plans');

/** The synthesized stack: two terraform_data resources; `version` changes one in place and replaces the other. */
function synth(version: string, backend: object = { http: { address: `http://127.0.0.1:${port}/state/${stateName}` } }) {
  fs.mkdirSync(stackDir(), { recursive: true });
  fs.writeFileSync(path.join(stackDir(), 'cdk.tf.json'), JSON.stringify({
    terraform: { backend },
    resource: { terraform_data: { settings: { input: version }, node: { triggers_replace: [version] } } },
  }, null, 2));
}
function tf(...args: string[]) {
  const r = spawnSync('terraform', [`-chdir=${stackDir()}`, ...args], { env: env(), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`terraform ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
/** What "someone else" does: init + apply the given version directly. */
function applyDirectly(version: string) {
  synth(version);
  tf('init', '-input=false', '-reconfigure');
  tf('apply', '-auto-approve', '-input=false');
}
/** The remote state as the backend holds it (read straight from the server: no terraform init needed). */
function state() {
  const r = spawnSync('curl', ['-fsS', `http://127.0.0.1:${port}/state/${stateName}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`no state: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
const inputOf = (s: any) => s.resources.find((r: any) => r.name === 'settings').instances[0].attributes.input.value;
function script(name: string, args: string[], extra: Record<string, string> = {}) {
  const r = spawnSync('bash', [path.join(REPO, 'pipelines/scripts', name), ...args], { cwd: dir, env: env(extra), encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}
const plan = (extra: Record<string, string> = {}) => script('plan-stack.sh', [STACK, planDir(), '--save'], extra);
const deploy = (extra: Record<string, string> = {}) => script('deploy-stack.sh', [STACK, planDir()], extra);
/** A fresh checkout of the deploy job: the same synth, no .terraform from the plan job. */
function freshCheckout() {
  fs.rmSync(path.join(stackDir(), '.terraform'), { recursive: true, force: true });
  fs.rmSync(path.join(stackDir(), '.terraform.lock.hcl'), { force: true });
}

beforeAll(async () => {
  server = spawn('node', [path.join(__dirname, 'fixtures', 'http-state-server.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  port = await new Promise<number>((resolve) => server.stdout!.once('data', (d) => resolve(Number(String(d).trim()))));
});
afterAll(() => {
  server.kill('SIGTERM');
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'saved-plan-'));
  fs.writeFileSync(path.join(dir, 'empty.tfrc'), '');
  fs.mkdirSync(path.join(dir, 'agent-temp'));
  fs.symlinkSync(path.join(REPO, 'scripts'), path.join(dir, 'scripts'));
  stateName = path.basename(dir);
  applyDirectly('v1');
  synth('v2');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the plan stage saves the binary plan, the reduced JSON and a binding to commit, state and provider lock', () => {
  const before = state();
  const r = plan();
  expect(r.out).toContain('##vso[task.setvariable variable=hasChanges;isOutput=true]true');
  expect(r.status).toBe(0);
  expect(fs.readdirSync(planDir()).sort()).toEqual([`${STACK}.binding.json`, `${STACK}.json`, `${STACK}.tfplan`]);
  const binding = JSON.parse(fs.readFileSync(path.join(planDir(), `${STACK}.binding.json`), 'utf8'));
  expect(binding).toMatchObject({ stack: STACK, commit: COMMIT, run: '42', hasChanges: true, state: { serial: before.serial, lineage: before.lineage }, providerLock: expect.any(String) });
  expect(Object.keys(binding.sha256).sort()).toEqual(['config', 'reduced', 'tfplan']);
  // The plan took no lock and changed nothing.
  expect(state().serial).toBe(before.serial);
});

test('the deploy applies exactly the saved plan', () => {
  expect(plan().status).toBe(0);
  const before = state();
  freshCheckout();
  const r = deploy();
  expect(r.out).toMatch(/dev-app: saved plan verified \(artifact\)/);
  expect(r.out).toMatch(/dev-app: saved plan verified \(target\)/);
  expect(r.out).toMatch(/Apply complete! Resources: 1 added, 1 changed, 1 destroyed/);
  expect(r.status).toBe(0);
  expect(state().serial).toBeGreaterThan(before.serial);
  expect(inputOf(state())).toBe('v2');
  expect(fs.existsSync(path.join(stackDir(), 'tfplan'))).toBe(false);
});

describe('a stale plan is refused with the reason, and nothing is applied', () => {
  let serial: number;
  beforeEach(() => {
    expect(plan().status).toBe(0);
    freshCheckout();
  });
  const refused = (r: { status: number | null; out: string }, reason: RegExp) => {
    expect(r.out).toMatch(/##vso\[task.logissue type=error\]stale plan for dev-app, refusing to apply \(nothing was applied\)/);
    expect(r.out).toMatch(reason);
    expect(r.out).toContain('Run the pipeline again to plan and review the current state.');
    expect(r.out).not.toMatch(/Apply complete/);
    expect(r.status).toBe(4);
    expect(state().serial).toBe(serial);
  };

  test('the state serial moved (something was applied after the plan)', () => {
    applyDirectly('v3');
    synth('v2'); // the synth of the deploy run is the planned one
    serial = state().serial;
    freshCheckout();
    refused(deploy(), /the state serial moved from \d+ to \d+: something was applied after this plan was made/);
    expect(inputOf(state())).toBe('v3');
  });

  test('the state was replaced (different lineage)', () => {
    const s = state();
    s.lineage = '00000000-1111-2222-3333-444444444444';
    s.serial += 1;
    fs.writeFileSync(path.join(dir, 'other.tfstate'), JSON.stringify(s));
    tf('init', '-input=false');
    tf('state', 'push', '-force', path.join(dir, 'other.tfstate'));
    serial = state().serial;
    freshCheckout();
    refused(deploy(), /the state lineage changed \([0-9a-f-]+ -> 00000000-1111-2222-3333-444444444444\): the state was replaced/);
  });

  test('the run deploys another commit than the one planned', () => {
    serial = state().serial;
    refused(deploy({ BUILD_SOURCEVERSION: 'b'.repeat(40) }), /it was planned at commit aaaaaaaaaaaa, this run deploys bbbbbbbbbbbb/);
  });

  test('the synthesized stack differs from the planned one', () => {
    serial = state().serial;
    synth('v9');
    refused(deploy(), /the synthesized dev-app\/cdk.tf.json differs from the one that was planned/);
  });

  test('the binary plan was changed after the plan stage', () => {
    serial = state().serial;
    fs.appendFileSync(path.join(planDir(), `${STACK}.tfplan`), 'x');
    refused(deploy(), /dev-app.tfplan does not match its recorded SHA-256/);
  });

  test('the provider lock differs (recorded lock hash altered: offline there is no provider release to move it)', () => {
    serial = state().serial;
    const file = path.join(planDir(), `${STACK}.binding.json`);
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), providerLock: 'f'.repeat(64) }));
    refused(deploy(), /the provider lock changed since the plan \(ffffffffffff -> /);
  });
});

test('an empty plan is not applied (and needs no Azure call)', () => {
  synth('v1');
  const r = plan();
  expect(r.out).toContain('hasChanges;isOutput=true]false');
  const serial = state().serial;
  freshCheckout();
  const d = deploy({ AZURESUBSCRIPTION_CLIENT_ID: '' });
  expect(d.out).toContain('dev-app: the reviewed plan has no changes: nothing to apply');
  expect(d.status).toBe(0);
  expect(state().serial).toBe(serial);
});

test('a stack the summary deferred (it read outputs that change in this run) is not applied; a similar name is', () => {
  expect(plan().status).toBe(0);
  const serial = state().serial;
  freshCheckout();
  const d = deploy({ DEFERRED_STACKS: 'dev-network dev-app' });
  expect(d.out).toContain('##vso[task.logissue type=warning]dev-app: deferred, nothing applied');
  expect(d.out).toContain('##vso[task.complete result=SucceededWithIssues;]');
  expect(d.status).toBe(0);
  expect(state().serial).toBe(serial);
  const applied = deploy({ DEFERRED_STACKS: 'dev-application dev-ap' });
  expect(applied.out).toMatch(/Apply complete!/);
  expect(state().serial).toBeGreaterThan(serial);
});

test('Terraform itself still refuses the saved plan if the state moves after our check', () => {
  expect(plan().status).toBe(0);
  applyDirectly('v3');
  synth('v2');
  fs.copyFileSync(path.join(planDir(), `${STACK}.tfplan`), path.join(stackDir(), 'tfplan'));
  const r = spawnSync('terraform', [`-chdir=${stackDir()}`, 'apply', '-input=false', 'tfplan'], { env: env(), encoding: 'utf8' });
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(/Saved plan is stale/);
});

test('a stack on the local backend is refused by plan and deploy, naming the environment file and the bootstrap script', () => {
  synth('v2', { local: { path: 'terraform.dev-app.tfstate' } });
  for (const r of [plan(), deploy()]) {
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/##vso\[task.logissue type=error\]dev-app keeps its Terraform state on the local disk \(no stateBackend in config\/environments\/dev.yaml\)/);
    expect(r.out).toContain('Run scripts/bootstrap-state.sh and paste the stateBackend: block it prints into config/environments/dev.yaml');
    expect(r.out).not.toMatch(/Terraform has been successfully initialized|Apply complete/);
  }
  expect(fs.existsSync(path.join(stackDir(), 'terraform.dev-app.tfstate'))).toBe(false);
});

describe('a downstream stack whose plan read upstream outputs that change in the same run', () => {
  const url = (id: string) => `http://127.0.0.1:${port}/state/${stateName}-${id}`;
  const writeStack = (id: string, json: object) => {
    fs.mkdirSync(path.join(dir, 'cdktf.out', 'stacks', id), { recursive: true });
    fs.writeFileSync(path.join(dir, 'cdktf.out', 'stacks', id, 'cdk.tf.json'), JSON.stringify(json, null, 2));
  };
  // dev-a owns a subnet id; dev-b reads it through remote state, as cdktf cross-stack references do.
  const upstream = (subnet: string) => ({
    terraform: { backend: { http: { address: url('a') } } },
    resource: { terraform_data: { subnet: { input: subnet } } },
    output: { subnet_id: { value: '${terraform_data.subnet.output}' } },
  });
  // Built when the test runs: the server port and the per-test state name are known only then.
  const downstream = () => ({
    terraform: { backend: { http: { address: url('b') } } },
    data: { terraform_remote_state: { a: { backend: 'http', config: { address: url('a') } } } },
    resource: { terraform_data: { nic: { input: '${data.terraform_remote_state.a.outputs.subnet_id}' } } },
  });
  const tfIn = (id: string, ...args: string[]) => {
    const r = spawnSync('terraform', [`-chdir=${path.join(dir, 'cdktf.out', 'stacks', id)}`, ...args], { env: env(), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`terraform ${args.join(' ')} in ${id}: ${r.stderr}`);
  };
  const remote = (id: string) => JSON.parse(spawnSync('curl', ['-fsS', url(id)], { encoding: 'utf8' }).stdout);
  const nicSubnet = () => remote('b').resources.find((r: any) => r.name === 'nic').instances[0].attributes.input.value;

  test('is planned, shown as applied in a later run, and not applied; the next run plans it with the new values', () => {
    writeStack('dev-a', upstream('subnet-1'));
    writeStack('dev-b', downstream());
    for (const id of ['dev-a', 'dev-b']) {
      tfIn(id, 'init', '-input=false');
      tfIn(id, 'apply', '-auto-approve', '-input=false');
    }
    expect(nicSubnet()).toBe('subnet-1');

    // The change: dev-a's subnet is replaced by another, so its output changes.
    writeStack('dev-a', upstream('subnet-2'));
    fs.writeFileSync(path.join(dir, 'cdktf.out', 'manifest.json'), JSON.stringify({ version: '0.21.0', stacks: { 'dev-a': { dependencies: [] }, 'dev-b': { dependencies: ['dev-a'] } } }));
    const artifact = (id: string) => path.join(dir, 'plans', `plan-${id}`);
    for (const id of ['dev-a', 'dev-b']) expect(script('plan-stack.sh', [id, artifact(id), '--save']).status).toBe(0);
    const summary = script('summarize-plans.sh', [], { PLAN_ENVIRONMENT: 'dev', PLAN_DIR: path.join(dir, 'plans') });
    expect(summary.status).toBe(0);
    expect(summary.out).toContain('##vso[task.setvariable variable=deferredStacks;isOutput=true]dev-b');
    expect(summary.out).toContain('**Applied in a later run:** `dev-b` (reads `dev-a`)');

    // The deploy stage, with the verdict's deferredStacks: dev-a applies, dev-b does not.
    const deferred = { DEFERRED_STACKS: 'dev-b' };
    expect(script('deploy-stack.sh', ['dev-a', artifact('dev-a')], deferred).out).toMatch(/Apply complete!/);
    const b = script('deploy-stack.sh', ['dev-b', artifact('dev-b')], deferred);
    expect(b.out).toContain('dev-b: deferred, nothing applied');
    expect(b.status).toBe(0);
    // Its saved plan had read the old subnet: it would have applied "no changes" and left the NIC on subnet-1.
    expect(JSON.parse(fs.readFileSync(path.join(artifact('dev-b'), 'dev-b.binding.json'), 'utf8')).hasChanges).toBe(false);
    expect(nicSubnet()).toBe('subnet-1');

    // The next run plans dev-b against the new outputs.
    fs.rmSync(path.join(dir, 'plans'), { recursive: true });
    expect(script('plan-stack.sh', ['dev-b', artifact('dev-b'), '--save']).out).toContain('hasChanges;isOutput=true]true');
    expect(script('deploy-stack.sh', ['dev-b', artifact('dev-b')], { DEFERRED_STACKS: '' }).out).toMatch(/Apply complete!/);
    expect(nicSubnet()).toBe('subnet-2');
  });
});
