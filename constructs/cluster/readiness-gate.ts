import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { VirtualMachineExtension } from '@cdktf/provider-azurerm/lib/virtual-machine-extension';
import { markCriticalPath, terraformAddress } from '../critical-path-hint';
import { fillTemplate, readScript } from './scripts';

/** The bootstrap script's success marker (CAPZ uses the same pattern: /run/cluster-api/bootstrap-success.complete). */
export const BOOTSTRAP_SENTINEL = '/var/lib/k8s-bootstrap/complete';
export const POLL_INTERVAL_SECONDS = 5;

export interface ReadinessGateScriptProps {
  readonly nodeName: string;
  readonly timeoutMinutes: number;
  /** Control plane 0 also registers the current bootstrap token from Key Vault. */
  readonly ensureToken: boolean;
  /** Bootstrap token rotation counter: part of the script, so a change re-runs the extension. */
  readonly rotation: number;
}

/** The gate's shell script (bounded: timeout / 5 s polls). */
export function renderReadinessGateScript(props: ReadinessGateScriptProps): string {
  if (!Number.isInteger(props.timeoutMinutes) || props.timeoutMinutes < 1 || props.timeoutMinutes > 85) {
    throw new Error(`readiness gate timeout ${props.timeoutMinutes} min; allowed: 1-85 (the CustomScript extension stops at 90 minutes)`);
  }
  return fillTemplate(readScript('readiness-gate.sh'), {
    NODE_NAME: props.nodeName,
    ATTEMPTS: (props.timeoutMinutes * 60) / POLL_INTERVAL_SECONDS,
    ENSURE_TOKEN: props.ensureToken ? 'yes' : 'no',
    ROTATION: props.rotation,
  });
}

export interface ReadinessGateProps extends ReadinessGateScriptProps {
  readonly virtualMachineId: string;
  /** What the node does before the gate can pass, for the time estimate (no effect on Azure). @default none */
  readonly onNode?: { readonly activity: string; readonly waitsFor?: ReadonlyArray<ReadinessGate> };
  /** What must exist before the gate runs (the etcd disk attachment, the bootstrap token secret). @default [] */
  readonly dependsOn?: ReadonlyArray<ITerraformDependable>;
  readonly tags?: Record<string, string>;
}

/**
 * A CustomScript extension that succeeds only when the node's bootstrap wrote its sentinel, and fails with the
 * bootstrap's own error message otherwise. Terraform waits for it, so nothing that depends on the cluster (the
 * next control plane, the workers, the platform stack) starts on a half-built node. No network path from the
 * runner to the node is needed: the Azure VM agent runs it.
 */
export class ReadinessGate extends Construct {
  readonly extension: VirtualMachineExtension;

  constructor(scope: Construct, id: string, props: ReadinessGateProps) {
    super(scope, id);
    const script = renderReadinessGateScript(props);
    this.extension = new VirtualMachineExtension(this, 'extension', {
      name: 'k8s-readiness-gate',
      virtualMachineId: props.virtualMachineId,
      publisher: 'Microsoft.Azure.Extensions',
      type: 'CustomScript',
      typeHandlerVersion: '2.1',
      autoUpgradeMinorVersion: true,
      // Not a secret (the script only reads files on the node): public settings keep it visible in plan diffs.
      settings: JSON.stringify({ script: Buffer.from(script, 'utf8').toString('base64') }),
      timeouts: { create: `${props.timeoutMinutes + 15}m`, update: `${props.timeoutMinutes + 15}m` },
      tags: props.tags,
      dependsOn: props.dependsOn && props.dependsOn.length > 0 ? [...props.dependsOn] : undefined,
    });
    if (props.onNode) {
      markCriticalPath(this.extension, { onNode: props.onNode.activity, waitsOnNodeFor: (props.onNode.waitsFor ?? []).map((g) => g.address) });
    }
  }

  /** Terraform address of the extension (`azurerm_virtual_machine_extension.<id>`). */
  get address(): string {
    return terraformAddress(this.extension);
  }
}
