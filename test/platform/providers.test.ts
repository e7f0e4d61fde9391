import { build, built, Json, variant } from './fixtures';

const CREDENTIALS = ['client_certificate', 'client_key', 'cluster_ca_certificate', 'host'];
const REMOTE = (env: string) => new RegExp(`^\\$\\{data\\.terraform_remote_state\\.cross-stack-reference-input-${env}-cluster\\.outputs\\.[A-Za-z0-9_-]+\\}$`);

/** Attributes that would let a provider authenticate some other way than the cluster stack's outputs. */
const OTHER_AUTH = ['config_path', 'config_paths', 'config_context', 'token', 'username', 'password', 'exec', 'insecure'];

describe.each(['dev', 'prod'] as const)('%s: providers take their credentials from the cluster stack only', (env) => {
  const providers = (): Json => built(env).json.provider;

  test('the kubernetes provider reads endpoint, CA, client certificate and key from <env>-cluster outputs', () => {
    const [kubernetes] = providers().kubernetes as Json[];
    expect(Object.keys(kubernetes!).sort()).toEqual(CREDENTIALS);
    for (const key of CREDENTIALS) expect(kubernetes![key]).toMatch(REMOTE(env));
  });

  test('the helm provider\'s kubernetes object (helm provider 3.x) reads the same outputs', () => {
    const [helm] = providers().helm as Json[];
    expect(Object.keys(helm!)).toEqual(['kubernetes']);
    expect(Object.keys(helm!.kubernetes).sort()).toEqual(CREDENTIALS);
    for (const key of CREDENTIALS) expect(helm!.kubernetes[key]).toMatch(REMOTE(env));
  });

  test('no other way to authenticate (kubeconfig, token, exec, insecure)', () => {
    for (const p of [...(providers().kubernetes as Json[]), (providers().helm as Json[])[0]!.kubernetes]) {
      for (const key of OTHER_AUTH) expect(p).not.toHaveProperty(key);
    }
  });

  test('the remote state is the cluster stack\'s', () => {
    const remote = built(env).json.data.terraform_remote_state as Json;
    expect(Object.keys(remote)).toEqual([`cross-stack-reference-input-${env}-cluster`]);
  });

  test('azurerm only for the GitOps path (the repository token from Key Vault, AcrPull): no other Azure resource', () => {
    expect(Object.keys(providers()).sort()).toEqual(['azurerm', 'helm', 'kubernetes', 'random', 'tls']);
    const json = built(env).json;
    expect(Object.keys(json.resource).filter((t) => t.startsWith('azurerm_'))).toEqual(['azurerm_role_assignment']);
    expect(Object.keys(json.data).filter((t) => t.startsWith('azurerm_'))).toEqual(['azurerm_key_vault_secret']);
  });
});

test('every Kubernetes-side resource uses the configured providers', () => {
  const { json } = build('dev');
  for (const [type, resources] of Object.entries(json.resource as Record<string, Record<string, Json>>)) {
    if (!type.startsWith('helm_') && !type.startsWith('kubernetes_')) continue;
    for (const r of Object.values(resources)) expect(r.provider).toBe(type.startsWith('helm_') ? 'helm' : 'kubernetes');
  }
});

test('without the workload (no platform.gitops) the platform stack has no azurerm provider', () => {
  const { json } = build('dev', { config: variant('dev', (c) => { delete (c.platform as { gitops?: unknown }).gitops; }) });
  expect(Object.keys(json.provider).sort()).toEqual(['helm', 'kubernetes', 'random', 'tls']);
});
