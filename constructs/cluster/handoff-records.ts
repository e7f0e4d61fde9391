import type { EnvironmentConfig } from '../../config';
import type { HandoffRecord } from '../../handoff/extensions';

const PURPOSES: Record<string, string> = {
  cases: 'case-assignment tool (ingress)',
  grafana: 'Grafana (ingress)',
  argocd: 'Argo CD (ingress)',
  prometheus: 'Prometheus (ingress)',
  alertmanager: 'Alertmanager (ingress)',
};

/**
 * The cluster's names on-premises clients resolve through the resolver: the API name (internal API load balancer)
 * and every application host (internal ingress load balancer), all in `cluster.dns.zoneName`, which on-premises
 * DNS forwards to the resolver inbound endpoint.
 */
export function clusterHandoffRecords(config: EnvironmentConfig): HandoffRecord[] {
  const c = config.cluster;
  const zone = c.dns.zoneName;
  return [
    { fqdn: `${c.apiServer.hostLabel}.${zone}`, ip: c.apiServer.privateIp, forwardZone: zone, purpose: 'Kubernetes API (internal load balancer)' },
    ...Object.entries(c.ingress.hosts).map(([key, label]) => ({ fqdn: `${label}.${zone}`, ip: c.ingress.privateIp, forwardZone: zone, purpose: PURPOSES[key] ?? `${key} (ingress)` })),
  ];
}
