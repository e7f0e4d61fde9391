/** The reviewed values files, parsed (not grepped), and the values the stack computes on top of them. */
import { parse } from 'yaml';
import { loadValuesFile, mergeValues } from '../../constructs/platform/values';
import { built, Json, releases } from './fixtures';

const file = (name: string): Json => loadValuesFile(name) as Json;
/** The values YAML a synthesized release hands to Helm, parsed. */
const rendered = (env: 'dev' | 'prod', release: string): Json => parse(releases(built(env).json)[release]!.values[0] as string) as Json;

describe('kube-prometheus-stack.yaml', () => {
  const v = file('kube-prometheus-stack');

  test.each(['serviceMonitor', 'podMonitor', 'rule', 'probe', 'scrapeConfig'])('%sSelectorNilUsesHelmValues is false', (kind) => {
    expect(v.prometheus.prometheusSpec[`${kind}SelectorNilUsesHelmValues`]).toBe(false);
  });

  test('kubeadm scrape fixes: controller-manager 10257 and scheduler 10259 over HTTPS, etcd 2381 over HTTP, kube-proxy 10249', () => {
    expect(v.kubeControllerManager).toMatchObject({ enabled: true, service: { port: 10257, targetPort: 10257 }, serviceMonitor: { https: true } });
    expect(v.kubeScheduler).toMatchObject({ enabled: true, service: { port: 10259, targetPort: 10259 }, serviceMonitor: { https: true } });
    expect(v.kubeEtcd).toMatchObject({ enabled: true, service: { port: 2381, targetPort: 2381 }, serviceMonitor: { scheme: 'http' } });
    expect(v.kubeProxy).toMatchObject({ enabled: true, service: { port: 10249, targetPort: 10249 } });
  });

  test('Grafana picks up dashboards from ConfigMaps labelled grafana_dashboard: "1" in every namespace', () => {
    expect(v.grafana.sidecar.dashboards).toMatchObject({ enabled: true, label: 'grafana_dashboard', labelValue: '1', searchNamespace: 'ALL' });
  });

  test('Grafana keeps its database on a volume', () => {
    expect(v.grafana.persistence).toMatchObject({ enabled: true });
  });
});

describe('argo-cd.yaml', () => {
  const v = file('argo-cd');
  test('server.insecure behind the ingress TLS', () => expect(v.configs.params['server.insecure']).toBe(true));
  test('metrics with ServiceMonitors for every component', () => {
    for (const c of ['server', 'controller', 'repoServer', 'applicationSet', 'notifications']) expect(v[c].metrics).toEqual({ enabled: true, serviceMonitor: { enabled: true } });
  });
  test('ingress on, TLS left to Traefik\'s default certificate', () => expect(v.server.ingress).toMatchObject({ enabled: true, tls: false }));
  test('no admin password or hash in the file', () => expect(v.configs.secret).not.toHaveProperty('argocdServerAdminPassword'));
});

describe('traefik.yaml', () => {
  const v = file('traefik');
  test('NodePort Service (chart 40+ syntax: service.spec)', () => expect(v.service.spec.type).toBe('NodePort'));
  test('HTTP redirects to HTTPS; HTTPS terminates TLS', () => {
    expect(v.ports.web.http.redirections.entryPoint).toMatchObject({ to: 'websecure', scheme: 'https' });
    expect(v.ports.websecure.http.tls.enabled).toBe(true);
  });
  test('the default ingress class, and a ServiceMonitor', () => {
    expect(v.ingressClass).toMatchObject({ enabled: true, isDefaultClass: true, name: 'traefik' });
    expect(v.metrics.prometheus.serviceMonitor.enabled).toBe(true);
  });
});

describe('metrics-server.yaml', () => {
  const v = file('metrics-server');
  test('verifies kubelet serving certificates: no --kubelet-insecure-tls anywhere', () => {
    expect([...v.defaultArgs, ...v.args].some((a: string) => a.includes('insecure'))).toBe(false);
  });
  test('reaches kubelets by InternalIP (a SAN of their serving certificates)', () => {
    expect(v.defaultArgs).toContain('--kubelet-preferred-address-types=InternalIP,Hostname');
  });
});

describe('calico.yaml', () => {
  const v = file('calico');
  test('VXLAN everywhere, BGP off, MTU 1350', () => {
    expect(v.installation.calicoNetwork).toMatchObject({ bgp: 'Disabled', mtu: 1350 });
    expect(v.installation.calicoNetwork.ipPools).toEqual([expect.objectContaining({ encapsulation: 'VXLAN', natOutgoing: 'Enabled' })]);
  });
  test('the Calico API server (projectcalico.org/v3) the metadata block uses', () => expect(v.apiServer.enabled).toBe(true));
});

describe('computed values', () => {
  test.each(['dev', 'prod'] as const)('%s: Traefik listens on exactly the NodePorts the ingress load balancer targets', (env) => {
    const { ingress } = built(env).stack.config.cluster;
    const v = rendered(env, 'traefik');
    expect(v.ports.web.nodePort).toBe(ingress.httpNodePort);
    expect(v.ports.websecure.nodePort).toBe(ingress.httpsNodePort);
    expect(v.service.spec.type).toBe('NodePort');
  });

  test.each(['dev', 'prod'] as const)('%s: Traefik serves the default certificate from the TLS Secret', (env) => {
    expect(rendered(env, 'traefik').tlsStore.default.defaultCertificate.secretName).toBe(built(env).stack.config.platform.tls.secretName);
  });

  test.each(['dev', 'prod'] as const)('%s: Calico\'s pool is the cluster\'s pod CIDR', (env) => {
    expect(rendered(env, 'calico').installation.calicoNetwork.ipPools).toEqual([expect.objectContaining({ cidr: built(env).stack.config.cluster.podCidr, encapsulation: 'VXLAN' })]);
  });

  test.each(['dev', 'prod'] as const)('%s: ingresses on the internal host names of cluster.ingress.hosts', (env) => {
    const { cluster } = built(env).stack.config;
    const host = (key: string) => `${(cluster.ingress.hosts as Record<string, string>)[key]}.${cluster.dns.zoneName}`;
    const kps = rendered(env, 'kube-prometheus-stack');
    expect(kps.grafana.ingress).toMatchObject({ enabled: true, ingressClassName: 'traefik', hosts: [host('grafana')] });
    expect(kps.prometheus.ingress).toMatchObject({ enabled: true, hosts: [host('prometheus')] });
    expect(kps.alertmanager.ingress).toMatchObject({ enabled: true, hosts: [host('alertmanager')] });
    expect(rendered(env, 'argo-cd').global.domain).toBe(host('argocd'));
  });

  test('Grafana admin credentials come from the Secret, never from values', () => {
    const kps = rendered('dev', 'kube-prometheus-stack');
    expect(kps.grafana.admin).toEqual({ existingSecret: 'grafana-admin', userKey: 'admin-user', passwordKey: 'admin-password' });
    expect(kps.grafana).not.toHaveProperty('adminPassword');
  });

  test('kubelet-csr-approver only approves the cluster\'s own VM names from the node subnet', () => {
    const v = rendered('dev', 'kubelet-csr-approver');
    expect(new RegExp(v.providerRegex).test('vm-hyb-dev-wk-1')).toBe(true);
    expect(new RegExp(v.providerRegex).test('vm-hyb-dev-cp-0')).toBe(true);
    expect(new RegExp(v.providerRegex).test('vm-hyb-prod-wk-1')).toBe(false);
    expect(new RegExp(v.providerRegex).test('attacker')).toBe(false);
    expect(v.providerIpPrefixes).toEqual(['10.20.0.0/24']);
    expect(v.bypassDnsResolution).toBe(false);
  });
});

test('strings a YAML 1.1 parser (Helm\'s) would turn into times or booleans reach Helm quoted', () => {
  const text = releases(built('dev').json)['argo-cd']!.values[0] as string;
  expect(text).toMatch(/argocdServerAdminPasswordMtime: "2026-01-01T00:00:00Z"/);
  expect(parse(text, { version: '1.1' }).configs.secret.argocdServerAdminPasswordMtime).toBe('2026-01-01T00:00:00Z');
});

describe('mergeValues (Helm -f semantics)', () => {
  test('maps merge key by key, lists and scalars are replaced, inputs untouched', () => {
    const a = { x: { y: 1, z: [1, 2] }, s: 'a' };
    const b = { x: { z: [3] }, s: 'b', t: true };
    expect(mergeValues(a, b)).toEqual({ x: { y: 1, z: [3] }, s: 'b', t: true });
    expect(a).toEqual({ x: { y: 1, z: [1, 2] }, s: 'a' });
  });
  test('an unknown values file is reported with the files that exist', () => {
    expect(() => loadValuesFile('no-such-release')).toThrow(/allowed: .*traefik/);
  });
});
