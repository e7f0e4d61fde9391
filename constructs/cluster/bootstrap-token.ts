import { Construct } from 'constructs';
import { Password } from '@cdktf/provider-random/lib/password';

export interface BootstrapTokenProps {
  /**
   * Rotation counter: a new value replaces both halves of the token. The nodes read the token from Key Vault and
   * control plane 0's readiness gate registers it (with the TTL) when the counter changes.
   */
  readonly rotation: number;
}

/** The format kubeadm accepts: `[a-z0-9]{6}.[a-z0-9]{16}` (token id, token secret). */
export const BOOTSTRAP_TOKEN_PATTERN = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;

/**
 * A kubeadm bootstrap token from the random provider. Its lifetime in the cluster is the kubeadm TTL, not this
 * resource: the value lives on in state and Key Vault, but an expired token is deleted by the cluster's token
 * cleaner and is useless (see docs/cluster.md, "Bootstrap token").
 */
export class BootstrapToken extends Construct {
  /** `<id>.<secret>` (sensitive: random_password results are). */
  readonly token: string;

  constructor(scope: Construct, id: string, props: BootstrapTokenProps) {
    super(scope, id);
    if (!Number.isInteger(props.rotation) || props.rotation < 1) throw new Error(`${this.node.path}: rotation ${props.rotation}; allowed: an integer >= 1`);
    const keepers = { rotation: String(props.rotation) };
    const alphabet = { upper: false, lower: true, numeric: true, special: false };
    const tokenId = new Password(this, 'token-id', { length: 6, ...alphabet, keepers });
    const tokenSecret = new Password(this, 'token-secret', { length: 16, ...alphabet, keepers });
    this.token = `${tokenId.result}.${tokenSecret.result}`;
  }
}
