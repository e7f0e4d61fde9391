import { Construct } from 'constructs';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';

export interface RegistryPullProps {
  /** Resource id of the environment's container registry (`<env>-services`). */
  readonly registryId: string;
  /** Principal (object) id of the identity the nodes' kubelets pull with. */
  readonly principalId: string;
}

/**
 * AcrPull for the nodes' kubelet identity on the environment's registry. It lives in `<env>-platform`, which already
 * depends on both the cluster and the services stacks, so neither of those waits for the other. The kubelet uses the
 * identity only through an image credential provider (docs/platform.md, "Images"); without one, pulls are anonymous.
 */
export class RegistryPull extends Construct {
  readonly assignment: RoleAssignment;

  constructor(scope: Construct, id: string, props: RegistryPullProps) {
    super(scope, id);
    this.assignment = new RoleAssignment(this, 'acr-pull', {
      scope: props.registryId,
      roleDefinitionName: 'AcrPull',
      principalId: props.principalId,
      principalType: 'ServicePrincipal',
      description: 'Kubelets pull the workload images from the environment registry',
    });
  }
}
