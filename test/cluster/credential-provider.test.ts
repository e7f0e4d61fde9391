import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Testing } from 'cdktf';
import { parse, parseAllDocuments } from 'yaml';
import { formatProblem, loadEnvironments } from '../../config';
import { renderCloudInit, renderNodeEnv } from '../../constructs/cluster/cloud-init';
import {
  CREDENTIAL_PROVIDER_BIN_DIR,
  CREDENTIAL_PROVIDER_CLOUD_CONFIG_PATH,
  CREDENTIAL_PROVIDER_CONFIG_PATH,
  CREDENTIAL_PROVIDER_NAME,
  credentialProviderUrl,
  validateCredentialProviderSettings,
} from '../../constructs/cluster/image-credential-provider';
import { renderKubeadmConfig } from '../../constructs/cluster/kubeadm-config';
import { scriptPath } from '../../constructs/cluster/scripts';
import { buildApp } from '../../stacks/app';
import { errorsAt, problemsAfter } from '../helpers/env';
import { evaluateTerraformString } from './hcl-eval';
import { clusterSettings, decodeWriteFile, FAKE_PROVIDER_BINARY, nodeProps, testCredentialProvider } from './render';
import { list, synthEnvironment } from './synth';

/**
 * The workers' kubelet pulls from the environment's registry with the worker identity (AcrPull from <env>-platform)
 * through acr-credential-provider: the binary pinned by version and SHA-256, verified before it is installed, its
 * config matching the registry's login server, the kubelet flags on the right nodes, and no deploy without a checksum.
 */
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'credential-provider-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

type Json = Record<string, any>;
const filesOf = (text: string): Record<string, string> => Object.fromEntries((parse(text).write_files as Json[]).map((f) => [f.path, decodeWriteFile(f as any)]));
const kubeletArgs = (kubeadmYaml: string): Record<string, string> => {
  const docs = parseAllDocuments(kubeadmYaml).map((d) => d.toJS() as Json);
  const registration = docs.find((d) => d.kind === 'InitConfiguration' || d.kind === 'JoinConfiguration')!.nodeRegistration;
  return Object.fromEntries((registration.kubeletExtraArgs as Array<{ name: string; value: string }>).map((a) => [a.name, a.value]));
};

/**
 * The kubelet's matchImages semantics (k8s.io/kubelet credentialprovider URLsMatch): same number of host labels,
 * each label a glob, ports equal, the pattern's path a prefix of the image's.
 */
function kubeletMatches(pattern: string, image: string): boolean {
  const split = (s: string) => {
    const [hostPort, ...rest] = s.split('/');
    const [host, port = ''] = hostPort.split(':');
    return { labels: host.split('.'), port, path: rest.join('/') };
  };
  const p = split(pattern);
  const i = split(image.replace(/[:@][^/]*$/, ''));
  if (p.labels.length !== i.labels.length || p.port !== i.port) return false;
  const glob = (g: string) => new RegExp(`^${g.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^.]*')}$`);
  return p.labels.every((label, n) => glob(label).test(i.labels[n])) && i.path.startsWith(p.path);
}

describe('node files and kubelet flags (renderer)', () => {
  const worker = filesOf(renderCloudInit(nodeProps('worker')));

  test('CredentialProviderConfig v1: the provider named like the installed binary, its cloud config as argument', () => {
    const config = parse(worker[CREDENTIAL_PROVIDER_CONFIG_PATH]);
    expect(config).toMatchObject({ apiVersion: 'kubelet.config.k8s.io/v1', kind: 'CredentialProviderConfig' });
    expect(config.providers).toEqual([
      { name: 'acr-credential-provider', apiVersion: 'credentialprovider.kubelet.k8s.io/v1', matchImages: ['*.azurecr.io'], defaultCacheDuration: '10m', args: [CREDENTIAL_PROVIDER_CLOUD_CONFIG_PATH] },
    ]);
    // The bootstrap installs the binary under the provider's name in the directory the kubelet flag names.
    expect(fs.readFileSync(scriptPath('k8s-bootstrap.sh'), 'utf8')).toContain(`"$ACR_CREDENTIAL_PROVIDER_BIN_DIR/${CREDENTIAL_PROVIDER_NAME}"`);
  });

  test('the cloud config names the worker identity by client id (nodes carry several identities) and the tenant, no secret', () => {
    expect(parse(worker[CREDENTIAL_PROVIDER_CLOUD_CONFIG_PATH])).toEqual({
      cloud: 'AzurePublicCloud',
      tenantId: testCredentialProvider.tenantId,
      useManagedIdentityExtension: true,
      userAssignedIdentityID: testCredentialProvider.identityClientId,
    });
    expect(worker[CREDENTIAL_PROVIDER_CLOUD_CONFIG_PATH]).not.toMatch(/aadClientSecret|aadClientCert/);
  });

  test('matchImages covers an environment login server and nothing public', () => {
    const match = parse(worker[CREDENTIAL_PROVIDER_CONFIG_PATH]).providers[0].matchImages as string[];
    const covers = (image: string) => match.some((m) => kubeletMatches(m, image));
    expect(covers('crhybdevx1y2.azurecr.io/case-assigner:0123abc')).toBe(true);
    expect(covers('registry.k8s.io/pause:3.10')).toBe(false);
    expect(covers('crhybdev.azurecr.io.example.com/x:1')).toBe(false);
    // The matcher is the kubelet's, not a substring test.
    expect(kubeletMatches('*.azurecr.io', 'a.b.azurecr.io/x')).toBe(false);
  });

  test('node.env: pinned URL of the release asset, its SHA-256 and the kubelet bin dir', () => {
    const env = worker['/etc/k8s-bootstrap/node.env'];
    expect(env).toContain(`ACR_CREDENTIAL_PROVIDER_URL=https://github.com/kubernetes-sigs/cloud-provider-azure/releases/download/v1.36.5/azure-acr-credential-provider-linux-amd64\n`);
    expect(env).toContain(`ACR_CREDENTIAL_PROVIDER_SHA256=${testCredentialProvider.sha256}\n`);
    expect(env).toContain(`ACR_CREDENTIAL_PROVIDER_BIN_DIR=${CREDENTIAL_PROVIDER_BIN_DIR}\n`);
  });

  test('kubelet flags on a node with the provider, none without; combined with the external cloud provider', () => {
    expect(kubeletArgs(worker['/etc/k8s-bootstrap/kubeadm.yaml'])).toEqual({
      'image-credential-provider-config': CREDENTIAL_PROVIDER_CONFIG_PATH,
      'image-credential-provider-bin-dir': CREDENTIAL_PROVIDER_BIN_DIR,
    });
    for (const role of ['init', 'control-plane'] as const) {
      const files = filesOf(renderCloudInit(nodeProps(role)));
      expect(kubeletArgs(files['/etc/k8s-bootstrap/kubeadm.yaml'])).toEqual({});
      expect(Object.keys(files)).not.toContain(CREDENTIAL_PROVIDER_CONFIG_PATH);
      expect(files['/etc/k8s-bootstrap/node.env']).not.toContain('ACR_CREDENTIAL_PROVIDER');
    }
    const external = renderKubeadmConfig({ ...clusterSettings, externalCloudProvider: true }, { role: 'worker', nodeName: 'vm-hyb-prod-wk-0', imageCredentialProvider: true });
    expect(Object.keys(kubeletArgs(external))).toEqual(['cloud-provider', 'image-credential-provider-config', 'image-credential-provider-bin-dir']);
  });

  test('settings are validated eagerly: version follows the Kubernetes minor, a real SHA-256, GUIDs, kubelet patterns', () => {
    const ok = testCredentialProvider;
    expect(() => validateCredentialProviderSettings(ok, '1.36.1')).not.toThrow();
    expect(() => validateCredentialProviderSettings(ok, '1.37.0')).toThrow(/1\.36\.5 does not match Kubernetes 1\.37\.0; allowed: a 1\.37\.x release/);
    expect(() => validateCredentialProviderSettings({ ...ok, sha256: 'ABC' }, '1.36.1')).toThrow(/sha256 "ABC" is not a SHA-256; allowed: 64 lower-case hex digits/);
    expect(() => validateCredentialProviderSettings({ ...ok, tenantId: 'contoso' }, '1.36.1')).toThrow(/tenantId "contoso" is not a GUID/);
    expect(() => validateCredentialProviderSettings({ ...ok, matchImages: ['https://*.azurecr.io'] }, '1.36.1')).toThrow(/not a kubelet image pattern/);
    expect(() => renderCloudInit({ ...nodeProps('worker'), imageCredentialProvider: { ...ok, version: '1.35.8' } })).toThrow(/does not match Kubernetes 1\.36\.1/);
  });
});

describe('install step on the node (the real script, fakes on PATH)', () => {
  const bin = path.join(root, 'fake-bin');
  fs.mkdirSync(bin);
  // curl fake: serves $FAKE_BODY to -o and records each call; sha256sum, awk and install are the real ones.
  fs.writeFileSync(
    path.join(bin, 'curl'),
    '#!/usr/bin/env bash\nout=""; prev=""\nfor a in "$@"; do [ "$prev" = "-o" ] && out=$a; prev=$a; done\necho "curl $*" >> "$CALLS"\ncat "$FAKE_BODY" > "$out"\n',
    { mode: 0o755 },
  );

  function install(name: string, body: string, extraEnv = '') {
    const dir = path.join(root, name);
    const target = path.join(dir, 'credential-provider');
    fs.mkdirSync(path.join(dir, 'run'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'body'), body);
    // The worker's node.env as rendered, with the bin dir moved into the sandbox.
    fs.writeFileSync(path.join(dir, 'node.env'), `${renderNodeEnv(nodeProps('worker'))}ACR_CREDENTIAL_PROVIDER_BIN_DIR=${target}\n${extraEnv}`);
    const r = spawnSync('bash', ['-c', 'set -Eeuo pipefail; source "$1"; trap \'on_error $? $LINENO "$BASH_COMMAND"\' ERR; install_credential_provider', 'provider-test', scriptPath('k8s-bootstrap.sh')], {
      env: {
        ...process.env,
        PATH: `${bin}:${process.env.PATH}`,
        K8S_BOOTSTRAP_ENV_FILE: path.join(dir, 'node.env'),
        K8S_BOOTSTRAP_STATE_DIR: dir,
        K8S_BOOTSTRAP_RUN_DIR: path.join(dir, 'run'),
        K8S_BOOTSTRAP_LOG: path.join(dir, 'log'),
        FAKE_BODY: path.join(dir, 'body'),
        CALLS: path.join(dir, 'calls'),
      },
      encoding: 'utf8',
    });
    const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : undefined);
    return { r, target, installed: path.join(target, 'acr-credential-provider'), failed: read(path.join(dir, 'failed')), calls: read(path.join(dir, 'calls')), runDir: path.join(dir, 'run') };
  }

  test('the pinned asset with the configured checksum is installed executable under the provider name', () => {
    const { r, installed, calls, runDir } = install('good', FAKE_PROVIDER_BINARY);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(calls).toContain(credentialProviderUrl('1.36.5'));
    expect(fs.readFileSync(installed, 'utf8')).toBe(FAKE_PROVIDER_BINARY);
    expect(fs.statSync(installed).mode & 0o777).toBe(0o755);
    expect(r.stdout).toContain(`installed acr-credential-provider 1.36.5 (sha256 ${testCredentialProvider.sha256})`);
    expect(fs.readdirSync(runDir)).toEqual([]);
  });

  test('a download with another checksum stops the bootstrap with the reason and installs nothing', () => {
    const { r, target, failed, runDir } = install('tampered', `${FAKE_PROVIDER_BINARY}# one byte more\n`);
    expect(r.status).toBe(1);
    expect(failed).toContain('step=credential-provider');
    expect(failed).toMatch(new RegExp(`SHA-256 mismatch for .*azure-acr-credential-provider-linux-amd64: expected ${testCredentialProvider.sha256}, got [0-9a-f]{64}; nothing installed`));
    expect(fs.existsSync(target)).toBe(false);
    expect(fs.readdirSync(runDir)).toEqual([]);
  });

  test('a malformed checksum fails before anything is downloaded', () => {
    const { r, failed, calls } = install('malformed', FAKE_PROVIDER_BINARY, 'ACR_CREDENTIAL_PROVIDER_SHA256=TODO\n');
    expect(r.status).toBe(1);
    expect(failed).toContain("ACR_CREDENTIAL_PROVIDER_SHA256 'TODO' is not a SHA-256");
    expect(calls).toBeUndefined();
  });

  test('a node without a provider in node.env skips the step', () => {
    const dir = path.join(root, 'none');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'node.env'), renderNodeEnv(nodeProps('init')));
    const r = spawnSync('bash', ['-c', 'source "$1"; install_credential_provider && echo skipped', 'provider-test', scriptPath('k8s-bootstrap.sh')], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, K8S_BOOTSTRAP_ENV_FILE: path.join(dir, 'node.env'), K8S_BOOTSTRAP_STATE_DIR: dir, CALLS: path.join(dir, 'calls') },
      encoding: 'utf8',
    });
    expect(r.stdout).toBe('skipped\n');
    expect(fs.existsSync(path.join(dir, 'calls'))).toBe(false);
  });

  test('the bootstrap installs it after the packages (curl) and before the kubelet starts (kubeadm)', () => {
    const script = fs.readFileSync(scriptPath('k8s-bootstrap.sh'), 'utf8');
    const main = script.slice(script.indexOf('main() {'));
    expect(main.indexOf('install_credential_provider')).toBeGreaterThan(main.indexOf('install_packages'));
    expect(main.indexOf('install_credential_provider')).toBeLessThan(main.indexOf('run_kubeadm'));
  });
});

describe('the synthesized environments', () => {
  const SHA = 'a'.repeat(64);

  function synthWithChecksum(): Json {
    const outdir = path.join(root, 'synth-with-checksum');
    const app: App = Testing.app({ outdir });
    const envs = loadEnvironments(['dev']);
    (envs[0].config.cluster.imageCredentialProvider as { sha256?: string }).sha256 = SHA;
    buildApp(app, envs);
    app.synth();
    return JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', 'dev-cluster', 'cdk.tf.json'), 'utf8'));
  }

  /** `terraform plan` (1.11, builtin terraform_data only: no provider download) of the stack's checksum pin. */
  function planPin(stack: Json, name: string) {
    const dir = path.join(root, `plan-${name}`);
    fs.mkdirSync(dir);
    const pin = { ...stack.resource.terraform_data['acr-credential-provider-pin'] };
    delete pin['//'];
    fs.writeFileSync(
      path.join(dir, 'main.tf.json'),
      JSON.stringify({ locals: { acr_credential_provider_sha256: stack.locals.acr_credential_provider_sha256 }, resource: { terraform_data: { 'acr-credential-provider-pin': pin } } }),
    );
    // Offline and isolated from the machine's CLI configuration, as test/pipelines/terraform-plans.ts runs it.
    fs.writeFileSync(path.join(dir, 'empty.tfrc'), '');
    const env = { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_INPUT: '0', TF_CLI_CONFIG_FILE: path.join(dir, 'empty.tfrc'), TF_CLI_ARGS: '' };
    execFileSync('terraform', ['init', '-input=false', '-no-color'], { cwd: dir, env, stdio: 'ignore' });
    return spawnSync('terraform', ['plan', '-input=false', '-no-color'], { cwd: dir, env, encoding: 'utf8' });
  }

  const resolve = (ref: string): string => {
    if (/\.(cert_pem|public_key_pem)$/.test(ref)) return '-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n';
    if (ref === 'local.key_vault_uri') return 'https://kv-hyb-dev-x.vault.azure.net/';
    if (/azurerm_user_assigned_identity\.identity-worker.*\.client_id$/.test(ref)) return '11111111-2222-3333-4444-555555555555';
    if (/azurerm_user_assigned_identity\..*\.client_id$/.test(ref)) return '22222222-2222-3333-4444-555555555555';
    if (/data\.azurerm_client_config\..*\.tenant_id$/.test(ref)) return '33333333-2222-3333-4444-555555555555';
    throw new Error(`unexpected reference in custom_data: ${ref}`);
  };

  test('as shipped (no checksum): a warning at synth, nodes without the provider, and every plan of the stack fails saying what to set', () => {
    const warnings = problemsAfter(() => {}).filter((p) => p.path === 'cluster.imageCredentialProvider.sha256');
    expect(warnings).toEqual([expect.objectContaining({ severity: 'warning', message: expect.stringContaining('sha256sum of the asset azure-acr-credential-provider-linux-amd64 of release v1.36.5') })]);
    // Printed whole: no part of it is long enough for the redaction to cut (config/redact.ts).
    expect(formatProblem('dev.yaml', warnings[0])).toContain('(docs/cluster.md has the commands); <env>-cluster cannot be planned without it');
    const stack = synthEnvironment('dev').stacks['dev-cluster'];
    for (const vm of list(stack, 'azurerm_linux_virtual_machine')) expect(vm.custom_data).not.toContain('credential-provider');
    const plan = planPin(stack, 'missing');
    expect(plan.status).not.toBe(0);
    expect(plan.stderr).toContain('Resource precondition failed');
    expect(plan.stderr.replace(/\s+/g, ' ')).toContain('cluster.imageCredentialProvider.sha256 is not set');
  });

  test('with a checksum: the workers (only) get the provider, named for the worker identity, and the plan passes', () => {
    const stack = synthWithChecksum();
    const vms = list(stack, 'azurerm_linux_virtual_machine');
    for (const vm of vms) {
      const files = filesOf(Buffer.from(evaluateTerraformString(vm.custom_data, resolve), 'base64').toString('utf8'));
      const args = kubeletArgs(files['/etc/k8s-bootstrap/kubeadm.yaml']);
      if (vm.name.includes('-wk-')) {
        expect(args['image-credential-provider-config']).toBe(CREDENTIAL_PROVIDER_CONFIG_PATH);
        expect(files['/etc/k8s-bootstrap/node.env']).toContain(`ACR_CREDENTIAL_PROVIDER_SHA256=${SHA}\n`);
        expect(parse(files[CREDENTIAL_PROVIDER_CLOUD_CONFIG_PATH])).toMatchObject({ tenantId: '33333333-2222-3333-4444-555555555555', userAssignedIdentityID: '11111111-2222-3333-4444-555555555555' });
      } else {
        expect(args).toEqual({});
        expect(files[CREDENTIAL_PROVIDER_CONFIG_PATH]).toBeUndefined();
      }
    }
    expect(vms.filter((vm) => vm.name.includes('-wk-')).length).toBeGreaterThan(1);
    const plan = planPin(stack, 'set');
    expect(plan.stderr).toBe('');
    expect(plan.status).toBe(0);
    expect(plan.stdout).toContain('Plan: 1 to add');
  });

  test("matchImages covers the login server of the services stack's registry", () => {
    const services = synthEnvironment('dev').stacks['dev-services'];
    const registries = list(services, 'azurerm_container_registry');
    expect(registries.length).toBe(1);
    const match = parse(filesOf(renderCloudInit(nodeProps('worker')))[CREDENTIAL_PROVIDER_CONFIG_PATH]).providers[0].matchImages as string[];
    // Azure public cloud login server: <registry name, lower-cased>.azurecr.io.
    expect(match.some((m) => kubeletMatches(m, `${String(registries[0].name).toLowerCase()}.azurecr.io/case-assigner:abc`))).toBe(true);
  });

  test('config: the version must follow the Kubernetes minor, the checksum must look like one', () => {
    const errors = (change: (env: any) => void) => errorsAt(problemsAfter(change), 'cluster.imageCredentialProvider');
    expect(errors(() => {})).toEqual([]);
    expect(errors((env) => (env.cluster.imageCredentialProvider = { version: '1.35.8' }))).toEqual([
      expect.objectContaining({ path: 'cluster.imageCredentialProvider.version', value: '1.35.8', allowed: expect.stringContaining('1.36.x') }),
    ]);
    expect(errors((env) => (env.cluster.imageCredentialProvider = { sha256: 'sha256:abc' })).map((e) => e.path)).toEqual(['cluster.imageCredentialProvider.sha256']);
    // With a checksum the warning goes away; without a registry nothing is asked for.
    const warned = (change: (env: any) => void) => problemsAfter(change).some((p) => p.path === 'cluster.imageCredentialProvider.sha256');
    expect(warned((env) => (env.cluster.imageCredentialProvider = { sha256: SHA }))).toBe(false);
    expect(warned((env) => delete env.services.registry)).toBe(false);
  });
});
