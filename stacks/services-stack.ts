import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { KeyVaultSecret } from '@cdktf/provider-azurerm/lib/key-vault-secret';
import { AzurermProvider, AzurermProviderFeatures } from '@cdktf/provider-azurerm/lib/provider';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { PrivateEndpointPlan, privateEndpoints } from '../config/dns-plan';
import { serviceNames } from '../config/service-names';
import { ReplicationCacheStorage } from '../constructs/services/cache-storage';
import { PrivateContainerRegistry } from '../constructs/services/container-registry';
import { PrivatePostgres } from '../constructs/services/postgres-server';
import { ServicePrivateEndpoint } from '../constructs/services/private-endpoint';
import { RbacPropagationWait } from '../constructs/services/rbac-propagation';
import { BACKUP_PRIVATE_ENDPOINT_ROLES, PrivateRecoveryVault } from '../constructs/services/recovery-vault';
import { EnvironmentStack, EnvironmentStackProps } from './environment-stack';
import type { KeyVaultStack } from './keyvault-stack';
import type { NetworkStack } from './network-stack';

export interface ServicesStackProps extends EnvironmentStackProps {
  /** Provides the private endpoint subnet and the privatelink zones (linked to the resolver VNet there). */
  readonly network: NetworkStack;
  /**
   * `<env>-keyvault`: the vault the generated secrets go to, and the resource group this stack's resources live in.
   * The secrets written here wait for the deployer's `Key Vault Secrets Officer` role (created there) to propagate.
   */
  readonly keyVault: KeyVaultStack;
  /**
   * The VPN pre-shared key, kept in Key Vault as `vpn-shared-key`. Pass it from a stack that deploys before this
   * one (e.g. generated in `<env>-network`), never from `<env>-vpn`: that would make this stack wait for the gateway.
   * @default not stored
   */
  readonly vpnSharedKey?: string;
}

/**
 * `<env>-services`: the PaaS services the site uses, each reachable only through a private endpoint in the hub
 * whose single DNS zone group points at the privatelink zone of `<env>-network`. Which services exist is
 * configuration (`services:`). The Key Vault, its endpoint and the services resource group live in `<env>-keyvault`
 * (ready in minutes); this stack writes its secrets there once the deployer's role has propagated (its own
 * RbacPropagationWait, in front of the secrets only: the servers and vaults are created meanwhile).
 */
export class ServicesStack extends EnvironmentStack {
  /** Owned by `<env>-keyvault` (same name as before the split). */
  readonly resourceGroup: ResourceGroup;
  readonly endpoints: Record<string, ServicePrivateEndpoint> = {};
  readonly siteRecoveryVault?: PrivateRecoveryVault;
  readonly cacheStorage?: ReplicationCacheStorage;
  readonly backupVault?: PrivateRecoveryVault;
  readonly postgres?: PrivatePostgres;
  readonly registry?: PrivateContainerRegistry;

  constructor(scope: Construct, props: ServicesStackProps) {
    super(scope, 'services', props);
    const { config, tags } = this;
    const network = props.network;
    const names = serviceNames(config);
    const s = config.services;
    const location = config.location;
    new RandomProvider(this, 'random');
    // The cache account's public endpoint is firewalled (trusted services only) and it has no queue endpoint: the
    // provider must stay on the management plane, or refreshing the account fails reading queue properties (403;
    // terraform-provider-azurerm#33454).
    const azurerm = this.node.findChild('azurerm') as AzurermProvider;
    azurerm.features = ((azurerm.features ?? [{}]) as AzurermProviderFeatures[]).map((f) => ({ ...f, storage: [{ dataPlaneAvailable: false }] }));
    this.resourceGroup = props.keyVault.resourceGroup;
    const rg = this.resourceGroup.name;
    const keyVaultId = props.keyVault.ref.id;
    // Created only when a secret is written here (each writer stack waits for the role itself; HN-012).
    let writerRole: RbacPropagationWait | undefined;
    const writerRoleWait = () => {
      writerRole ??= new RbacPropagationWait(this, 'secrets-officer-propagation', { roleAssignments: [{ id: props.keyVault.ref.secretsOfficerAssignmentId }] });
      return writerRole.wait;
    };
    const plans = new Map(privateEndpoints(config).map((p) => [p.service, p]));
    const endpoint = (plan: PrivateEndpointPlan | undefined, resourceId: string): ServicePrivateEndpoint => {
      if (!plan) throw new Error(`${this.node.id}: no private endpoint planned for this service`);
      const pe = new ServicePrivateEndpoint(this, `pe-${plan.service}`, {
        name: names.privateEndpoint(plan.service.toLowerCase()),
        resourceGroupName: rg,
        location,
        subnetId: network.hub.subnet('privateEndpoints').id,
        resourceId,
        subresource: plan.subresource,
        privateDnsZoneIds: plan.zoneKeys.map((k) => network.dns.zones.zone(k).id),
        staticIps: plan.staticIps,
        tags,
      });
      this.endpoints[plan.service] = pe;
      return pe;
    };


    if (s.siteRecovery) {
      const vault = new PrivateRecoveryVault(this, 'site-recovery-vault', { name: names.siteRecoveryVault, resourceGroupName: rg, location, storageModeType: s.siteRecovery.vaultStorage, tags });
      this.siteRecoveryVault = vault;
      endpoint(plans.get('siteRecovery'), vault.vault.id);
      this.cacheStorage = new ReplicationCacheStorage(this, 'cache-storage', {
        name: names.cacheStorage,
        resourceGroupName: rg,
        location,
        replication: s.siteRecovery.cacheReplication,
        vaultPrincipalId: vault.principalId,
        tags,
      });
      endpoint(plans.get('cacheStorage'), this.cacheStorage.account.id);
    }
    if (s.backup) {
      this.backupVault = new PrivateRecoveryVault(this, 'backup-vault', {
        name: names.backupVault,
        resourceGroupName: rg,
        location,
        identityRoles: [
          { role: BACKUP_PRIVATE_ENDPOINT_ROLES.vnet, scope: network.hub.vnet.id, description: 'Azure Backup creates the blob and queue private endpoints of its storage in the hub.' },
          { role: BACKUP_PRIVATE_ENDPOINT_ROLES.dnsZones, scope: network.resourceGroup.id, description: 'Azure Backup writes its blob and queue records into the privatelink zones of <env>-network.' },
        ],
        tags,
      });
      endpoint(plans.get('backup'), this.backupVault.vault.id);
    }
    if (s.postgres) {
      this.postgres = new PrivatePostgres(this, 'postgres', {
        name: names.postgres,
        resourceGroupName: rg,
        location,
        config: s.postgres,
        keyVaultId,
        secretDependsOn: [writerRoleWait()],
        tags,
      });
      endpoint(plans.get('postgres'), this.postgres.server.id);
      new TerraformOutput(this, 'postgres_fqdn', { value: this.postgres.server.fqdn, description: 'Resolves to the private endpoint from every linked VNet and, through the resolver, from on-premises.' });
      new TerraformOutput(this, 'postgres_password_secret_id', { value: this.postgres.passwordSecret.versionlessId, description: 'Key Vault secret holding the generated administrator password.' });
    }
    if (s.registry) {
      this.registry = new PrivateContainerRegistry(this, 'registry', { name: names.registry, resourceGroupName: rg, location, zoneRedundancy: s.registry.zoneRedundancy, tags });
      endpoint(plans.get('registry'), this.registry.registry.id);
      new TerraformOutput(this, 'registry_login_server', { value: this.registry.registry.loginServer });
    }
    if (props.vpnSharedKey !== undefined) {
      new KeyVaultSecret(this, 'vpn-shared-key', {
        name: 'vpn-shared-key',
        keyVaultId,
        value: props.vpnSharedKey,
        contentType: `IPsec pre-shared key of connection to ${config.onPremises.name}`,
        dependsOn: [writerRoleWait()],
      });
    }
  }
}
