import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, TerraformStack } from 'cdktf';
import { environmentNames, loadEnvironments } from '../../config';
import { buildApp } from '../../stacks/app';
import { asList, expandPipeline, isMapping, jobVariable, Mapping, stageJobs } from './support';

/**
 * The pipelines against the real app: every stack `buildApp` defines (now or after later stacks land) must be
 * planned and deployed, after every stack it depends on, and nothing may wait for the VPN gateway that does not
 * need it. Dependencies come from a real synth (cross-stack references register them), read from the manifest.
 */

/** The components the pipelines deploy per environment, even before all of them are in stacks/app.ts. */
const PLANNED = ['network', 'vpn', 'keyvault', 'services', 'cluster', 'platform'];
/** Stacks that only call Azure Resource Manager: Microsoft-hosted agents. */
const HOSTED = /-(network|vpn|keyvault)$/;

interface AppStack {
  readonly id: string;
  readonly dependencies: string[];
  /** Why the stack needs the private network (Key Vault data plane, Kubernetes API), if it does. */
  readonly privateReach: string[];
}

/** Resource types and providers whose API is only reachable through private endpoints / the private API server. */
const PRIVATE_DATA_PLANE = /^(azurerm_key_vault_(secret|key|certificate)|kubernetes_.*|helm_.*)$/;

function privateReach(stackJson: { resource?: Record<string, unknown>; data?: Record<string, unknown>; provider?: Record<string, unknown> }): string[] {
  const types = [...Object.keys(stackJson.resource ?? {}), ...Object.keys(stackJson.data ?? {})].filter((t) => PRIVATE_DATA_PLANE.test(t));
  const providers = Object.keys(stackJson.provider ?? {}).filter((p) => p === 'kubernetes' || p === 'helm').map((p) => `provider ${p}`);
  return [...new Set([...types, ...providers])].sort();
}

function synthApp(): { stacks: AppStack[]; nodeChildren: string[] } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipelines-app-'));
  try {
    const app = new App({ outdir, skipValidation: true });
    buildApp(app, loadEnvironments());
    const nodeChildren = app.node.children.filter((c): c is TerraformStack => c instanceof TerraformStack).map((s) => s.node.id);
    app.synth();
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as { stacks: Record<string, { dependencies?: string[]; synthesizedStackPath: string }> };
    const stacks = Object.entries(manifest.stacks).map(([id, s]) => ({
      id,
      dependencies: [...(s.dependencies ?? [])].sort(),
      privateReach: privateReach(JSON.parse(fs.readFileSync(path.join(outdir, s.synthesizedStackPath), 'utf8'))),
    }));
    return { stacks, nodeChildren };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** Deploy jobs of one environment stage: stack id -> ids of the stacks its job waits for (transitively). */
function deployGraph(stage: Mapping): Map<string, { direct: string[]; job: Mapping }> {
  // Stack jobs only (job variable STACK_ID); other jobs (the image build) are not stacks and are left out.
  const jobs = new Map([...stageJobs(stage)].filter(([, j]) => jobVariable(j, 'STACK_ID')));
  const others = new Set([...stageJobs(stage).keys()].filter((k) => !jobs.has(k)));
  const stackOf = new Map<string, string>();
  for (const [name, job] of jobs) stackOf.set(name, jobVariable(job, 'STACK_ID') ?? `?${name}`);
  const graph = new Map<string, { direct: string[]; job: Mapping }>();
  for (const [name, job] of jobs) {
    const direct = asList(job['dependsOn']).filter((d) => !others.has(d)).map((d) => {
      const target = stackOf.get(d);
      if (!target) throw new Error(`job ${name} depends on ${d}, which is not a job of stage ${String(stage['stage'])}`);
      return target;
    });
    graph.set(stackOf.get(name)!, { direct, job });
  }
  return graph;
}

function closure(graph: Map<string, { direct: string[] }>, start: string): Set<string> {
  const seen = new Set<string>();
  const visit = (id: string) => {
    for (const d of graph.get(id)?.direct ?? []) {
      if (!seen.has(d)) {
        seen.add(d);
        visit(d);
      }
    }
  };
  visit(start);
  return seen;
}

function stage(doc: Mapping, name: string): Mapping {
  const found = (doc['stages'] as Mapping[]).find((s) => isMapping(s) && s['stage'] === name);
  if (!found) throw new Error(`no stage ${name} (stages: ${(doc['stages'] as Mapping[]).map((s) => s['stage']).join(', ')})`);
  return found;
}

/** Stack ids planned by the jobs of a stage (job variable STACK_ID). */
function plannedStacks(stageDoc: Mapping, environment: string): string[] {
  return [...stageJobs(stageDoc).values()].map((j) => jobVariable(j, 'STACK_ID')).filter((id): id is string => !!id && id.startsWith(`${environment}-`)).sort();
}

const { stacks: appStacks, nodeChildren } = synthApp();
const environments = environmentNames();
const deployOf = new Map(environments.map((e) => [e, expandPipeline(`pipelines/deploy-${e}.yml`)]));
const pr = expandPipeline('pipelines/pr.yml');
const appDeps = new Map(appStacks.map((s) => [s.id, s.dependencies]));
const appClosure = (id: string) => closure(new Map(appStacks.map((s) => [s.id, { direct: s.dependencies }])), id);

describe('the app as the pipelines see it', () => {
  test('app stacks are `<env>-<component>` for every environment file, and the manifest matches app.node.children', () => {
    expect(appStacks.map((s) => s.id).sort()).toEqual([...nodeChildren].sort());
    for (const s of appStacks) expect(s.id).toMatch(new RegExp(`^(${environments.join('|')})-[a-z]+$`));
    for (const env of environments) expect(appStacks.map((s) => s.id)).toContain(`${env}-network`);
  });
});

describe.each(environments)('deploy pipeline, environment %s', (env) => {
  const deploy = deployOf.get(env)!;
  const graph = deployGraph(stage(deploy, `deploy_${env}`));
  const appOfEnv = appStacks.filter((s) => s.id.startsWith(`${env}-`));

  test('deploys the planned stacks (network, vpn, keyvault, services, cluster, platform)', () => {
    expect([...graph.keys()].sort()).toEqual(PLANNED.map((c) => `${env}-${c}`).sort());
  });

  test('deploys every stack the app defines (pipeline ⊇ app)', () => {
    expect(appOfEnv.map((s) => s.id).filter((id) => !graph.has(id))).toEqual([]);
  });

  test('every stack deploys after every stack it depends on in the app (valid dependency order)', () => {
    const violations = appOfEnv.flatMap((s) => {
      const waitsFor = closure(graph, s.id);
      return s.dependencies.filter((dep) => !waitsFor.has(dep)).map((dep) => `${s.id} depends on ${dep} in the app (cross-stack reference), but its deploy job does not wait for ${dep}`);
    });
    expect(violations).toEqual([]);
  });

  test('the documented order: vpn and keyvault after network, services and cluster after keyvault, platform after cluster + services', () => {
    expect(graph.get(`${env}-network`)!.direct).toEqual([]);
    expect(closure(graph, `${env}-vpn`)).toEqual(new Set([`${env}-network`]));
    expect(closure(graph, `${env}-keyvault`)).toEqual(new Set([`${env}-network`]));
    expect(closure(graph, `${env}-services`)).toEqual(new Set([`${env}-network`, `${env}-keyvault`]));
    expect(closure(graph, `${env}-cluster`)).toEqual(new Set([`${env}-network`, `${env}-keyvault`]));
    expect(closure(graph, `${env}-platform`)).toEqual(new Set([`${env}-network`, `${env}-keyvault`, `${env}-services`, `${env}-cluster`]));
  });

  test('the VPN gateway is off the critical path: only network waits before it, and no app stack depends on it', () => {
    // Issue 7: nothing that does not need the gateway may wait for its 30-45 minutes. Besides the pipeline's own
    // order, the app must not make a stack depend on <env>-vpn (a cross-stack reference does exactly that).
    const vpn = `${env}-vpn`;
    const violations = [
      ...[...graph.keys()].filter((id) => id !== vpn && closure(graph, id).has(vpn)).map((id) => `pipeline: ${id} waits for ${vpn}`),
      ...appOfEnv.filter((s) => appClosure(s.id).has(vpn)).map((s) =>
        `app: ${s.id} depends on ${vpn} (${appDeps.get(s.id)!.join(', ')}), so it would wait for the gateway; pass what it needs from an upstream stack (e.g. generate the VPN shared key in ${env}-network) instead`),
    ];
    expect(violations).toEqual([]);
  });

  test('no job waits for a stack it does not need, where the app knows both', () => {
    for (const s of appOfEnv) {
      const extra = [...closure(graph, s.id)].filter((d) => appDeps.has(d) && !appClosure(s.id).has(d) && PLANNED_EDGE_ALLOWED(s.id, d, env) === false);
      expect([s.id, extra]).toEqual([s.id, []]);
    }
  });

  test('stacks that use private data planes (Key Vault secrets, Kubernetes API) deploy and plan from a self-hosted pool in the hub', () => {
    const deployPool = { name: `hyb-${env}-agents` };
    // Pull requests run the branch's code: their own pool, which never runs an apply.
    const prPool = { name: `hyb-${env}-pr-agents` };
    const jobsOf = (id: string) => [
      [graph.get(id)?.job, deployPool] as const,
      ...[...stageJobs(stage(deploy, `plan_${env}`)).values()].filter((j) => jobVariable(j, 'STACK_ID') === id).map((j) => [j, deployPool] as const),
      ...[...stageJobs(stage(pr, 'plan')).values()].filter((j) => jobVariable(j, 'STACK_ID') === id).map((j) => [j, prPool] as const),
    ];
    const violations = appOfEnv.filter((s) => s.privateReach.length > 0).flatMap((s) =>
      jobsOf(s.id).filter(([j, pool]) => !j || JSON.stringify(j['pool']) !== JSON.stringify(pool)).map(([j, pool]) =>
        `${s.id} uses ${s.privateReach.join(', ')} but ${j ? `job ${String(j['job'] ?? j['deployment'])} runs on ${JSON.stringify(j['pool'])}, not ${JSON.stringify(pool)}` : 'has no deploy job'}`));
    expect(violations).toEqual([]);
  });

  test('the planned pools: network, vpn and keyvault on Microsoft-hosted agents, services, cluster and platform self-hosted', () => {
    for (const [id, { job }] of graph) {
      if (HOSTED.test(id)) expect([id, job['pool']]).toEqual([id, { vmImage: expect.stringMatching(/^ubuntu-\d+\.\d+$/) }]);
      else expect([id, job['pool']]).toEqual([id, { name: `hyb-${env}-agents` }]);
    }
  });

  test('every stack deploys as a deployment job on the environment (its approvals and lock apply), with the deploy identity', () => {
    for (const [id, { job }] of graph) {
      expect([id, job['environment']]).toEqual([id, `hybrid-${env}`]);
      expect(JSON.stringify(job)).toContain(`"azureSubscription":"azure-hybrid-${env}-deploy"`);
    }
  });

  test('the plan stage before the deploy stage plans every app stack with the read-only plan identity', () => {
    const plan = stage(deploy, `plan_${env}`);
    expect(plannedStacks(plan, env)).toEqual(expect.arrayContaining(appOfEnv.map((s) => s.id)));
    expect(asList(stage(deploy, `deploy_${env}`)['dependsOn'])).toEqual([`plan_${env}`, `approve_${env}`]);
    for (const job of stageJobs(plan).values()) {
      if (jobVariable(job, 'STACK_ID')) expect(JSON.stringify(job)).toContain(`"azureSubscription":"azure-hybrid-${env}-plan"`);
    }
  });
});

/**
 * Edges the pipeline keeps although the app does not (yet) record them as cross-stack dependencies: the brief's
 * order (cluster after services, platform after cluster) while those stacks are still landing.
 */
function PLANNED_EDGE_ALLOWED(from: string, to: string, env: string): boolean {
  const planned: Record<string, string[]> = {
    [`${env}-cluster`]: [`${env}-services`],
  };
  return (planned[from] ?? []).includes(to);
}

describe('environment order', () => {
  test.each(environments)('deploy-%s.yml has build, plan, approve, deploy (and images) stages for its environment only', (env) => {
    const deploy = deployOf.get(env)!;
    expect((deploy['stages'] as Mapping[]).map((s) => s['stage'])).toEqual(['build', `plan_${env}`, `approve_${env}`, `deploy_${env}`, `images_${env}`]);
    expect(asList(stage(deploy, `plan_${env}`)['dependsOn'])).toEqual(['build']);
    expect(JSON.stringify(deploy)).not.toMatch(new RegExp(environments.filter((e) => e !== env).map((e) => `hybrid-${e}|azure-hybrid-${e}-`).join('|') || '^$'));
  });
  test('prod runs after a successful dev run (pipeline-completion trigger on main), never on its own commits', () => {
    const prod = deployOf.get('prod')!;
    expect(prod['trigger']).toBe('none');
    expect(prod['resources']).toEqual({ pipelines: [{ pipeline: 'dev', source: 'hybrid-deploy-dev', trigger: { branches: { include: ['main'] } } }] });
    expect(deployOf.get('dev')!['trigger']).toMatchObject({ batch: 'true', branches: { include: ['main'] } });
  });
});

describe('pull-request pipeline', () => {
  const plan = stage(pr, 'plan');
  test.each(environments)('plans every app stack of %s and posts one summary per environment', (env) => {
    const planned = plannedStacks(plan, env);
    expect(planned).toEqual(PLANNED.map((c) => `${env}-${c}`).sort());
    expect(planned).toEqual(expect.arrayContaining(appStacks.filter((s) => s.id.startsWith(`${env}-`)).map((s) => s.id)));
    const summary = stageJobs(plan).get(`plan_summary_${env}`)!;
    expect(asList(summary['dependsOn']).sort()).toEqual(PLANNED.map((c) => `plan_${env}_${c}`).sort());
    expect(summary['condition']).toBe('succeededOrFailed()');
    expect(JSON.stringify(summary)).toContain('"POST_TO_PULL_REQUEST":"true"');
  });
  test('runs after tests, synth and policy', () => {
    expect(asList(plan['dependsOn'])).toEqual(['validate']);
    expect(JSON.stringify(stage(pr, 'validate'))).toContain('npm run synth');
  });
});
