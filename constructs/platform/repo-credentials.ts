import { Construct } from 'constructs';
import { DataAzurermKeyVaultSecret } from '@cdktf/provider-azurerm/lib/data-azurerm-key-vault-secret';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';

/** Key Vault secret holding the read-only token Argo CD uses for the Git repository. */
export const REPO_TOKEN_SECRET = 'argocd-repo-token';

/** Hosts whose repositories always need credentials (Azure DevOps has no anonymous Git access). */
const AZURE_DEVOPS = /^https:\/\/([^/@]+@)?(dev\.azure\.com|[a-z0-9-]+\.visualstudio\.com)\//;

/** Whether Argo CD needs credentials for this repository URL: every Azure DevOps repository does. */
export function repoNeedsCredentials(repoURL: string): boolean {
  return AZURE_DEVOPS.test(repoURL);
}

export interface RepoCredentialsProps {
  /** The repository URL exactly as the Application's source.repoURL (Argo CD matches the Secret by URL). */
  readonly repoURL: string;
  /** Key Vault the token is read from (`<env>-keyvault`). */
  readonly keyVaultId: string;
  /** Name of the Key Vault secret. @default argocd-repo-token */
  readonly keyVaultSecretName?: string;
  /** Argo CD's namespace. */
  readonly namespace: string;
  readonly provider: KubernetesProvider;
}

/**
 * A declarative Argo CD repository Secret (label argocd.argoproj.io/secret-type=repository) for a private HTTPS
 * repository. The password is a read-only token (Azure DevOps PAT, scope Code: Read) that an operator puts in Key
 * Vault; Terraform reads it at plan/apply through a data source, so it is in no file, no configuration and no plan
 * output (the data source value and the Secret's data are sensitive). It does land in Terraform state, like every
 * secret Terraform writes: keep state access-controlled. Rotation: store a new version in Key Vault and re-apply
 * `<env>-platform` (docs/platform.md, "Repository credentials").
 */
export class RepoCredentials extends Construct {
  readonly secret: SecretV1;
  readonly token: DataAzurermKeyVaultSecret;

  constructor(scope: Construct, id: string, props: RepoCredentialsProps) {
    super(scope, id);
    if (!/^https:\/\//.test(props.repoURL)) {
      throw new Error(`platform.gitops.repoURL is "${props.repoURL}"; allowed: an https:// URL for token credentials (ssh keys are not wired)`);
    }
    if (/^https:\/\/[^/]*@/.test(props.repoURL)) {
      throw new Error(`platform.gitops.repoURL "${props.repoURL}" carries a user name; allowed: the URL without "user@" (the credentials come from Key Vault)`);
    }
    this.token = new DataAzurermKeyVaultSecret(this, 'token', { keyVaultId: props.keyVaultId, name: props.keyVaultSecretName ?? REPO_TOKEN_SECRET });
    this.secret = new SecretV1(this, 'secret', {
      provider: props.provider,
      metadata: {
        name: 'repo-gitops',
        namespace: props.namespace,
        labels: { 'argocd.argoproj.io/secret-type': 'repository', 'app.kubernetes.io/part-of': 'platform' },
      },
      data: {
        type: 'git',
        url: props.repoURL,
        // Azure DevOps accepts a PAT with any non-empty user name over basic auth.
        username: 'argocd',
        password: this.token.value,
      },
    });
  }
}
