import { loadEnvironments } from '../../config';
import { clusterHandoffRecords } from '../../constructs/cluster/handoff-records';
import { handoffModel } from '../../handoff/model';
import '../../stacks/cluster-stack';

describe('cluster names in the on-premises handoff', () => {
  const config = loadEnvironments(['dev'])[0].config;

  test('the API name and every application host, with their load balancer IPs and the zone to forward', () => {
    expect(clusterHandoffRecords(config)).toEqual([
      { fqdn: 'api.dev.hyb.internal', ip: '10.20.0.250', forwardZone: 'dev.hyb.internal', purpose: 'Kubernetes API (internal load balancer)' },
      ...['cases', 'grafana', 'argocd', 'prometheus', 'alertmanager'].map((h) => expect.objectContaining({ fqdn: `${h}.dev.hyb.internal`, ip: '10.20.0.251', forwardZone: 'dev.hyb.internal' })),
    ]);
  });

  test('the cluster stack module registers them with the handoff generator', () => {
    const fqdns = handoffModel(config).extraRecords.map((r) => r.fqdn);
    expect(fqdns).toEqual(expect.arrayContaining(['api.dev.hyb.internal', 'grafana.dev.hyb.internal', 'argocd.dev.hyb.internal', 'cases.dev.hyb.internal']));
  });
});
