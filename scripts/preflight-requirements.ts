import * as fs from 'fs';
import * as path from 'path';
import type { EnvironmentConfig, LoadedEnvironment } from '../config';
import { serviceNames } from '../config/service-names';
import { gatewayPublicIpCount } from '../config/validate/vpn';
import { REPO_TOKEN_SECRET, repoNeedsCredentials } from '../constructs/platform/repo-credentials';

/**
 * What a fresh subscription must provide before the first apply of an environment, derived from its configuration:
 * resource providers, subscription feature registrations, regional vCPU quota per VM size, the deploying identity's
 * roles, the state backend, and globally unique names that a soft-deleted resource may still hold. `npm run synth`
 * writes it to `cdktf.out/preflight/<env>/` (requirements.env for scripts/preflight.sh, checklist.md for people).
 */
export interface PreflightRequirements {
  readonly environment: string;
  readonly location: string;
  readonly resourceProviders: string[];
  /** `<namespace>/<feature>` that must be Registered (e.g. Microsoft.Compute/EncryptionAtHost). */
  readonly features: string[];
  /** VM size -> how many VMs of it the environment creates. */
  readonly vmSizes: Record<string, number>;
  /** Standard public IPs the environment creates (NAT gateways, VPN gateway). */
  readonly publicIps: number;
  readonly keyVaultName: string;
  readonly storageAccountNames: string[];
  readonly registryName?: string;
  readonly stateBackend?: { readonly resourceGroupName: string; readonly storageAccountName: string; readonly containerName: string };
  /**
   * Secrets a person puts in the environment's Key Vault after `<env>-keyvault` and before `<env>-platform` plans:
   * Terraform only reads them (data sources), so a missing one fails that plan. Name -> what it holds.
   */
  readonly keyVaultSecrets: Record<string, string>;
  /** Configuration paths still holding a placeholder the first deploy cannot work with, and why. */
  readonly placeholders: Record<string, string>;
}

const NIL_GUID = /^0{8}-0{4}-0{4}-0{4}-0{12}$/;
/** The organisation of the repository URL the shipped environment files carry (Microsoft's example name). */
const EXAMPLE_REPO = /^https:\/\/dev\.azure\.com\/contoso\//i;

export function preflightRequirements(config: EnvironmentConfig): PreflightRequirements {
  const s = config.services;
  const c = config.cluster;
  const names = serviceNames(config);
  const providers = ['Microsoft.Network', 'Microsoft.Compute', 'Microsoft.KeyVault', 'Microsoft.ManagedIdentity', 'Microsoft.Storage'];
  if (s.siteRecovery || s.backup) providers.push('Microsoft.RecoveryServices');
  if (s.postgres) providers.push('Microsoft.DBforPostgreSQL');
  if (s.registry) providers.push('Microsoft.ContainerRegistry');
  if (config.network.hub.agentPool === 'managed-devops-pool') providers.push('Microsoft.DevOpsInfrastructure');
  const vmSizes: Record<string, number> = {};
  vmSizes[c.controlPlane.size] = (vmSizes[c.controlPlane.size] ?? 0) + c.controlPlane.count;
  vmSizes[c.workers.size] = (vmSizes[c.workers.size] ?? 0) + c.workers.count;
  const gitops = config.platform.gitops;
  const keyVaultSecrets: Record<string, string> = {};
  if (gitops && repoNeedsCredentials(gitops.repoURL)) keyVaultSecrets[REPO_TOKEN_SECRET] = `read-only token Argo CD uses for ${gitops.repoURL} (Azure DevOps PAT, scope Code: Read)`;
  if (gitops) keyVaultSecrets[gitops.auth.clientSecretName] = 'client secret of the tool\'s Entra ID app registration (oauth2-proxy sign-in)';
  const placeholders: Record<string, string> = {};
  if (s.registry && !c.imageCredentialProvider?.sha256) {
    placeholders['cluster.imageCredentialProvider.sha256'] = `no checksum for the kubelet credential provider: every \`${config.name}-cluster\` plan stops until it is set (docs/cluster.md)`;
  }
  if (gitops && EXAMPLE_REPO.test(gitops.repoURL)) {
    placeholders['platform.gitops.repoURL'] = 'the shipped example organisation (contoso): Argo CD cannot fetch the tool\'s chart until it names this repository (docs/platform.md, "The GitOps path")';
  }
  for (const key of ['tenantId', 'clientId'] as const) {
    if (gitops && NIL_GUID.test(gitops.auth[key])) placeholders[`platform.gitops.auth.${key}`] = 'the nil GUID: nobody can sign in to the tool (docs/platform.md, "Signing in to the tool")';
  }
  return {
    environment: config.name,
    location: config.location,
    resourceProviders: providers,
    // Encryption at host fails VM creation with "EncryptionAtHost feature is not enabled for this subscription"
    // until the feature is registered (Azure docs, "Use the Azure CLI to enable end-to-end encryption using encryption at host").
    features: c.controlPlane.encryptionAtHost || c.workers.encryptionAtHost ? ['Microsoft.Compute/EncryptionAtHost'] : [],
    vmSizes,
    // One NAT gateway for the hub, one per spoke with NAT subnets (stacks/network-stack.ts), plus the gateway's IPs.
    publicIps: 1 + Object.values(config.network.spokes).filter((sp) => sp.natSubnets.length > 0).length + (config.vpn.publicIpCount ?? gatewayPublicIpCount(config.vpn)),
    keyVaultName: names.keyVault,
    storageAccountNames: s.siteRecovery ? [names.cacheStorage] : [],
    ...(s.registry ? { registryName: names.registry } : {}),
    ...(config.stateBackend ? { stateBackend: { ...config.stateBackend, containerName: config.stateBackend.containerName ?? 'tfstate' } } : {}),
    keyVaultSecrets,
    placeholders,
  };
}

/** Shell-sourceable KEY='value' lines (values never contain a quote: names are validated). */
export function renderRequirementsEnv(r: PreflightRequirements): string {
  const q = (v: string) => `'${v.replace(/'/g, '')}'`;
  const lines: [string, string][] = [
    ['PREFLIGHT_ENV', r.environment],
    ['PREFLIGHT_LOCATION', r.location],
    ['PREFLIGHT_PROVIDERS', r.resourceProviders.join(' ')],
    ['PREFLIGHT_FEATURES', r.features.join(' ')],
    ['PREFLIGHT_VM_SIZES', Object.entries(r.vmSizes).map(([size, n]) => `${size}:${n}`).join(' ')],
    ['PREFLIGHT_PUBLIC_IPS', String(r.publicIps)],
    ['PREFLIGHT_KEY_VAULT', r.keyVaultName],
    ['PREFLIGHT_STORAGE_ACCOUNTS', r.storageAccountNames.join(' ')],
    ['PREFLIGHT_REGISTRY', r.registryName ?? ''],
    ['PREFLIGHT_STATE_RG', r.stateBackend?.resourceGroupName ?? ''],
    ['PREFLIGHT_STATE_ACCOUNT', r.stateBackend?.storageAccountName ?? ''],
    ['PREFLIGHT_STATE_CONTAINER', r.stateBackend?.containerName ?? ''],
  ];
  return `# Generated by npm run synth from config/environments/${r.environment}.yaml: read by scripts/preflight.sh.\n${lines.map(([k, v]) => `${k}=${q(v)}`).join('\n')}\n`;
}

export function renderChecklist(r: PreflightRequirements): string {
  const sizes = Object.entries(r.vmSizes).map(([size, n]) => `${n} x ${size}`).join(', ');
  return [
    `# First deploy of \`${r.environment}\` on a fresh subscription`,
    '',
    `Run \`scripts/preflight.sh --env ${r.environment}\` (Azure CLI, read-only) after \`az login\`: it checks every line below and prints the fix.`,
    '',
    `- [ ] Resource providers registered: ${r.resourceProviders.map((p) => `\`${p}\``).join(', ')} (\`az provider register --namespace <ns>\`).`,
    ...r.features.map((f) => {
      const [ns, name] = f.split('/');
      return `- [ ] Feature \`${f}\` registered: \`az feature register --namespace ${ns} --name ${name}\`, wait for \`Registered\`, then \`az provider register --namespace ${ns}\`. Without it every VM create fails.`;
    }),
    `- [ ] Regional vCPU quota in \`${r.location}\` for ${sizes} (per VM family and total regional vCPUs; \`az vm list-usage --location ${r.location}\`).`,
    `- [ ] ${r.publicIps} Standard public IP addresses free in \`${r.location}\` (NAT gateways, VPN gateway; \`az network list-usages --location ${r.location}\`).`,
    '- [ ] The deploying identity holds `Owner`, or `Contributor` plus `Role Based Access Control Administrator` / `User Access Administrator`, on the subscription: the stacks create role assignments.',
    `- [ ] Key Vault name \`${r.keyVaultName}\` is free: no soft-deleted vault of that name (\`az keyvault list-deleted\`); purge protection keeps a deleted name reserved for its retention period.`,
    ...r.storageAccountNames.map((n) => `- [ ] Storage account name \`${n}\` is available (\`az storage account check-name --name ${n}\`).`),
    ...(r.registryName ? [`- [ ] Registry name \`${r.registryName}\` is available (\`az acr check-name --name ${r.registryName}\`).`] : []),
    r.stateBackend
      ? `- [ ] State backend \`${r.stateBackend.storageAccountName}/${r.stateBackend.containerName}\` in \`${r.stateBackend.resourceGroupName}\` exists and the deploying identity can read it with Azure AD (\`scripts/bootstrap-state.sh\`).`
      : '- [ ] A state backend: none configured, so every stack keeps a local state file. Run `scripts/bootstrap-state.sh` and add `stateBackend:` before a shared deployment.',
    ...Object.entries(r.placeholders).map(([p, why]) => `- [ ] \`${p}\` in \`config/environments/${r.environment}.yaml\`: ${why}.`),
    ...(Object.keys(r.keyVaultSecrets).length > 0
      ? [
          '',
          `## After \`${r.environment}-keyvault\`, before \`${r.environment}-platform\``,
          '',
          `Terraform only reads these secrets, so a missing one fails the platform plan. Put them in \`${r.keyVaultName}\` from a network that reaches its private endpoint, as an identity with \`Key Vault Secrets Officer\` (\`az keyvault secret set --vault-name ${r.keyVaultName} --name <name> --file <file>\`; a file keeps the value out of shell history):`,
          '',
          ...Object.entries(r.keyVaultSecrets).map(([name, what]) => `- [ ] \`${name}\`: ${what}.`),
        ]
      : []),
    '',
  ].join('\n');
}

/** Writes `<outdir>/preflight/<env>/{requirements.env,checklist.md}`; returns the files written. */
export function writePreflight(outdir: string, environments: ReadonlyArray<LoadedEnvironment>): string[] {
  const written: string[] = [];
  for (const { config } of environments) {
    const dir = path.join(outdir, 'preflight', config.name);
    fs.mkdirSync(dir, { recursive: true });
    const r = preflightRequirements(config);
    for (const [file, text] of [['requirements.env', renderRequirementsEnv(r)], ['checklist.md', renderChecklist(r)]] as const) {
      fs.writeFileSync(path.join(dir, file), text);
      written.push(path.join(dir, file));
    }
  }
  return written;
}
