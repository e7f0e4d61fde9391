/**
 * Fixtures for the DNS, services and handoff tests. They parse only the sections these concerns read
 * (network, on-premises, VPN, DNS, services) so that they stay independent of the cluster/platform schemas,
 * and run only the DNS and services validators on top of the address plan.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { App, Testing } from 'cdktf';
import type { ConfigProblem, EnvironmentConfig } from '../../config';
import { environmentSchema } from '../../config/schema';
import { validateAddressPlan } from '../../config/validate/address-plan';
import { validateForwardingRuleset, validateOnPremisesDns, validateResolverPlacement, validateZoneLinks } from '../../config/validate/dns';
import { validatePostgres, validatePrivateEndpointSubnet, validateServiceNames, validateSiteRecovery } from '../../config/validate/services';
import { KeyVaultStack } from '../../stacks/keyvault-stack';
import { NetworkStack } from '../../stacks/network-stack';
import { ServicesStack } from '../../stacks/services-stack';
import { VpnStack } from '../../stacks/vpn-stack';

/** The raw YAML of a shipped environment (read here, not through test/helpers, so that these tests do not load stacks/app). */
export function rawEnvironment(name: 'dev' | 'prod'): any {
  return parse(fs.readFileSync(path.join(__dirname, '..', '..', 'config', 'environments', `${name}.yaml`), 'utf8'));
}

const sections = environmentSchema.pick({ name: true, prefix: true, location: true, tags: true, stateBackend: true, network: true, onPremises: true, vpn: true, dns: true, services: true });

export const OUR_VALIDATORS = [
  validateResolverPlacement, validateZoneLinks, validateForwardingRuleset, validateOnPremisesDns,
  validateServiceNames, validateSiteRecovery, validatePostgres, validatePrivateEndpointSubnet,
];

/** A shipped environment, optionally changed, parsed by the schema of the sections this work reads. */
export function testConfig(base: 'dev' | 'prod' = 'dev', change?: (env: any) => void): EnvironmentConfig {
  const raw = rawEnvironment(base);
  delete raw.cluster;
  delete raw.platform;
  change?.(raw);
  return { ...sections.parse(raw), cluster: {}, platform: {} } as unknown as EnvironmentConfig;
}

/** Every DNS/services problem (plus address plan ones) of a changed copy of a shipped environment. */
export function problemsAfter(change: (env: any) => void, base: 'dev' | 'prod' = 'dev'): ConfigProblem[] {
  const config = testConfig(base, change);
  return [validateAddressPlan, ...OUR_VALIDATORS].flatMap((v) => v(config));
}

export const errors = (problems: ConfigProblem[], pathPrefix = ''): ConfigProblem[] => problems.filter((p) => p.severity === 'error' && p.path.startsWith(pathPrefix));

export interface Synthesized {
  readonly network: any;
  readonly services: any;
  readonly vpn: any;
  readonly keyvault: any;
}

/** Synthesizes the network, VPN and services stacks of one configuration. */
export function synthesize(config: EnvironmentConfig): Synthesized {
  const app: App = Testing.app();
  const network = new NetworkStack(app, { config });
  const vpn = new VpnStack(app, { config, network });
  const keyVault = new KeyVaultStack(app, { config, network });
  const services = new ServicesStack(app, { config, network, keyVault, vpnSharedKey: network.vpnSharedKey.result });
  return { network: JSON.parse(Testing.synth(network)), vpn: JSON.parse(Testing.synth(vpn)), services: JSON.parse(Testing.synth(services)), keyvault: JSON.parse(Testing.synth(keyVault)) };
}

export const resources = (stack: any, type: string): Record<string, any> => stack.resource?.[type] ?? {};
export const values = (stack: any, type: string): any[] => Object.values(resources(stack, type));
