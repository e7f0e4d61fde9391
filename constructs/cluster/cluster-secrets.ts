import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { KeyVaultSecret } from '@cdktf/provider-azurerm/lib/key-vault-secret';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';

/** Read-only data-plane role for secret values (Azure built-in). */
export const SECRETS_USER_ROLE = 'Key Vault Secrets User';

export interface ClusterSecretSpec {
  /** Construct id and stable key, e.g. `ca-key`. */
  readonly key: string;
  /** Secret name in the vault (1-127 letters, digits, hyphens). */
  readonly name: string;
  readonly value: string;
  readonly contentType: string;
  /** Principal ids (managed identities) that may read this one secret. */
  readonly readers: ReadonlyArray<{ readonly id: string; readonly principalId: string }>;
}

export interface ClusterSecretsProps {
  /** Resource id of the Key Vault (RBAC authorization mode). */
  readonly keyVaultId: string;
  readonly secrets: ReadonlyArray<ClusterSecretSpec>;
  /** What every secret write waits for, e.g. the deployer's role propagation (RbacPropagationWait.wait). @default [] */
  readonly writeAfter?: ReadonlyArray<ITerraformDependable>;
  readonly tags?: Record<string, string>;
}

const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;

/**
 * Join material as Key Vault secrets, each readable only by the identities that need it: a role assignment per
 * secret (scope = the secret), not per vault, so a worker identity can read the bootstrap token but never a CA key.
 */
export class ClusterSecrets extends Construct {
  readonly secrets: Record<string, KeyVaultSecret> = {};
  readonly roleAssignments: RoleAssignment[] = [];

  constructor(scope: Construct, id: string, props: ClusterSecretsProps) {
    super(scope, id);
    for (const spec of props.secrets) {
      if (!SECRET_NAME.test(spec.name)) throw new Error(`${this.node.path}: secret name "${spec.name}"; allowed: 1-127 letters, digits and hyphens`);
      if (spec.readers.length === 0) throw new Error(`${this.node.path}: secret "${spec.name}" has no readers; allowed: one or more node identities`);
      const secret = new KeyVaultSecret(this, spec.key, {
        name: spec.name,
        keyVaultId: props.keyVaultId,
        value: spec.value,
        contentType: spec.contentType,
        tags: props.tags,
        dependsOn: props.writeAfter && props.writeAfter.length > 0 ? [...props.writeAfter] : undefined,
      });
      this.secrets[spec.key] = secret;
      for (const reader of spec.readers) {
        this.roleAssignments.push(
          new RoleAssignment(this, `${spec.key}-${reader.id}`, {
            scope: secret.resourceVersionlessId,
            roleDefinitionName: SECRETS_USER_ROLE,
            principalId: reader.principalId,
            // The identity is new: skip the directory lookup that fails until it has replicated.
            principalType: 'ServicePrincipal',
            description: `${reader.id} nodes read ${spec.name} at boot`,
          }),
        );
      }
    }
  }
}
