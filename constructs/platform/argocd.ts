import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { Password } from '@cdktf/provider-random/lib/password';
import type { PlatformConfig } from '../../config/schema/platform';
import { PlatformRelease } from './platform-release';
import { mergeValues } from './values';

/** Workers redis-ha needs: its pods require separate nodes (argo-helm README, "High Availability"). */
export const ARGOCD_HA_MIN_WORKERS = 3;

/** Whether Argo CD runs in HA mode for this configuration; throws when HA is forced onto too few workers. */
export function argoCdHa(mode: 'auto' | 'on' | 'off', workerCount: number): boolean {
  if (mode === 'on' && workerCount < ARGOCD_HA_MIN_WORKERS) {
    throw new Error(`platform.argocd.ha is "on" but the cluster has ${workerCount} worker(s); allowed: "on" only with at least ${ARGOCD_HA_MIN_WORKERS} workers (redis-ha anti-affinity), otherwise "auto" or "off"`);
  }
  return mode === 'on' || (mode === 'auto' && workerCount >= ARGOCD_HA_MIN_WORKERS);
}

export interface ArgoCdProps {
  readonly argocd: PlatformConfig['argocd'];
  /** Internal host name Argo CD is published on. */
  readonly host: string;
  readonly namespace: string;
  readonly workerCount: number;
  readonly ingressClassName: string;
  readonly dependsOn?: ITerraformDependable[];
  readonly helm: HelmProvider;
}

/**
 * The values that differ between single-replica and HA Argo CD (argo-helm README, "High Availability"). In HA the
 * chart's own Redis (and its `redis.metrics`) is off: redis-ha's exporter sidecar and ServiceMonitor take over.
 */
export function argoCdHaValues(ha: boolean): Record<string, unknown> {
  const replicas = ha ? 2 : 1;
  return {
    'redis-ha': ha ? { enabled: true, exporter: { enabled: true, serviceMonitor: { enabled: true } } } : { enabled: false },
    redis: { enabled: !ha },
    controller: { replicas: 1 },
    server: { replicas },
    repoServer: { replicas },
    applicationSet: { replicas },
  };
}

/**
 * Argo CD behind Traefik. TLS ends at the ingress (`server.insecure`), Dex runs only when SSO is configured, every
 * component exposes metrics with a ServiceMonitor, HA only where the cluster can hold it. The admin password is a
 * random_password whose `bcrypt_hash` is computed once and kept in state, so plans stay clean (Terraform's `bcrypt()`
 * would salt anew on every plan); it reaches Helm as a sensitive value and rotates when `adminPasswordRotatedAt` changes.
 */
export class ArgoCd extends Construct {
  readonly release: PlatformRelease;
  readonly adminPassword: Password;
  readonly host: string;
  readonly ha: boolean;

  constructor(scope: Construct, id: string, props: ArgoCdProps) {
    super(scope, id);
    const { argocd } = props;
    this.host = props.host;
    this.ha = argoCdHa(argocd.ha, props.workerCount);

    this.adminPassword = new Password(this, 'admin-password', {
      length: 32,
      special: false,
      keepers: { rotatedAt: argocd.adminPasswordRotatedAt },
    });

    const sso = argocd.sso;
    const dexConfig = sso
      ? stringify({
          connectors: [
            {
              type: 'oidc',
              id: 'oidc',
              name: 'SSO',
              // `$<secret>:<key>` is resolved by Argo CD from a Secret labelled part-of=argocd, never stored here.
              config: { issuer: sso.issuer, clientID: sso.clientId, clientSecret: `$${sso.clientSecretName}:oidc.clientSecret`, requestedScopes: ['openid', 'profile', 'email', 'groups'] },
            },
          ],
        })
      : undefined;

    this.release = new PlatformRelease(this, 'argo-cd', {
      chart: 'argoCd',
      namespace: props.namespace,
      computedValues: mergeValues({
        global: { domain: this.host },
        dex: { enabled: Boolean(sso) },
        configs: {
          cm: { url: `https://${this.host}`, ...(dexConfig ? { 'dex.config': dexConfig } : {}) },
          secret: { argocdServerAdminPasswordMtime: argocd.adminPasswordRotatedAt },
        },
        server: { ingress: { ingressClassName: props.ingressClassName } },
      }, argoCdHaValues(this.ha)),
      sensitiveValues: { 'configs.secret.argocdServerAdminPassword': this.adminPassword.bcryptHash },
      dependsOn: props.dependsOn,
      provider: props.helm,
    });
  }
}
