import { z } from 'zod';
import { tags } from './common';
import { clusterSchema } from './cluster';
import { dnsSchema } from './dns';
import { networkSchema, onPremisesSchema, vpnSchema } from './network';
import { platformSchema } from './platform';
import { servicesSchema } from './services';

/** Azure regions this stack has been reviewed for (zone support and the region code used in Backup zone names). */
export const SUPPORTED_LOCATIONS = [
  'westeurope', 'northeurope', 'swedencentral', 'germanywestcentral', 'francecentral', 'uksouth',
  'eastus', 'eastus2', 'westus2', 'westus3', 'centralus', 'southeastasia', 'eastasia', 'australiaeast', 'japaneast',
] as const;

export const stateBackendSchema = z.strictObject({
  /** Resource group of the state storage account (created by scripts/bootstrap-state.sh). */
  resourceGroupName: z.string().min(1).max(90),
  storageAccountName: z.string().regex(/^[a-z0-9]{3,24}$/, { error: 'storage account names are 3-24 lower-case letters and digits' }),
  containerName: z.string().regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, { error: 'container names are 3-63 lower-case letters, digits and single hyphens' }).default('tfstate'),
});

export const environmentSchema = z.strictObject({
  /** Environment name; must match the file name (config/environments/<name>.yaml). */
  name: z.string().regex(/^[a-z][a-z0-9]{1,7}$/, { error: 'environment names are 2-8 lower-case letters/digits starting with a letter' }),
  /** Short workload prefix used in every derived Azure name (e.g. `hyb` -> `rg-hyb-dev-network`). */
  prefix: z.string().regex(/^[a-z][a-z0-9]{1,7}$/, { error: 'prefixes are 2-8 lower-case letters/digits starting with a letter' }),
  location: z.enum(SUPPORTED_LOCATIONS),
  tags: tags.default({}),
  /** Remote state in an Azure storage account (Azure AD auth). Omit for local state (synth works offline). */
  stateBackend: stateBackendSchema.optional(),
  network: networkSchema,
  onPremises: onPremisesSchema,
  vpn: vpnSchema,
  dns: dnsSchema,
  services: servicesSchema,
  cluster: clusterSchema,
  platform: platformSchema,
});

/** The validated environment configuration every stack receives. */
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
export type EnvironmentInput = z.input<typeof environmentSchema>;
