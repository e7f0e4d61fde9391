import { AzurermBackend, LocalBackend, TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { EnvironmentConfig, Naming } from '../config';

/** Terraform variable of every azurerm stack: `false` lets a reviewed teardown delete resource groups with unmanaged content. */
export const PREVENT_DELETION_VARIABLE = 'prevent_deletion_if_contains_resources';

export interface EnvironmentStackProps {
  /** The validated environment configuration. */
  readonly config: EnvironmentConfig;
  /** Configure the azurerm provider; stacks that only talk to Kubernetes turn it off. @default true */
  readonly azurerm?: boolean;
}

/**
 * Base of every stack: stack id `<env>-<component>`, the azurerm provider, the state backend (local unless the
 * environment names a state storage account; then azurerm with Azure AD auth, one state key per stack) and
 * the tags every resource carries.
 */
export abstract class EnvironmentStack extends TerraformStack {
  readonly config: EnvironmentConfig;
  readonly naming: Naming;
  /** Tags for every taggable resource: the environment's own plus stack and component. */
  readonly tags: Record<string, string>;

  constructor(scope: Construct, readonly component: string, props: EnvironmentStackProps) {
    super(scope, `${props.config.name}-${component}`);
    this.config = props.config;
    this.naming = new Naming(props.config);
    this.tags = { ...props.config.tags, environment: props.config.name, component };

    // subscription_id comes from ARM_SUBSCRIPTION_ID: nothing account-specific lives in the repository.
    if (props.azurerm ?? true) {
      // Deleting a resource group that still holds resources Terraform does not manage is refused by default. Some exist
      // by design (Azure Disk CSI volumes with reclaimPolicy Retain, the endpoints Azure Backup creates), so a teardown
      // lists them and then opts in for one destroy: scripts/teardown.sh, `-var prevent_deletion_if_contains_resources=false`.
      const preventDeletion = new TerraformVariable(this, PREVENT_DELETION_VARIABLE, {
        type: 'bool',
        default: true,
        description: 'Refuse to delete a resource group that still contains resources outside this state (set false only in a reviewed teardown: scripts/teardown.sh).',
      });
      new AzurermProvider(this, 'azurerm', {
        features: [{ resourceGroup: [{ preventDeletionIfContainsResources: preventDeletion.booleanValue }] }],
        storageUseAzuread: true,
      });
    }

    const backend = props.config.stateBackend;
    if (backend) {
      new AzurermBackend(this, {
        resourceGroupName: backend.resourceGroupName,
        storageAccountName: backend.storageAccountName,
        containerName: backend.containerName,
        key: `${this.node.id}.tfstate`,
        useAzureadAuth: true,
      });
    } else {
      new LocalBackend(this, { path: `terraform.${this.node.id}.tfstate` });
    }
  }
}
