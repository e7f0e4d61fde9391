/**
 * The GitOps path in the real app (every stack of the environment): Argo CD reads the private Azure DevOps
 * repository with a token from Key Vault, the workload's image comes from the environment's registry, and the nodes'
 * kubelet identity may pull from it. No placeholder registry and no unauthenticated private repository remain.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { loadEnvironments } from '../../config';
import { OAUTH2_CLIENT_SECRET_NAME, OAUTH2_PROXY_SECRET } from '../../constructs/platform/oauth2-proxy-secret';
import { repoNeedsCredentials, REPO_TOKEN_SECRET, RepoCredentials } from '../../constructs/platform/repo-credentials';
import { synthEnvironment } from '../cluster/synth';
import { build, Json, releases, variant } from './fixtures';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { Testing, TerraformStack } from 'cdktf';

const ROOT = path.join(__dirname, '..', '..');
const ENVS = ['dev', 'prod'] as const;
const stacks = (env: (typeof ENVS)[number]): Record<string, Json> => synthEnvironment(env).stacks;

/** `${data.terraform_remote_state.cross-stack-reference-input-<stack>.outputs.<output>}` -> [stack, the output's value] */
function remoteOutput(env: (typeof ENVS)[number], ref: string): [string, string] {
  const m = /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-([^.]+)\.outputs\.([^}]+)\}/.exec(ref);
  if (!m) throw new Error(`not a cross-stack reference: ${ref}`);
  return [m[1]!, stacks(env)[m[1]!]!.output[m[2]!].value as string];
}

function application(env: (typeof ENVS)[number]): Json {
  const gitops = releases(stacks(env)[`${env}-platform`]!)['gitops-bootstrap'];
  return (parse(gitops!.values[0]) as Json).manifests.find((m: Json) => m.kind === 'Application');
}

describe.each(ENVS)('%s', (env) => {
  const platform = () => stacks(env)[`${env}-platform`]!;

  test('Argo CD has a repository Secret for the Application\'s repoURL, its token read from the Key Vault of <env>-keyvault', () => {
    const app = application(env);
    const secrets = Object.values(platform().resource.kubernetes_secret_v1 as Record<string, Json>).filter((s) => ['repository', 'repo-creds'].includes(s.metadata.labels?.['argocd.argoproj.io/secret-type']));
    expect(secrets).toHaveLength(1);
    const secret = secrets[0]!;
    expect(secret.metadata.namespace).toMatch(/^\$\{kubernetes_namespace_v1\.namespace-argocd\./);
    expect(app.spec.source.repoURL.startsWith(secret.data.url)).toBe(true);
    expect(secret.data.url).toMatch(/^https:\/\/dev\.azure\.com\//);
    expect(secret.data.type).toBe('git');
    const token = /^\$\{data\.azurerm_key_vault_secret\.([^.]+)\.value\}$/.exec(secret.data.password);
    expect(token).not.toBeNull();
    const source = platform().data.azurerm_key_vault_secret[token![1]!];
    expect(source.name).toBe(REPO_TOKEN_SECRET);
    const [stack, vaultId] = remoteOutput(env, source.key_vault_id);
    expect(stack).toBe(`${env}-keyvault`);
    expect(vaultId).toMatch(/^\$\{azurerm_key_vault\.[^.]+\.id\}$/);
  });

  test('the Application\'s image is <login server of the services registry>/case-assigner; the tag comes from the chart\'s values file in Git', () => {
    const repository = application(env).spec.source.helm.valuesObject.image.repository as string;
    const [stack, loginServer] = remoteOutput(env, repository);
    expect(stack).toBe(`${env}-services`);
    expect(loginServer).toMatch(/^\$\{azurerm_container_registry\.[^.]+\.login_server\}$/);
    expect(repository).toMatch(/\}\/case-assigner$/);
    expect(application(env).spec.source.helm.valuesObject.image).not.toHaveProperty('tag');
  });

  test('the workers\' kubelet identity has AcrPull on that same registry', () => {
    const assignments = Object.values(platform().resource.azurerm_role_assignment as Record<string, Json>);
    expect(assignments).toHaveLength(1);
    const a = assignments[0]!;
    expect(a.role_definition_name).toBe('AcrPull');
    const [scopeStack, registryId] = remoteOutput(env, a.scope);
    expect(scopeStack).toBe(`${env}-services`);
    const repository = application(env).spec.source.helm.valuesObject.image.repository as string;
    expect(registryId.replace('.id}', '')).toBe(remoteOutput(env, repository)[1].replace('.login_server}', ''));
    const [principalStack, principal] = remoteOutput(env, a.principal_id);
    expect(principalStack).toBe(`${env}-cluster`);
    const identity = /^\$\{azurerm_user_assigned_identity\.([^.]+)\.principal_id\}$/.exec(principal)!;
    expect(stacks(env)[`${env}-cluster`]!.resource.azurerm_user_assigned_identity[identity[1]!].name).toMatch(/-k8s-worker$/);
  });

  test('Traefik writes the ingress load balancer\'s frontend IP into Ingress status (what Argo CD\'s Ingress health waits for), not a NodePort address', () => {
    const lbs = Object.values(stacks(env)[`${env}-cluster`]!.resource.azurerm_lb as Record<string, Json>);
    const ingressLb = lbs.find((lb) => /-k8s-ingress$/.test(lb.name))!;
    const traefik = parse(releases(platform()).traefik!.values[0]) as Json;
    expect(traefik.providers.kubernetesIngress.ingressEndpoint.ip).toBe(ingressLb.frontend_ip_configuration[0].private_ip_address);
    expect(traefik.providers.kubernetesIngress.publishedService.enabled).toBe(false);
  });

  test('sign-in: Secret case-assigner-oauth2-proxy in the tool\'s namespace, the client secret read from <env>-keyvault, the cookie secret generated; the Application waits for it', () => {
    const secrets = Object.entries(platform().resource.kubernetes_secret_v1 as Record<string, Json>).filter(([, s]) => s.metadata.name === OAUTH2_PROXY_SECRET);
    expect(secrets).toHaveLength(1);
    const [key, secret] = secrets[0]!;
    expect(secret.metadata.namespace).toMatch(/^\$\{kubernetes_namespace_v1\.namespace-workload\./);
    const client = /^\$\{data\.azurerm_key_vault_secret\.([^.]+)\.value\}$/.exec(secret.data['client-secret']);
    expect(client).not.toBeNull();
    const source = platform().data.azurerm_key_vault_secret[client![1]!];
    expect(source.name).toBe(OAUTH2_CLIENT_SECRET_NAME);
    expect(remoteOutput(env, source.key_vault_id)[0]).toBe(`${env}-keyvault`);
    const cookie = /^\$\{random_password\.([^.]+)\.result\}$/.exec(secret.data['cookie-secret']);
    expect(cookie).not.toBeNull();
    expect(platform().resource.random_password[cookie![1]!]).toEqual(expect.objectContaining({ length: 32, special: false }));
    expect(releases(platform())['gitops-bootstrap']!.depends_on).toContain(`kubernetes_secret_v1.${key}`);
  });

  test('sign-in: the Application\'s values carry the Entra ids from configuration and the Secret\'s name, never a secret', () => {
    const values = application(env).spec.source.helm.valuesObject;
    const { auth } = loadEnvironments([env])[0]!.config.platform.gitops!;
    expect(values.auth).toEqual({
      mode: 'forward-auth',
      entraId: { tenantId: auth.tenantId, clientId: auth.clientId, allowedGroups: auth.allowedGroups },
      oauth2Proxy: { existingSecret: OAUTH2_PROXY_SECRET },
    });
    expect(values.networkPolicy).toEqual({ enabled: true });
    // Nothing in the whole synthesized platform holds a literal secret for the proxy: only references.
    const text = JSON.stringify(platform());
    expect(text).not.toMatch(/OAUTH2_PROXY_(CLIENT|COOKIE)_SECRET|client-secret"\s*:\s*"(?!\$\{)|cookie-secret"\s*:\s*"(?!\$\{)/);
    expect(JSON.stringify(values)).not.toMatch(/"(clientSecret|cookieSecret|client-secret|cookie-secret|password|token)"\s*:/i);
  });

  test('the Application waits for its repository Secret and the AcrPull grant', () => {
    const deps = releases(platform())['gitops-bootstrap']!.depends_on as string[];
    expect(deps).toEqual(expect.arrayContaining([expect.stringMatching(/^kubernetes_secret_v1\.repo-credentials_secret/), expect.stringMatching(/^azurerm_role_assignment\.registry-pull/)]));
  });
});

describe('no placeholder registry anywhere', () => {
  const PLACEHOLDER_IMAGE = /(^|["\s/])[a-z0-9.-]*(example|placeholder|changeme)[a-z0-9.-]*\/[a-z0-9._-]+(:|@|"|\s|$)/i;

  test.each(ENVS)('%s: no string in any synthesized stack names an image on a placeholder registry', (env) => {
    const hits: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (typeof node === 'string') {
        for (const line of node.split('\n')) if (/image|repository/i.test(line) && PLACEHOLDER_IMAGE.test(line)) hits.push(`${at}: ${line.trim()}`);
      } else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) walk(v, `${at}.${k}`);
      }
    };
    for (const [id, json] of Object.entries(stacks(env))) walk(json, id);
    expect(hits).toEqual([]);
  });

  test('the chart\'s values files: no placeholder repository; the environments\' files pin the image tag to a commit of this repository', () => {
    const chart = path.join(ROOT, 'charts', 'case-assigner');
    const defaults = parse(fs.readFileSync(path.join(chart, 'values.yaml'), 'utf8')) as Json;
    expect(defaults.image.repository).not.toMatch(/example|placeholder/);
    const shallow = execFileSync('git', ['rev-parse', '--is-shallow-repository'], { cwd: ROOT, encoding: 'utf8' }).trim() === 'true';
    for (const env of ENVS) {
      const values = parse(fs.readFileSync(path.join(chart, 'ci', `${env}-values.yaml`), 'utf8')) as Json;
      // The platform sets the repository (the environment's registry); only the tag is promoted in Git.
      expect(values.image).not.toHaveProperty('repository');
      expect(String(values.image.tag)).toMatch(/^[0-9a-f]{40}$/);
      // In a full clone: a commit that exists and has the Dockerfile the pipeline builds.
      if (!shallow) expect(() => execFileSync('git', ['cat-file', '-e', `${values.image.tag}:app/Dockerfile`], { cwd: ROOT, stdio: 'ignore' })).not.toThrow();
    }
  });
});

describe('repository credentials', () => {
  test.each([
    ['https://dev.azure.com/contoso/platform/_git/repo', true],
    ['https://contoso.visualstudio.com/platform/_git/repo', true],
    ['https://github.com/argoproj/argocd-example-apps', false],
  ])('%s needs credentials: %s', (url, expected) => {
    expect(repoNeedsCredentials(url)).toBe(expected);
  });

  test.each([
    ['ssh://git@ssh.dev.azure.com/v3/contoso/platform/repo', /allowed: an https:\/\/ URL/],
    ['https://contoso@dev.azure.com/contoso/platform/_git/repo', /carries a user name/],
  ])('refuses %s', (repoURL, message) => {
    const stack = new TerraformStack(Testing.app(), 's');
    const provider = new KubernetesProvider(stack, 'k8s', {});
    expect(() => new RepoCredentials(stack, 'repo', { repoURL, keyVaultId: 'kv', namespace: 'argocd', provider })).toThrow(message);
  });

  test('the workload without a registry or, for Azure DevOps, without a Key Vault stops synth with what to pass', () => {
    expect(() => build('dev', { withoutRegistry: true })).toThrow(/no registry was passed from the services stack; allowed: enable services.registry/);
    expect(() => build('dev', { withoutKeyVault: true })).toThrow(/needs credentials but no Key Vault was passed/);
    // A public repository needs no token, but sign-in still reads the app registration's client secret from Key Vault.
    expect(() => build('dev', { withoutKeyVault: true, config: variant('dev', (c) => { c.platform.gitops!.repoURL = 'https://github.com/contoso/azure-hybrid-platform'; }) })).toThrow(/no Key Vault was passed; allowed: pass <env>-keyvault \(the client secret of the tool's Entra ID app registration/);
  });

  test('a public repository gets no Secret and no Key Vault read for a token (the only read left is the sign-in client secret)', () => {
    const { json } = build('dev', { config: variant('dev', (c) => { c.platform.gitops!.repoURL = 'https://github.com/contoso/azure-hybrid-platform'; }) });
    expect(Object.values(json.data.azurerm_key_vault_secret as Record<string, Json>).map((s) => s.name)).toEqual([OAUTH2_CLIENT_SECRET_NAME]);
    expect(Object.values(json.resource.kubernetes_secret_v1 as Record<string, Json>).some((s) => s.metadata.labels?.['argocd.argoproj.io/secret-type'])).toBe(false);
  });
});
