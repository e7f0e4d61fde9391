import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../critical-path/cli';
import { loadStacks, parseStack, StackGraph } from '../../critical-path/graph';
import { toJson } from '../../critical-path/report';
import { estimate, simulateStack } from '../../critical-path/simulate';
import { applySet, loadTimes, TimesTable, validateTimes } from '../../critical-path/times';
import { synthEnvironment } from '../cluster/synth';

const times = loadTimes();
/** A table with round numbers, so the arithmetic in the unit tests is obvious. */
const simple: TimesTable = {
  ...times,
  stackOverheadMinutes: { minutes: 0, kind: 'estimate', source: 'test' },
  default: { minutes: 1, kind: 'estimate', source: 'test' },
  types: { slow: { minutes: 10, kind: 'estimate', source: 'test' }, fast: { minutes: 1, kind: 'estimate', source: 'test' }, time_sleep: { minutes: 99, kind: 'estimate', source: 'test' } },
  activities: { quick: { minutes: 0.5, kind: 'estimate', source: 'test' } },
  onNode: { join: { prepareMinutes: 6, joinMinutes: 3, kind: 'estimate', source: 'test' } },
};
/** Microsoft's stated role assignment latency, in minutes (the writer stacks' time_sleep). */
const RBAC_MINUTES = 10;
const finishOf = (stack: StackGraph, t = simple, p?: number) => Object.fromEntries([...simulateStack(stack, t, p)].map(([a, r]) => [a, r.finish]));

describe('reading the synthesized graph', () => {
  const doc = {
    data: { terraform_remote_state: { 'cross-stack-reference-input-x-network': {} } },
    locals: { uri: '${data.terraform_remote_state.cross-stack-reference-input-x-network.outputs.uri}' },
    resource: {
      slow: { a: { name: 'a' } },
      fast: {
        b: { custom_data: '${base64encode(join("", ["#cloud-config ", slow.a.id, local.uri]))}', nested: [{ deep: { v: '${slow.a.name}' } }] },
        c: { depends_on: ['fast.b'], text: 'slow.a is only text here, no interpolation' },
      },
    },
  };
  const stack = parseStack('x-cluster', doc, ['x-keyvault']);

  test('references inside function calls and nested blocks, depends_on, locals and remote state are edges', () => {
    expect([...stack.resources.get('fast.b')!.deps].sort()).toEqual(['local.uri', 'slow.a']);
    expect([...stack.resources.get('fast.c')!.deps]).toEqual(['fast.b']);
    expect([...stack.resources.get('local.uri')!.deps]).toEqual(['data.terraform_remote_state.cross-stack-reference-input-x-network']);
    expect(stack.dependsOn).toEqual(['x-keyvault', 'x-network']);
    expect(stack.environment).toBe('x');
  });

  test('a chain adds up, independent resources overlap', () => {
    expect(finishOf(stack)).toMatchObject({ 'slow.a': 10, 'fast.b': 11, 'fast.c': 12 });
  });
});

describe('Terraform parallelism, sleeps and hints', () => {
  const many = parseStack('x-a', { resource: { slow: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`r${i}`, {}])) } });

  test('at most `parallelism` resources at a time (terraform apply -parallelism, default 10)', () => {
    expect(Math.max(...Object.values(finishOf(many)))).toBe(20);
    expect(Math.max(...Object.values(finishOf(many, simple, 12)))).toBe(10);
    expect(() => finishOf(many, simple, 0)).toThrow(/allowed: an integer >= 1/);
  });

  test('a time_sleep counts its own create_duration; an activity hint replaces the type time', () => {
    const s = parseStack('x-b', {
      resource: {
        time_sleep: { wait: { create_duration: '600s' } },
        slow: { manifests: { '//': { criticalPath: { activity: 'quick' } } }, unknown: { '//': { criticalPath: { activity: 'nope' } } } },
      },
    });
    const ok = parseStack('x-b', { resource: { time_sleep: { wait: { create_duration: '1m30s' } }, slow: { manifests: { '//': { criticalPath: { activity: 'quick' } } } } } });
    expect(finishOf(ok)).toEqual({ 'time_sleep.wait': 1.5, 'slow.manifests': 0.5 });
    // A destroy-time action (azapi_resource_action when = "destroy") costs nothing on create.
    expect(finishOf(parseStack('x-d', { resource: { slow: { undo: { when: 'destroy' } } } }))).toEqual({ 'slow.undo': 0 });
    expect(() => finishOf(s)).toThrow(/slow\.unknown: activity "nope" has no entry in the times table; allowed: quick/);
  });

  test('joins ordered on the nodes are counted honestly: nodes prepare together, joins add up along the chain', () => {
    const gate = (waits: string[]) => ({ '//': { criticalPath: { onNode: 'join', waitsOnNodeFor: waits } } });
    const s = parseStack('x-c', {
      resource: {
        vm: { a: {}, b: {}, c: {}, w: {} },
        ext: {
          a: { vm: '${vm.a.id}', ...gate([]) },
          b: { vm: '${vm.b.id}', ...gate(['ext.a']) },
          c: { vm: '${vm.c.id}', ...gate(['ext.b']) },
          w: { vm: '${vm.w.id}', ...gate(['ext.a']) },
        },
      },
    });
    // VMs 1 min, then 6 min of preparation everywhere at once; init 3; each control-plane join 3 after the previous.
    expect(finishOf(s)).toMatchObject({ 'ext.a': 10, 'ext.b': 13, 'ext.c': 16, 'ext.w': 13 });
    const timings = simulateStack(s, simple);
    expect(timings.get('ext.c')!.waitedOnNodeFor).toBe('ext.b');
    expect(timings.get('ext.a')!.waitedOnNodeFor).toBeUndefined();
  });

  test("a node prepares from its VM's creation, even when its gate waits in Terraform for something later", () => {
    const gate = (deps: string[]) => ({ depends_on: deps, '//': { criticalPath: { onNode: 'join', waitsOnNodeFor: [] } } });
    const s = parseStack('x-e', {
      resource: {
        azurerm_linux_virtual_machine: { a: {}, b: {} },
        slow: { secret: {} },
        fast: { early: {} },
        ext: { late: { vm: '${azurerm_linux_virtual_machine.a.id}', ...gate(['slow.secret']) }, soon: { vm: '${azurerm_linux_virtual_machine.b.id}', ...gate(['fast.early']) } },
      },
    });
    // VM at 1, prepared at 7; the gate starts at 10 (after the secret): join 3 -> 13, not 10 + 6 + 3.
    // The other gate starts at 1 (VM and the fast resource): prepared at 7, joined at 10, as before.
    expect(finishOf(s)).toMatchObject({ 'ext.late': 13, 'ext.soon': 10 });
  });
});

describe('environments', () => {
  const stack = (name: string, resources: Record<string, unknown>, reads: string[] = []) =>
    parseStack(name, { resource: resources, data: { terraform_remote_state: Object.fromEntries(reads.map((r) => [`cross-stack-reference-input-${r}`, {}])) } } as never);
  const stacks = [
    stack('e-network', { fast: { n: {} } }),
    stack('e-vpn', { slow: { gw: {} } }, ['e-network']),
    stack('e-services', { slow: { db: {} } }, ['e-network']),
    stack('e-cluster', { fast: { vm: {} } }, ['e-network', 'e-services']),
  ];

  test('stacks start when the stacks they read are done; the critical path follows the last one', () => {
    const [e] = estimate(stacks, simple);
    expect(e.totalMinutes).toBe(12);
    expect(e.criticalPath).toEqual(['e-network', 'e-services', 'e-cluster']);
  });

  test('--json has exactly the shape the plan summary reads', () => {
    const json = toJson(estimate(stacks, simple));
    expect(Object.keys(json)).toEqual(['environments']);
    expect(Object.keys(json.environments.e).sort()).toEqual(['criticalPath', 'stacks', 'totalMinutes']);
    expect(json.environments.e.stacks['e-cluster']).toEqual({ startMinute: 11, finishMinute: 12, durationMinutes: 1 });
  });

  test('a stack that reads a missing stack, or a cycle, is reported', () => {
    expect(() => estimate([stack('e-a', {}, ['e-b'])], simple)).toThrow(/e-a reads stack e-b, which is not in the synth output/);
    expect(() => estimate([stack('e-a', {}, ['e-b']), stack('e-b', {}, ['e-a'])], simple)).toThrow(/stack dependency cycle: e-a -> e-b -> e-a/);
  });
});

describe('the times table', () => {
  test('every shipped entry has a number and a source', () => {
    expect(() => validateTimes(times, 'shipped')).not.toThrow();
    for (const t of ['azurerm_virtual_network_gateway', 'azurerm_postgresql_flexible_server', 'azurerm_linux_virtual_machine', 'helm_release', 'azurerm_private_endpoint']) {
      expect(times.types[t]!.source.length).toBeGreaterThan(10);
    }
  });

  test('an entry without a source or with a negative time is refused, naming the entry', () => {
    const bad = { ...times, types: { ...times.types, helm_release: { minutes: -1, kind: 'guess', source: '' } } } as unknown as TimesTable;
    expect(() => validateTimes(bad, 'mine.json')).toThrow(/mine\.json:\n {2}types\.helm_release\.minutes is -1; allowed: a number of minutes >= 0\n {2}types\.helm_release\.kind is "guess"; allowed: documented, estimate, measured\n {2}types\.helm_release\.source is missing/);
  });

  test('--set overrides a type, an activity, an on-node phase or the stack overhead; anything else is refused', () => {
    expect(applySet(times, 'azurerm_virtual_network_gateway=30').types.azurerm_virtual_network_gateway).toMatchObject({ minutes: 30, kind: 'measured' });
    expect(applySet(times, 'helm-manifests=1').activities['helm-manifests']!.minutes).toBe(1);
    expect(applySet(times, 'kubeadm-join-control-plane.joinMinutes=4').onNode['kubeadm-join-control-plane']!.joinMinutes).toBe(4);
    expect(applySet(times, 'stackOverhead=0').stackOverheadMinutes.minutes).toBe(0);
    expect(() => applySet(times, 'helm_release')).toThrow(/allowed: <resource type or activity>=<minutes>/);
    expect(() => applySet(times, 'nope.joinMinutes=1')).toThrow(/no on-node activity "nope"; allowed: kubeadm-init, /);
  });
});

/**
 * Types whose stacks the cluster must never wait for: PostgreSQL (~10 min plus its endpoint), the Recovery Services
 * vaults, the cache storage. (A registry, ~1 min, may move to an early stack the cluster reads, e.g. for AcrPull.)
 */
const DATA_SERVICES = ['azurerm_postgresql_flexible_server', 'azurerm_recovery_services_vault', 'azurerm_storage_account'];

function upstream(stacks: ReadonlyArray<StackGraph>, name: string): StackGraph[] {
  const byName = new Map(stacks.map((s) => [s.name, s]));
  const out = new Map<string, StackGraph>();
  const visit = (n: string) => {
    for (const d of byName.get(n)?.dependsOn ?? []) {
      if (out.has(d) || !byName.has(d)) continue;
      out.set(d, byName.get(d)!);
      visit(d);
    }
  };
  visit(name);
  return [...out.values()];
}

/** Data-service resources the cluster stack waits for (through any chain of stacks it reads). */
function dataServicesBefore(stacks: ReadonlyArray<StackGraph>, cluster: string): string[] {
  return upstream(stacks, cluster).flatMap((s) => [...s.resources.values()].filter((r) => DATA_SERVICES.includes(r.type)).map((r) => `${s.name}/${r.address}`));
}

describe.each(['dev', 'prod'] as const)('the shipped %s environment', (env) => {
  const { outdir } = synthEnvironment(env);
  const stacks = loadStacks(outdir);
  const [estimateOf] = estimate(stacks, times);

  test('the cluster stack does not wait for data services (PostgreSQL, Recovery Services vaults, storage)', () => {
    expect(dataServicesBefore(stacks, `${env}-cluster`)).toEqual([]);
    // The check can fail: the old wiring (the cluster reading <env>-services for its Key Vault) is caught.
    const old = stacks.map((s) => (s.name === `${env}-cluster` ? { ...s, dependsOn: [...s.dependsOn, `${env}-services`] } : s));
    expect(dataServicesBefore(old, `${env}-cluster`)).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^${env}-services/azurerm_postgresql_flexible_server\\.`))]));
  });

  test('the VMs do not wait for a time_sleep: only the secret writes wait for the deployer role (600 s), the VMs boot meanwhile', () => {
    const cluster = stacks.find((s) => s.name === `${env}-cluster`)!;
    const upstreamOf = (address: string): Set<string> => {
      const seen = new Set<string>();
      const queue = [address];
      while (queue.length > 0) for (const d of cluster.resources.get(queue.pop()!)?.deps ?? []) if (!seen.has(d)) queue.push(d), seen.add(d);
      return seen;
    };
    const ofType = (type: string) => [...cluster.resources.values()].filter((r) => r.type === type).map((r) => r.address);
    const sleeps = ofType('time_sleep');
    expect(sleeps).toHaveLength(1);
    for (const vm of ofType('azurerm_linux_virtual_machine')) expect([...upstreamOf(vm)].filter((d) => sleeps.includes(d))).toEqual([]);
    for (const secret of ofType('azurerm_key_vault_secret')) expect(upstreamOf(secret).has(sleeps[0]!)).toBe(true);
    // <env>-keyvault ends without a wait, so the cluster starts minutes after the network.
    const keyvault = estimateOf.stacks.find((s) => s.name === `${env}-keyvault`)!;
    expect(stacks.find((s) => s.name === `${env}-keyvault`)!.resources.size).toBeGreaterThan(0);
    expect([...stacks.find((s) => s.name === `${env}-keyvault`)!.resources.values()].filter((r) => r.type === 'time_sleep')).toEqual([]);
    expect(keyvault.durationMinutes).toBeLessThan(RBAC_MINUTES);
    // The check can fail: the VMs put back behind the secrets' roles (as before this change) wait for the sleep.
    const [roleOfSecret] = [...cluster.resources.values()].filter((r) => r.type === 'azurerm_role_assignment' && [...r.deps].some((d) => d.startsWith('azurerm_key_vault_secret.')));
    const vm = ofType('azurerm_linux_virtual_machine')[0]!;
    (cluster.resources.get(vm)!.deps as Set<string>).add(roleOfSecret!.address);
    try {
      expect(upstreamOf(vm).has(sleeps[0]!)).toBe(true);
    } finally {
      (cluster.resources.get(vm)!.deps as Set<string>).delete(roleOfSecret!.address);
    }
  });

  test('every VM is created at once: no VM waits for another node', () => {
    const cluster = stacks.find((s) => s.name === `${env}-cluster`)!;
    const timings = simulateStack(cluster, times);
    const vmStarts = [...timings.values()].filter((t) => t.type === 'azurerm_linux_virtual_machine').map((t) => t.start);
    expect(Math.max(...vmStarts) - Math.min(...vmStarts)).toBeLessThan(1);
  });

  test('Helm releases are not serialized: monitoring, metrics-server, Traefik and Argo CD install side by side', () => {
    const platform = stacks.find((s) => s.name === `${env}-platform`)!;
    const timings = simulateStack(platform, times);
    const release = (id: string) => [...timings.values()].find((t) => t.address.startsWith(`helm_release.${id}`))!;
    const starts = ['monitoring_kube-prometheus-stack_release', 'metrics-server_release', 'traefik_release', 'argocd_argo-cd_release'].map((id) => release(id).start);
    expect(new Set(starts).size).toBe(1);
    // Chart releases (3 min each) on the platform's longest chain: Calico, (prod) the CCM, the CSR approver, Argo CD.
    const chain = estimateOf.stacks.find((s) => s.name === `${env}-platform`)!.criticalResources.filter((r) => r.type === 'helm_release' && r.finish - r.start >= 1);
    expect(chain.length).toBeLessThanOrEqual(env === 'prod' ? 4 : 3);
  });

  test("the estimate is the gateway's (at most 50 min, the VPN dominates) and control-plane joins add up", () => {
    const vpn = estimateOf.stacks.find((s) => s.name === `${env}-vpn`)!;
    expect(estimateOf.totalMinutes).toBeLessThanOrEqual(50);
    expect(estimateOf.criticalPath).toEqual([`${env}-network`, `${env}-vpn`]);
    expect(estimateOf.totalMinutes - vpn.finishMinute).toBeLessThan(5);
    const cluster = estimateOf.stacks.find((s) => s.name === `${env}-cluster`)!;
    const gates = [...cluster.resources.values()].filter((r) => r.address.includes('control-plane_ready-')).sort((a, b) => a.finish - b.finish);
    const join = times.onNode['kubeadm-join-control-plane']!.joinMinutes;
    for (let i = 1; i < gates.length; i++) expect(gates[i]!.finish - gates[i - 1]!.finish).toBeCloseTo(join, 5);
  });

  test('the command prints the report and the JSON', () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(main([env, '--outdir', outdir, '--json'])).toBe(0);
      const json = JSON.parse(log.mock.calls[0]![0] as string);
      expect(Object.keys(json.environments)).toEqual([env]);
      expect(json.environments[env].totalMinutes).toBe(Math.round(estimateOf.totalMinutes * 10) / 10);
      log.mockClear();
      expect(main([env, '--outdir', outdir, '--set', 'azurerm_virtual_network_gateway=20'])).toBe(0);
      const text = log.mock.calls.map((c) => c[0]).join('\n');
      expect(text).toMatch(new RegExp(`^${env}: ~\\d+ min from an empty subscription to a running environment`));
      expect(text).toContain(`critical path: ${env}-network -> ${env}-keyvault -> ${env}-cluster -> ${env}-platform`);
    } finally {
      log.mockRestore();
    }
    expect(() => main(['nope', '--outdir', outdir])).toThrow(/environment\(s\) nope not in .*; allowed: /);
    // --out: the JSON alone in a file (what the pipeline hands to the plan summary).
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cp-out-')), 'estimate.json');
    expect(main(['--outdir', outdir, '--json', '--out', file])).toBe(0);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).environments[env].criticalPath[0]).toBe(`${env}-network`);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });
});

test('no synth output: says to run npm run synth first', () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'cp-empty-'));
  try {
    expect(() => loadStacks(empty)).toThrow(/stacks does not exist: run `npm run synth` first/);
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
});
