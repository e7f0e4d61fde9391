import type { EnvironmentConfig } from '../../config';
import type { PlatformHostKey } from '../../config/schema/platform';

export interface PlatformHosts {
  readonly zone: string;
  readonly grafana: string;
  readonly argocd: string;
  /** Only when `cluster.ingress.hosts.prometheus` is set: Prometheus has no authentication of its own. */
  readonly prometheus?: string;
  readonly alertmanager?: string;
  /** The case-assignment tool. */
  readonly cases?: string;
}

/**
 * Fully qualified host names of the platform UIs: `<label>.<cluster.dns.zoneName>`, with labels from
 * `cluster.ingress.hosts`. The cluster stack creates the DNS records for exactly these labels, so a host the
 * platform publishes always resolves (on premises too, through the resolver).
 */
export function platformHosts(config: Pick<EnvironmentConfig, 'cluster'>): PlatformHosts {
  const zone = config.cluster.dns.zoneName;
  const labels: Partial<Record<string, string>> = config.cluster.ingress.hosts;
  const fqdn = (key: PlatformHostKey): string | undefined => (labels[key] ? `${labels[key]}.${zone}` : undefined);
  const required = (key: PlatformHostKey): string => {
    const host = fqdn(key);
    if (!host) throw new Error(`cluster.ingress.hosts has no "${key}" entry; the platform publishes ${key} there (allowed: add ${key}: <label>)`);
    return host;
  };
  return {
    zone,
    grafana: required('grafana'),
    argocd: required('argocd'),
    ...(fqdn('prometheus') ? { prometheus: fqdn('prometheus') } : {}),
    ...(fqdn('alertmanager') ? { alertmanager: fqdn('alertmanager') } : {}),
    ...(fqdn('cases') ? { cases: fqdn('cases') } : {}),
  };
}
