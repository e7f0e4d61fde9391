/**
 * Synthesizes `<env>-platform` against a stand-in `<env>-cluster` stack that exposes the same kind of values the real
 * cluster stack does (tokens of resources in another stack), so cross-stack references are exercised for real.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, TerraformLocal, TerraformStack, Testing } from 'cdktf';
import { Construct } from 'constructs';
import { PrivateKey } from '@cdktf/provider-tls/lib/private-key';
import { TlsProvider } from '@cdktf/provider-tls/lib/provider';
import { SelfSignedCert } from '@cdktf/provider-tls/lib/self-signed-cert';
import { Password } from '@cdktf/provider-random/lib/password';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import type { DatabaseConnection } from '../../constructs/platform/workload-secret';
import { EnvironmentConfig, loadEnvironments } from '../../config';
import type { AzureCloudConfig, ClusterConnection, PlatformClusterInputs } from '../../constructs/platform/cluster-connection';
import { PlatformStack } from '../../stacks/platform-stack';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export class StandInClusterStack extends TerraformStack {
  readonly connection: ClusterConnection;
  readonly azureCloud: AzureCloudConfig;
  /** Stands in for `<env>-services`' PostgreSQL (another stack in the real app; here the same stand-in). */
  readonly database: DatabaseConnection;
  /** Stands in for `<env>-services`' registry and `<env>-keyvault`'s vault. */
  readonly registry: { id: string; loginServer: string };
  readonly keyVault: { id: string };
  readonly kubeletIdentity: { principalId: string; clientId: string };

  constructor(scope: Construct, id: string) {
    super(scope, id);
    new TlsProvider(this, 'tls');
    new RandomProvider(this, 'random');
    const dbPassword = new Password(this, 'db-password', { length: 32, special: false });
    this.database = { host: new TerraformLocal(this, 'db-host', 'psql-hyb.postgres.database.azure.com').asString, user: 'pgadmin', password: dbPassword.result };
    const caKey = new PrivateKey(this, 'ca-key', { algorithm: 'ECDSA', ecdsaCurve: 'P256' });
    const ca = new SelfSignedCert(this, 'ca', { privateKeyPem: caKey.privateKeyPem, isCaCertificate: true, validityPeriodHours: 87600, allowedUses: ['cert_signing'], subject: [{ commonName: 'kubernetes' }] });
    const adminKey = new PrivateKey(this, 'admin-key', { algorithm: 'ECDSA', ecdsaCurve: 'P256' });
    const admin = new SelfSignedCert(this, 'admin', { privateKeyPem: adminKey.privateKeyPem, validityPeriodHours: 8760, allowedUses: ['client_auth'], subject: [{ commonName: 'admin', organization: 'kubeadm:cluster-admins' }] });
    const endpoint = new TerraformLocal(this, 'endpoint', 'https://10.20.0.4:6443');
    const identity = new TerraformLocal(this, 'identity', '00000000-0000-0000-0000-000000000001');
    this.registry = { id: new TerraformLocal(this, 'registry-id', '/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/crhybdev').asString, loginServer: new TerraformLocal(this, 'registry-login-server', 'crhybdev.azurecr.io').asString };
    this.keyVault = { id: new TerraformLocal(this, 'key-vault-id', '/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-hyb-dev').asString };
    this.kubeletIdentity = { principalId: new TerraformLocal(this, 'kubelet-principal', '00000000-0000-0000-0000-0000000000c1').asString, clientId: identity.asString };
    this.connection = { endpoint: endpoint.asString, caCertificate: ca.certPem, clientCertificate: admin.certPem, clientKey: adminKey.privateKeyPem };
    this.azureCloud = {
      tenantId: '00000000-0000-0000-0000-00000000000a',
      subscriptionId: '00000000-0000-0000-0000-00000000000b',
      resourceGroup: `rg-hyb-${id}`,
      location: 'westeurope',
      vnetName: 'vnet-hyb-cluster',
      vnetResourceGroup: 'rg-hyb-network',
      subnetName: 'snet-nodes',
      securityGroupName: 'nsg-hyb-cluster-nodes',
      userAssignedIdentityClientId: identity.asString,
      clusterName: id,
    };
  }
}

export const config = (env: 'dev' | 'prod'): EnvironmentConfig => loadEnvironments([env])[0]!.config;

/** A deep copy of an environment's configuration with `edit` applied (for dev/prod variants). */
export function variant(env: 'dev' | 'prod', edit: (c: EnvironmentConfig) => void): EnvironmentConfig {
  const copy = structuredClone(config(env));
  edit(copy);
  return copy;
}

export interface Built {
  readonly app: App;
  readonly stack: PlatformStack;
  readonly json: Json;
  /** Directory of the synthesized stack (assets such as the local chart live under it). */
  readonly stackDir: string;
}

export function build(env: 'dev' | 'prod', options: { config?: EnvironmentConfig; cniInstalledByCluster?: boolean; withoutAzureCloud?: boolean; withoutDatabase?: boolean; withoutRegistry?: boolean; withoutKeyVault?: boolean } = {}): Built {
  const app = Testing.app();
  const cluster = new StandInClusterStack(app, `${env}-cluster`);
  const inputs: PlatformClusterInputs = {
    connection: cluster.connection,
    cniInstalledByCluster: options.cniInstalledByCluster ?? false,
    kubeletIdentity: cluster.kubeletIdentity,
    ...(options.withoutAzureCloud ? {} : { azureCloud: cluster.azureCloud }),
  };
  const stack = new PlatformStack(app, { config: options.config ?? config(env), cluster: inputs, ...(options.withoutRegistry ? {} : { registry: cluster.registry }), ...(options.withoutKeyVault ? {} : { keyVault: cluster.keyVault }), ...(options.withoutDatabase ? {} : { database: cluster.database }) });
  // A full app synth: only it turns references into the other stack into outputs + terraform_remote_state.
  app.synth();
  const json = JSON.parse(fs.readFileSync(path.join(app.outdir, 'stacks', stack.node.id, 'cdk.tf.json'), 'utf8')) as Json;
  return { app, stack, json, stackDir: path.join(app.outdir, 'stacks', stack.node.id) };
}

const cache = new Map<string, Built>();
/** Default build per environment, synthesized once per test file. */
export function built(env: 'dev' | 'prod'): Built {
  if (!cache.has(env)) cache.set(env, build(env));
  return cache.get(env)!;
}

/** All helm_release resources of a synthesized stack, keyed by release name. */
export function releases(json: Json): Record<string, Json> {
  return Object.fromEntries(Object.values((json.resource?.helm_release ?? {}) as Record<string, Json>).map((r) => [r.name as string, r]));
}
