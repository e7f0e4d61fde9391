import { ITerraformDependable, TerraformResource, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { HandBoundProvider, HandBoundResource } from '../hand-bound';

/**
 * How long a new Azure role assignment may take to apply on the Key Vault data plane. Microsoft states "up to
 * 10 minutes (600 seconds) after role assignments is changed for role to be applied" (Key Vault RBAC guide,
 * "Known limits and performance": https://learn.microsoft.com/azure/key-vault/general/rbac-guide), and the Azure
 * RBAC troubleshooting page gives the same bound for Azure Resource Manager caching
 * (https://learn.microsoft.com/azure/role-based-access-control/troubleshooting). The azurerm provider reads a
 * secret right after writing it and does not retry a 403 (`ForbiddenByRbac`), so the wait must be explicit.
 */
export const RBAC_PROPAGATION_SECONDS = 600;

/** `hashicorp/time`, bound by hand (constructs/hand-bound.ts). */
export class TimeProvider extends HandBoundProvider {
  constructor(scope: Construct, id: string) {
    super(scope, id, { name: 'time', source: 'hashicorp/time', version: '~> 0.13' });
  }
}

export interface TimeSleepConfig {
  readonly provider: TimeProvider;
  /** e.g. `600s`. Slept once, when the resource is created (and again when a trigger changes). */
  readonly createDuration: string;
  /** Values whose change recreates the sleep, e.g. the role assignment ids it waits for. */
  readonly triggers?: Record<string, string>;
  readonly dependsOn?: ITerraformDependable[];
}

/** `time_sleep`: an explicit wait in the dependency graph. */
export class TimeSleep extends HandBoundResource {
  private readonly config: TimeSleepConfig;

  constructor(scope: Construct, id: string, config: TimeSleepConfig) {
    super(scope, id, 'time_sleep', config);
    this.config = config;
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return { create_duration: this.config.createDuration, ...(this.config.triggers ? { triggers: this.config.triggers } : {}) };
  }
}

/** A role assignment by id: one in another stack of the environment (cdktf turns the id into a remote state read). */
export interface RoleAssignmentRef {
  readonly id: string;
}

export interface RbacPropagationWaitProps {
  /**
   * The role assignments whose effect the dependants need: resources of this stack (the wait also depends on them)
   * or references to role assignments another stack of the environment creates (the wait is created, and sleeps, when
   * this stack is applied after that one). Their ids are the sleep's triggers: a replaced role assignment waits again.
   */
  readonly roleAssignments: ReadonlyArray<(TerraformResource & RoleAssignmentRef) | RoleAssignmentRef>;
  /** @default RBAC_PROPAGATION_SECONDS */
  readonly seconds?: number;
}

/**
 * Waits for new role assignments to take effect before anything that depends on this construct runs. A resource
 * that uses a role the same apply (or an earlier stack of the environment) creates, e.g. a secret written by the
 * deployer, depends on `wait`, never on the role assignment alone. Put it in the stack that uses the role, in front of
 * only the resources that need it, so everything else of that stack is created while it sleeps. Sleeps on create
 * only: later applies do not wait again unless a role assignment is replaced (its id is a trigger).
 */
export class RbacPropagationWait extends Construct {
  readonly wait: TimeSleep;

  constructor(scope: Construct, id: string, props: RbacPropagationWaitProps) {
    super(scope, id);
    const seconds = props.seconds ?? RBAC_PROPAGATION_SECONDS;
    if (!Number.isInteger(seconds) || seconds < RBAC_PROPAGATION_SECONDS) {
      throw new Error(`${this.node.path}: seconds ${seconds}; allowed: an integer >= ${RBAC_PROPAGATION_SECONDS} (Microsoft's stated role assignment latency)`);
    }
    if (props.roleAssignments.length === 0) throw new Error(`${this.node.path}: no role assignments to wait for; allowed: one or more`);
    const stack = TerraformStack.of(this);
    const provider = (stack.node.tryFindChild('time') as TimeProvider | undefined) ?? new TimeProvider(stack, 'time');
    // depends_on only within this stack (Terraform cannot depend on another state's resource; the trigger's remote
    // state read orders the stacks).
    const local = props.roleAssignments.filter((r): r is TerraformResource & RoleAssignmentRef => r instanceof TerraformResource && TerraformStack.of(r) === stack);
    this.wait = new TimeSleep(this, 'sleep', {
      provider,
      createDuration: `${seconds}s`,
      triggers: Object.fromEntries(props.roleAssignments.map((r, i) => [`role_${i}`, r.id])),
      dependsOn: local.length > 0 ? local : undefined,
    });
  }
}
