import { App } from 'cdktf';
import type { LoadedEnvironment } from '../config';
import { NetworkStack } from './network-stack';
import { VpnStack } from './vpn-stack';
import { KeyVaultStack } from './keyvault-stack';
import { ServicesStack } from './services-stack';
import { ClusterStack } from './cluster-stack';
import { PlatformStack } from './platform-stack';

/** The stacks of one environment, in dependency order. Later stacks are added as their work lands. */
export interface EnvironmentStacks {
  readonly network: NetworkStack;
  readonly vpn: VpnStack;
  readonly keyVault: KeyVaultStack;
  readonly services: ServicesStack;
  readonly cluster: ClusterStack;
  readonly platform: PlatformStack;
}

/**
 * Builds every stack of every environment into `app`. Pure wiring: each stack gets the validated
 * configuration and the stacks it depends on (cdktf turns cross-stack references into remote state).
 */
export function buildApp(app: App, environments: ReadonlyArray<LoadedEnvironment>): Record<string, EnvironmentStacks> {
  const result: Record<string, EnvironmentStacks> = {};
  for (const { config } of environments) {
    const network = new NetworkStack(app, { config });
    const vpn = new VpnStack(app, { config, network });
    // Key Vault + the deployer's role, ready in minutes: the cluster never waits for PostgreSQL (the secret writers wait for the role themselves).
    const keyVault = new KeyVaultStack(app, { config, network });
    // The VPN key comes from <env>-network, not <env>-vpn: services (and the cluster) never wait for the gateway.
    const services = new ServicesStack(app, { config, network, keyVault, vpnSharedKey: network.vpnSharedKey.result });
    const cluster = new ClusterStack(app, { config, network, keyVault: keyVault.ref });
    const postgres = services.postgres && config.services.postgres;
    const database = services.postgres && postgres ? { host: services.postgres.server.fqdn, user: postgres.administratorLogin, password: services.postgres.password.result } : undefined;
    const registry = services.registry ? { id: services.registry.registry.id, loginServer: services.registry.registry.loginServer } : undefined;
    const platform = new PlatformStack(app, { config, cluster: cluster.platformInputs, database, registry, keyVault: keyVault.ref });
    result[config.name] = { network, vpn, keyVault, services, cluster, platform };
  }
  return result;
}
