import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadEnvironments } from '../../config';
import { localStateProblems, OPT_IN } from '../../scripts/local-state-guard';
import { REPO } from './support';

/**
 * The local state backend is refused everywhere but a developer's own cdktf run with an explicit opt-in:
 * main.ts (cdktf synth|diff|deploy) through scripts/local-state-guard.ts, the pipelines through
 * pipelines/scripts/check-state-backend.mjs on the synthesized stacks (per stack in plan/deploy: saved-plan.test.ts).
 */

const environments = loadEnvironments();
const dev = environments.find((e) => e.config.name === 'dev')!;
const withBackend = { ...dev, config: { ...dev.config, stateBackend: { resourceGroupName: 'rg-hyb-dev-tfstate', storageAccountName: 'sthybdevtfstate', containerName: 'tfstate' } } };

describe('cdktf (main.ts): local state only with the opt-in, never on an agent', () => {
  test('the repository environments have no stateBackend yet, so each is refused, naming its file and the bootstrap script', () => {
    const problems = localStateProblems(environments, {});
    expect(problems).toHaveLength(environments.length);
    expect(problems.find((p) => p.startsWith('config/environments/dev.yaml:'))).toMatch(
      /no stateBackend, so cdktf would keep dev's Terraform state in local files .*Run scripts\/bootstrap-state.sh and paste the stateBackend: block it prints into config\/environments\/dev.yaml .*opt in with HYB_ALLOW_LOCAL_STATE=dev/);
  });

  test('a developer opts in per environment', () => {
    expect(localStateProblems([dev], { [OPT_IN]: 'dev' })).toEqual([]);
    expect(localStateProblems([dev], { [OPT_IN]: 'prod' })).toHaveLength(1);
    expect(localStateProblems([dev], { [OPT_IN]: 'qa, dev' })).toEqual([]);
  });

  test.each([['TF_BUILD', 'True'], ['CI', 'true']])('with %s set (a pipeline agent) the opt-in does not apply', (name, value) => {
    const [problem] = localStateProblems([dev], { [OPT_IN]: 'dev', [name]: value });
    expect(problem).toMatch(new RegExp(`this is a CI agent \\(${name} is set\\), where local state is lost with the job: HYB_ALLOW_LOCAL_STATE does not apply here`));
  });

  test('an environment with a stateBackend is fine anywhere', () => {
    expect(localStateProblems([withBackend], { TF_BUILD: 'True' })).toEqual([]);
  });
});

describe('pipelines: check-state-backend.mjs on the synthesized stacks (the validate job)', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'state-backend-'));
    const stacks: Record<string, object> = {};
    for (const [id, backend] of [['dev-network', { local: { path: 'terraform.dev-network.tfstate' } }], ['dev-vpn', undefined], ['prod-network', { azurerm: { key: 'prod-network.tfstate' } }]] as const) {
      stacks[id] = {};
      fs.mkdirSync(path.join(dir, 'stacks', id), { recursive: true });
      fs.writeFileSync(path.join(dir, 'stacks', id, 'cdk.tf.json'), JSON.stringify({ terraform: backend ? { backend } : {} }));
    }
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ version: '0.21.0', stacks }));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const check = (...args: string[]) => spawnSync('node', [path.join(REPO, 'pipelines/scripts/check-state-backend.mjs'), ...args], { encoding: 'utf8' });

  test('a local (or missing) backend fails the run, naming every stack, its environment file and the bootstrap script', () => {
    const r = check(dir);
    expect(r.status).toBe(1);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('##vso[task.logissue type=error]'))).toHaveLength(2);
    expect(r.stdout).toMatch(/dev-network keeps its Terraform state on the local disk \(no stateBackend in config\/environments\/dev.yaml\).*Run scripts\/bootstrap-state.sh/);
    expect(r.stdout).toMatch(/dev-vpn keeps its Terraform state on the local disk/);
    expect(r.stdout).not.toContain('prod-network');
  });

  test('only the environments the run deploys are checked; a remote backend passes', () => {
    const r = check(dir, 'prod');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('every stack has a remote state backend');
  });

  test('an environment without stacks in the synth is an error, not a pass', () => {
    const r = check(dir, 'qa');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no stacks of qa in .*manifest.json/);
  });
});
