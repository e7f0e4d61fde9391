import * as fs from 'fs';
import * as path from 'path';
import { asList, collectSteps, entryPipelines, expandPipeline, isMapping, jobVariable, loadPipelineYaml, Mapping, REPO, stageJobs } from './support';

/**
 * The review gates as the service will build them (expanded pipelines): one extends template, the saved plan
 * applied after an approval that the verdict asks for, identities and pools kept apart, locks and timeouts.
 */

const ENVIRONMENTS = ['dev', 'prod'];
const pr = expandPipeline('pipelines/pr.yml');
const deployOf = new Map(ENVIRONMENTS.map((e) => [e, expandPipeline(`pipelines/deploy-${e}.yml`)]));
const stageOf = (doc: Mapping, name: string) => (doc['stages'] as Mapping[]).find((s) => s['stage'] === name)!;
const allJobs = (doc: Mapping) => (doc['stages'] as Mapping[]).flatMap((s) => [...stageJobs(s).values()].map((j) => ({ stage: String(s['stage']), job: j })));
const text = (n: unknown) => JSON.stringify(n);
const script = (name: string) => fs.readFileSync(path.join(REPO, 'pipelines/scripts', name), 'utf8');

describe('one template for every pipeline (the required-template check can name it)', () => {
  test.each(entryPipelines())('%s only extends templates/pipeline.yml', (file) => {
    const doc = loadPipelineYaml(file) as Mapping;
    expect(doc['extends']).toMatchObject({ template: 'templates/pipeline.yml' });
    for (const key of ['stages', 'jobs', 'steps', 'variables', 'pool']) expect([file, key, key in doc]).toEqual([file, key, false]);
  });

  test('the template takes only the mode and the environment: connections, pools and environments derive from them', () => {
    const doc = loadPipelineYaml('pipelines/templates/pipeline.yml') as Mapping;
    expect((doc['parameters'] as Mapping[]).map((p) => [p['name'], p['values']])).toEqual([['mode', ['pull-request', 'deploy']], ['environment', ['none', 'dev', 'prod']]]);
  });
});

describe('pull requests plan with the plan identity on a pool that never applies', () => {
  const deployPools = new Set([...deployOf.values()].flatMap((d) => allJobs(d).filter(({ job }) => 'deployment' in job).map(({ job }) => text(job['pool']))).filter((p) => p.includes('"name"')));

  test('no apply connection, no deployment job, no saved plan in the pull-request pipeline', () => {
    expect(text(pr)).not.toMatch(/azure-hybrid-\w+-deploy|"deployment"|--save/);
    const plans = allJobs(pr).filter(({ job }) => jobVariable(job, 'STACK_ID'));
    expect(plans.length).toBe(12);
    for (const { job } of plans) expect(text(job)).toMatch(/"azureSubscription":"azure-hybrid-(dev|prod)-plan"/);
  });

  test('self-hosted pools of pull-request jobs are never the pools that run applies', () => {
    const prPools = allJobs(pr).map(({ job }) => text(job['pool'])).filter((p) => p.includes('"name"'));
    expect(prPools.length).toBeGreaterThan(0);
    for (const p of prPools) expect([p, deployPools.has(p)]).toEqual([p, false]);
  });

  test('when validate fails (no plan for this push), the previous summaries are marked stale', () => {
    const stale = stageOf(pr, 'stale');
    expect(stale).toMatchObject({ dependsOn: 'validate', condition: 'failed()' });
    expect(text(stale)).toContain('pr-comment.mjs --marker \\"cdktf-plan:$environment\\" --stale \\"${PLAN_COMMIT}\\"');
    expect(text(stale)).toContain('"PLAN_COMMIT":"$(System.PullRequest.SourceCommitId)"');
  });
});

describe.each(ENVIRONMENTS)('deploy-%s.yml applies only what was reviewed and approved', (env) => {
  const deploy = deployOf.get(env)!;
  const plan = stageOf(deploy, `plan_${env}`);
  const approve = stageOf(deploy, `approve_${env}`);
  const apply = stageOf(deploy, `deploy_${env}`);
  const verdict = (name: string) => `dependencies.plan_${env}.outputs['plan_summary_${env}.verdict.${name}']`;

  test('the plan stage saves every stack\'s plan with the read-only identity, and the summary step is the verdict', () => {
    const jobs = [...stageJobs(plan).values()].filter((j) => jobVariable(j, 'STACK_ID'));
    expect(jobs.length).toBe(6);
    for (const j of jobs) {
      const step = collectSteps(j, 'job').find(({ step }) => (step['inputs'] as Mapping | undefined)?.['scriptPath'] === 'pipelines/scripts/plan-stack.sh')!.step;
      expect(step['name']).toBe('plan');
      expect((step['inputs'] as Mapping)['arguments']).toBe('$(STACK_ID) $(Build.ArtifactStagingDirectory)/plans --save');
      expect((step['inputs'] as Mapping)['azureSubscription']).toBe(`azure-hybrid-${env}-plan`);
      expect(text(j)).toContain('"artifact":"plan-$(STACK_ID)"');
    }
    const summary = stageJobs(plan).get(`plan_summary_${env}`)!;
    expect(collectSteps(summary, 'job').some(({ step }) => step['name'] === 'verdict' && String(step['script']).includes('summarize-plans.sh'))).toBe(true);
    // The variables the conditions read are the ones the script sets.
    expect(script('summarize-plans.sh')).toMatch(/for name in needsApproval hasChanges/);
  });

  test('an approval gate whenever the verdict needs one (deletes, replaces, dangerous changes, missing plans), in every environment', () => {
    expect(approve['condition']).toBe(`and(in(dependencies.plan_${env}.result, 'Succeeded', 'SucceededWithIssues'), eq(${verdict('needsApproval')}, 'true'))`);
    const jobs = [...stageJobs(approve).values()];
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ deployment: 'approval', environment: `hybrid-${env}-approval` });
  });

  test('the deploy stage waits for the approval when there is one, and is skipped when the plans change nothing', () => {
    expect(asList(apply['dependsOn'])).toEqual([`plan_${env}`, `approve_${env}`]);
    expect(apply['condition']).toBe(`and(in(dependencies.plan_${env}.result, 'Succeeded', 'SucceededWithIssues'), in(dependencies.approve_${env}.result, 'Succeeded', 'Skipped'), eq(${verdict('hasChanges')}, 'true'))`);
  });

  const stackJobs = () => [...stageJobs(apply).values()].filter((j) => jobVariable(j, 'STACK_ID'));

  test('each deploy job applies the saved plan with the apply identity: no plan of its own', () => {
    const jobs = stackJobs();
    expect(jobs.length).toBe(6);
    for (const j of jobs) {
      const steps = collectSteps(j, 'job').map(({ step }) => step);
      const download = steps.findIndex((s) => s['task'] === 'DownloadPipelineArtifact@2' && (s['inputs'] as Mapping)['artifactName'] === 'plan-$(STACK_ID)');
      const applyStep = steps.findIndex((s) => (s['inputs'] as Mapping | undefined)?.['scriptPath'] === 'pipelines/scripts/deploy-stack.sh');
      expect([download >= 0, applyStep > download]).toEqual([true, true]);
      expect((steps[applyStep]!['inputs'] as Mapping)['arguments']).toBe('$(STACK_ID) $(Pipeline.Workspace)/plans');
      expect((steps[applyStep]!['inputs'] as Mapping)['azureSubscription']).toBe(`azure-hybrid-${env}-deploy`);
      // The stacks the summary deferred (their plan read outputs that change in this run) reach the script.
      expect(jobVariable(j, 'DEFERRED_STACKS')).toBe(`$[ stageDependencies.plan_${env}.plan_summary_${env}.outputs['verdict.deferredStacks'] ]`);
    }
    expect(script('summarize-plans.sh')).toContain('for name in needsApproval hasChanges deferredStacks');
    expect(script('deploy-stack.sh')).toContain('for deferred in ${DEFERRED_STACKS:-}');
    expect(script('deploy-stack.sh')).not.toMatch(/terraform[^\n]* plan /);
    expect(script('deploy-stack.sh')).toMatch(/apply -input=false -lock-timeout="\$\{APPLY_LOCK_TIMEOUT:-60m\}" tfplan/);
  });

  test('exclusive lock on the environment, state-lock wait above the longest apply, job timeouts above the wait', () => {
    expect(apply['lockBehavior']).toBe('sequential');
    for (const j of stackJobs()) {
      const wait = Number(/"APPLY_LOCK_TIMEOUT":"(\d+)m"/.exec(text(j))![1]);
      expect(wait).toBeGreaterThan(45); // a VPN gateway apply takes 30-45 minutes
      const id = jobVariable(j, 'STACK_ID')!;
      expect([id, Number(j['timeoutInMinutes']) >= wait + (id.endsWith('-vpn') ? 45 : 20)]).toEqual([id, true]);
      expect(j['environment']).toBe(`hybrid-${env}`);
    }
  });

  test('every job that runs terraform installs it through the verifying installer first', () => {
    for (const { job } of allJobs(deploy)) {
      const steps = collectSteps(job, 'job').map(({ step }) => text(step));
      const tf = steps.findIndex((s) => /(plan|deploy)-stack\.sh/.test(s));
      if (tf < 0) continue;
      const install = steps.findIndex((s) => s.includes('install-terraform.sh'));
      expect([String(job['job'] ?? job['deployment']), install >= 0 && install < tf]).toEqual([String(job['job'] ?? job['deployment']), true]);
    }
  });

  test('the build refuses stacks of this environment on the local state backend before anything is planned', () => {
    const validate = text(stageOf(deploy, 'build'));
    expect(validate).toContain('check-state-backend.mjs cdktf.out \\"${environments[@]}\\"');
    expect(validate).toContain(`"STATE_ENVIRONMENTS":"${env}"`);
  });
});

describe.each(ENVIRONMENTS)('deploy-%s.yml builds the tool\'s images before the platform stack', (env) => {
  const deploy = deployOf.get(env)!;
  test('in the deploy stage: after services (the registry), before platform; with the registry from the variable group', () => {
    const jobs = stageJobs(stageOf(deploy, `deploy_${env}`));
    const images = jobs.get(`build_images_${env}`)!;
    expect(asList(images['dependsOn'])).toEqual(['deploy_services']);
    expect(images['pool']).toEqual({ name: `hyb-${env}-agents` });
    expect(text(images)).toContain(`"arguments":"${env} $(REGISTRY_NAME)"`);
    expect(asList(jobs.get('deploy_platform')!['dependsOn'])).toContain(`build_images_${env}`);
  });
  test('alone when the deploy stage is skipped (a new image tag changes no Terraform plan)', () => {
    const images = stageOf(deploy, `images_${env}`);
    expect(images['condition']).toBe(`and(in(dependencies.plan_${env}.result, 'Succeeded', 'SucceededWithIssues'), in(dependencies.approve_${env}.result, 'Succeeded', 'Skipped'), eq(dependencies.deploy_${env}.result, 'Skipped'))`);
    expect([...stageJobs(images).keys()]).toEqual([`build_images_${env}`]);
  });
});

test.each(['pipelines/pr.yml', 'pipelines/deploy-dev.yml', 'pipelines/deploy-prod.yml'])('%s: the job running the test suite (real terraform) installs Terraform first: ubuntu-24.04 images ship none', (file) => {
  const doc = file === 'pipelines/pr.yml' ? pr : deployOf.get(/deploy-(\w+)/.exec(file)![1]!)!;
  const jobs = allJobs(doc).filter(({ job }) => text(job).includes('bash .ci/run'));
  expect(jobs.length).toBe(1);
  const steps = collectSteps(jobs[0]!.job, 'job').map(({ step }) => text(step));
  const install = steps.findIndex((s) => s.includes('install-terraform.sh'));
  expect([install >= 0, install < steps.findIndex((s) => s.includes('bash .ci/run'))]).toEqual([true, true]);
});

test('deploy jobs and plan stages of one environment never name the other environment', () => {
  for (const [env, doc] of deployOf) {
    const other = ENVIRONMENTS.filter((e) => e !== env);
    for (const { stage, job } of allJobs(doc)) for (const o of other) expect([stage, text(job).includes(`-${o}-`) || text(job).includes(`hybrid-${o}`)]).toEqual([stage, false]);
  }
  expect(isMapping(pr)).toBe(true);
});
