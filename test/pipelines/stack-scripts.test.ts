import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO } from './support';

/**
 * pipelines/scripts/deploy-stack.sh and plan-stack.sh (with arm-env.sh) in a scratch checkout with fake
 * terraform, cdktf and az: what runs, in which order, with which identity variables, and what is left behind.
 */

const FIXTURES = path.join(__dirname, 'fixtures');
const PLAN_JSON = path.join(FIXTURES, 'dev-vpn.tfplan.json');
const SECRET = 's3cr3t-shared-key-that-must-never-print';

let dir: string;
let log: string;

/** The variables AzureCLI@2 (workload identity federation, addSpnToEnvironment) and the step env provide. */
const AZURE_CLI_TASK_ENV = {
  AZURESUBSCRIPTION_CLIENT_ID: 'client-guid',
  AZURESUBSCRIPTION_TENANT_ID: 'tenant-guid',
  AZURESUBSCRIPTION_SERVICE_CONNECTION_ID: 'connection-guid',
  SYSTEM_ACCESSTOKEN: 'system-access-token',
  SYSTEM_OIDCREQUESTURI: 'https://dev.azure.com/org/project-guid/_apis/distributedtask/hubs/build/plans/x/jobs/y/oidctoken',
};

function run(script: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync('bash', [path.join(REPO, 'pipelines/scripts', script), ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: {
      PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`,
      HOME: dir,
      FAKE_LOG: log,
      FAKE_PLAN_JSON: PLAN_JSON,
      AGENT_TEMPDIRECTORY: path.join(dir, 'agent-temp'),
      ...AZURE_CLI_TASK_ENV,
      ...env,
    },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const calls = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []);
const commands = () => calls().filter((l) => /^(terraform|cdktf) /.test(l));

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-scripts-'));
  log = path.join(dir, 'calls.log');
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.mkdirSync(path.join(dir, 'agent-temp'));
  fs.mkdirSync(path.join(dir, 'cdktf.out', 'stacks', 'dev-vpn'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'cdktf.out', 'stacks', 'dev-vpn', 'cdk.tf.json'), JSON.stringify({ terraform: { backend: { azurerm: { key: 'dev-vpn.tfstate' } } } }));
  fs.symlinkSync(path.join(REPO, 'scripts'), path.join(dir, 'scripts'));
  fs.copyFileSync(path.join(FIXTURES, 'fake-terraform.sh'), path.join(dir, 'bin', 'terraform'));
  fs.writeFileSync(path.join(dir, 'bin', 'az'), '#!/usr/bin/env bash\necho "az $*" >> "$FAKE_LOG"\necho sub-from-connection\n');
  for (const f of ['terraform', 'az']) fs.chmodSync(path.join(dir, 'bin', f), 0o755);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('plan-stack.sh (fake terraform: commands and identity; the real flow is in saved-plan.test.ts)', () => {
  const out = () => path.join(dir, 'staging', 'plans');

  test('init, plan without the state lock (-detailed-exitcode -out), show; only a reduced plan (no values) is left', () => {
    const r = run('plan-stack.sh', ['dev-vpn', out()], { FAKE_PLAN_EXIT: '2' });
    expect(r.stderr).not.toMatch(/unexpected/);
    expect(r.status).toBe(0);
    expect(commands()).toEqual([
      'terraform -chdir=cdktf.out/stacks/dev-vpn init -input=false',
      'terraform -chdir=cdktf.out/stacks/dev-vpn plan -input=false -lock=false -detailed-exitcode -out=tfplan',
      'terraform -chdir=cdktf.out/stacks/dev-vpn show -json tfplan',
    ]);
    expect(r.stdout).toContain('##vso[task.setvariable variable=hasChanges;isOutput=true]true');
    expect(fs.readdirSync(out())).toEqual(['dev-vpn.json']);
    const reduced = fs.readFileSync(path.join(out(), 'dev-vpn.json'), 'utf8');
    expect(reduced).not.toContain(SECRET);
    expect(JSON.parse(reduced).resource_changes.length).toBe(6);
    expect(fs.existsSync(path.join(dir, 'cdktf.out/stacks/dev-vpn/tfplan'))).toBe(false);
  });

  test('a failed plan fails the job and leaves no reduced plan', () => {
    expect(run('plan-stack.sh', ['dev-vpn', out()], { FAKE_PLAN_EXIT: '1' }).status).toBe(1);
    expect(commands().some((c) => / show /.test(c))).toBe(false);
    expect(fs.readdirSync(out())).toEqual([]);
  });

  test('terraform sees the workload identity in token-refresh mode and no static credential', () => {
    run('plan-stack.sh', ['dev-vpn', out()], { FAKE_PLAN_EXIT: '2', ARM_CLIENT_SECRET: 'leaked', idToken: 'static-token', ARM_OIDC_TOKEN: 'static' });
    const envs = calls().filter((l) => l.startsWith('env '));
    expect(envs.length).toBe(3);
    for (const e of envs) {
      expect(e).toBe(`env ARM_USE_OIDC=true ARM_USE_AZUREAD=true ARM_CLIENT_ID=client-guid ARM_TENANT_ID=tenant-guid ARM_SUBSCRIPTION_ID=sub-from-connection ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID=connection-guid ARM_OIDC_REQUEST_URL=${AZURE_CLI_TASK_ENV.SYSTEM_OIDCREQUESTURI} ARM_OIDC_REQUEST_TOKEN=set ARM_CLIENT_SECRET= ARM_OIDC_TOKEN=`);
    }
  });

  test('the subscription from the variable group wins over the service connection default', () => {
    run('plan-stack.sh', ['dev-vpn', out()], { ARM_SUBSCRIPTION_ID: 'sub-from-variable-group' });
    expect(calls().find((l) => l.startsWith('env '))).toContain('ARM_SUBSCRIPTION_ID=sub-from-variable-group');
    expect(calls().some((l) => l.startsWith('az '))).toBe(false);
  });

  test('outside a workload identity federation step it stops before terraform, naming what is missing', () => {
    const r = run('plan-stack.sh', ['dev-vpn', out()], { SYSTEM_ACCESSTOKEN: '' });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/##vso\[task.logissue type=error\]SYSTEM_ACCESSTOKEN is empty/);
    expect(commands()).toEqual([]);
  });

  test('a stack not synthesized yet leaves a marker file (the artifact is never empty) and no plan', () => {
    const r = run('plan-stack.sh', ['dev-platform', out()]);
    expect(r.status).toBe(0);
    expect(fs.readdirSync(out())).toEqual(['dev-platform.skipped']);
    expect(commands()).toEqual([]);
  });

  test('deploy-stack.sh skips a stack the app does not synthesize yet', () => {
    const r = run('deploy-stack.sh', ['dev-platform', out()]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/##vso\[task.logissue type=warning\]dev-platform is not in this synth/);
    expect(commands()).toEqual([]);
  });
});

describe('summarize-plans.sh', () => {
  const manifest = { version: '0.21.0', stacks: { 'dev-network': {}, 'dev-vpn': {}, 'prod-network': {} } };
  beforeEach(() => {
    fs.writeFileSync(path.join(dir, 'cdktf.out', 'manifest.json'), JSON.stringify(manifest));
    fs.symlinkSync(path.join(REPO, 'pipelines'), path.join(dir, 'pipelines'));
    // Downloaded artifacts: plan-<stack-id>/<stack-id>.json (reduced) or .skipped.
    const plans = path.join(dir, 'plans');
    fs.mkdirSync(path.join(plans, 'plan-dev-vpn'), { recursive: true });
    fs.mkdirSync(path.join(plans, 'plan-dev-platform'), { recursive: true });
    const reduced = spawnSync('node', [path.join(REPO, 'scripts/plan-summary.mjs'), '--reduce', PLAN_JSON], { encoding: 'utf8' }).stdout;
    fs.writeFileSync(path.join(plans, 'plan-dev-vpn', 'dev-vpn.json'), reduced);
    fs.writeFileSync(path.join(plans, 'plan-dev-platform', 'dev-platform.skipped'), 'not synthesized');
  });
  const env = { PLAN_ENVIRONMENT: 'dev', BUILD_BUILDID: '123', SYSTEM_COLLECTIONURI: 'https://dev.azure.com/org/', SYSTEM_TEAMPROJECT: 'Hybrid Platform' };

  test('summarises every stack of the environment from the manifest; a missing plan shows as "no plan"', () => {
    // A saved plan's binding file next to the reduced plan is not a plan.
    fs.writeFileSync(path.join(dir, 'plans', 'plan-dev-vpn', 'dev-vpn.binding.json'), '{}');
    const r = run('summarize-plans.sh', [], { ...env, PLAN_DIR: path.join(dir, 'plans'), POST_TO_PULL_REQUEST: 'False', SYSTEM_PULLREQUEST_SOURCECOMMITID: 'cafecafecafecafe', BUILD_SOURCEVERSION: 'merge0000000' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const md = fs.readFileSync(path.join(dir, 'agent-temp', 'plan-dev.md'), 'utf8');
    expect(r.stdout).toContain(`##vso[task.uploadsummary]${path.join(dir, 'agent-temp', 'plan-dev.md')}`);
    expect(md.startsWith('<!-- cdktf-plan:dev -->')).toBe(true);
    expect(md).toContain('| `dev-vpn` | 1 | 1 | 2 | 1 | 1 | 1 | 1 |');
    expect(md).toContain('| `dev-network` | - | - | - | - | - | - | **no plan**: the plan job failed or was skipped |');
    // What the pipeline gates on, and the commit the reviewer pushed (not the merge commit).
    expect(r.stdout).toContain('##vso[task.setvariable variable=needsApproval;isOutput=true]true');
    expect(r.stdout).toContain('##vso[task.setvariable variable=hasChanges;isOutput=true]true');
    expect(r.stdout).toContain('##vso[task.setvariable variable=deferredStacks;isOutput=true]\n');
    expect(md).toContain('commit `cafecafecafe`');
    expect(md).not.toContain('prod-network');
    expect(md).not.toContain('dev-platform');
    expect(md).toContain('(https://dev.azure.com/org/Hybrid%20Platform/_build/results?buildId=123)');
  });

  test('posts to the pull request only in pull-request builds that ask for it', () => {
    const plans = path.join(dir, 'plans');
    expect(run('summarize-plans.sh', [], { ...env, PLAN_DIR: plans, POST_TO_PULL_REQUEST: 'True', BUILD_REASON: 'IndividualCI' }).status).toBe(0);
    // In a PR build it calls pr-comment.mjs, which here has no PR to talk to: the job fails loudly.
    const pr = run('summarize-plans.sh', [], { ...env, PLAN_DIR: plans, POST_TO_PULL_REQUEST: 'True', BUILD_REASON: 'PullRequest', SYSTEM_PULLREQUEST_PULLREQUESTID: '' });
    expect(pr.status).toBe(1);
    expect(pr.stderr).toMatch(/pr-comment: .* is not set/);
  });
});
