import type { ConfigProblem, ConfigValidator } from '../problems';
import type { EnvironmentConfig } from '../schema';
import { validateAddressPlan, validateGatewaySubnet, validateNatSubnets, validateResolverSubnets } from './address-plan';
import { validateNames } from './naming';
import { validateForwardingRuleset, validateOnPremisesDns, validateResolverPlacement, validateZoneLinks } from './dns';
import { validatePostgres, validatePrivateEndpointSubnet, validateServiceNames, validateSiteRecovery } from './services';
import { validateExpectedChurn } from './churn';
import { validatePlatform } from './platform';
import { clusterValidators } from './cluster';
import { validateImageCredentialProvider } from './credential-provider';
import { validateBgp, validateGateway, validateIpsecPolicy, validateOnPremises } from './vpn';

/**
 * The semantic rules, run after the schema accepted the document. Each returns every problem it finds, so a
 * user fixes a file in one pass. Later concerns (DNS, services, cluster, platform) add their validators here.
 */
export const VALIDATORS: ReadonlyArray<ConfigValidator> = [
  validateAddressPlan,
  validateGatewaySubnet,
  validateResolverSubnets,
  validateNatSubnets,
  validateOnPremises,
  validateGateway,
  validateIpsecPolicy,
  validateBgp,
  validateNames,
  validateResolverPlacement, validateZoneLinks, validateForwardingRuleset, validateOnPremisesDns,
  validateServiceNames, validateSiteRecovery, validatePostgres, validatePrivateEndpointSubnet,
  validateExpectedChurn,
  validatePlatform,
  ...clusterValidators,
  validateImageCredentialProvider,
];

export function validateEnvironment(config: EnvironmentConfig): ConfigProblem[] {
  return VALIDATORS.flatMap((validate) => validate(config));
}
