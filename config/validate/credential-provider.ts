import { problem, warning, type ConfigProblem } from '../problems';
import type { EnvironmentConfig } from '../schema';

/** Shared with the cluster stack's plan-time precondition. */
export const MISSING_SHA256_MESSAGE = (version: string): string =>
  `cluster.imageCredentialProvider.sha256 is not set: the workers pull the tool's image from services.registry through acr-credential-provider ${version}, ` +
  `which is installed only after its SHA-256 is verified. Set it to the sha256sum of the asset azure-acr-credential-provider-linux-amd64 of release v${version} ` +
  `of github.com/kubernetes-sigs/cloud-provider-azure (docs/cluster.md has the commands); ` +
  `<env>-cluster cannot be planned without it`;

/**
 * The workers' ACR credential provider: its release follows the Kubernetes minor (cloud-provider-azure 1.N supports
 * Kubernetes 1.N), and with a registry its SHA-256 must be configured. A missing checksum is a warning here so that
 * the repository's environments synthesize for review and tests; `<env>-cluster` then fails its plan with the same
 * message (stacks/cluster-stack.ts, a precondition), so no node is ever created without it.
 */
export function validateImageCredentialProvider(config: EnvironmentConfig): ConfigProblem[] {
  const c = config.cluster;
  const p = c.imageCredentialProvider;
  const problems: ConfigProblem[] = [];
  const k8sMinor = c.kubernetesVersion.split('.')[1];
  if (p.version.split('.')[1] !== k8sMinor) {
    problems.push(
      problem('cluster.imageCredentialProvider.version', `cloud-provider-azure ${p.version} does not match Kubernetes ${c.kubernetesVersion}: its releases follow the Kubernetes minor`, {
        value: p.version,
        allowed: `a 1.${k8sMinor}.x release (then set sha256 for that release's asset)`,
      }),
    );
  }
  if (config.services.registry && !p.sha256) {
    problems.push(warning('cluster.imageCredentialProvider.sha256', MISSING_SHA256_MESSAGE(p.version), { allowed: '64 lower-case hex digits' }));
  }
  return problems;
}
