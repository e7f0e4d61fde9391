import { AzurermBackend, LocalBackend, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { EnvironmentConfig, Naming } from '../config';

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
      new AzurermProvider(this, 'azurerm', {
        features: [{ resourceGroup: [{ preventDeletionIfContainsResources: true }] }],
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
