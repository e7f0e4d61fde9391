/** The two packs. Order inside a pack is the order findings are reported in. */
import { applySafetyRules } from './rules/apply-safety';
import { computeRules } from './rules/compute';
import { dataServiceRules } from './rules/data-services';
import { clientVnetsResolvePrivateEndpoints } from './rules/dns-clients';
import { dnsPathOpen } from './rules/dns-path';
import { keyVaultRules } from './rules/key-vault';
import { nsgRules } from './rules/nsg';
import { privateDnsRules } from './rules/private-dns';
import { servicesHavePrivateEndpoint } from './rules/private-endpoints';
import { storageRules } from './rules/storage';
import { vpnPathRules } from './rules/vpn-path';
import type { Rule, RulePack } from './types';

export const azureBaseline: RulePack = {
  name: 'azure-baseline',
  description: "Azure security baseline modelled on checkov's CKV_AZURE rules, on azurerm 4.x attribute names.",
  rules: [...storageRules, ...keyVaultRules, ...nsgRules, ...computeRules, ...dataServiceRules, servicesHavePrivateEndpoint],
};

export const hybridNetwork: RulePack = {
  name: 'hybrid-network',
  description: 'Invariants of the hub/spoke VPN and private DNS design, checked across the stacks of one environment.',
  rules: [...vpnPathRules, ...privateDnsRules, dnsPathOpen, clientVnetsResolvePrivateEndpoints, ...applySafetyRules],
};

export const defaultPacks: readonly RulePack[] = [azureBaseline, hybridNetwork];

export function findRule(id: string, packs: readonly RulePack[] = defaultPacks): Rule | undefined {
  return packs.flatMap((p) => p.rules).find((r) => r.id === id);
}
