import { parseAllDocuments } from 'yaml';
import { BOOTSTRAP_TOKEN_PLACEHOLDER, DISCOVERY_KUBECONFIG_PATH, renderKubeadmConfig } from '../../constructs/cluster/kubeadm-config';
import { clusterSettings } from './render';

type Doc = Record<string, any>;
const docs = (role: 'init' | 'control-plane' | 'worker', external = false): Doc[] =>
  parseAllDocuments(renderKubeadmConfig({ ...clusterSettings, externalCloudProvider: external }, { role, nodeName: `vm-hyb-dev-${role}` })).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS() as Doc;
  });
const byKind = (list: Doc[], kind: string) => list.find((d) => d.kind === kind)!;
const args = (list: Array<{ name: string; value: string }>) => Object.fromEntries(list.map((a) => [a.name, a.value]));

describe('kubeadm configuration (v1beta4)', () => {
  test('control plane 0 gets Init, Cluster, Kubelet and KubeProxy documents with the expected apiVersions', () => {
    expect(docs('init').map((d) => `${d.apiVersion} ${d.kind}`)).toEqual([
      'kubeadm.k8s.io/v1beta4 InitConfiguration',
      'kubeadm.k8s.io/v1beta4 ClusterConfiguration',
      'kubelet.config.k8s.io/v1beta1 KubeletConfiguration',
      'kubeproxy.config.k8s.io/v1alpha1 KubeProxyConfiguration',
    ]);
  });

  test('ClusterConfiguration: endpoint name, certSANs, CIDRs, metrics bound to 0.0.0.0, etcd on its disk', () => {
    const cc = byKind(docs('init'), 'ClusterConfiguration');
    expect(cc.kubernetesVersion).toBe('v1.36.1');
    expect(cc.controlPlaneEndpoint).toBe('api.dev.hyb.internal:6443');
    expect(cc.apiServer.certSANs).toEqual(['api.dev.hyb.internal', '10.20.0.250', '127.0.0.1', 'localhost']);
    expect(cc.networking).toEqual({ podSubnet: '172.20.0.0/16', serviceSubnet: '172.21.0.0/16', dnsDomain: 'cluster.local' });
    // v1beta4: extraArgs are lists of {name, value}, not maps.
    expect(Array.isArray(cc.controllerManager.extraArgs)).toBe(true);
    expect(args(cc.controllerManager.extraArgs)['bind-address']).toBe('0.0.0.0');
    expect(args(cc.scheduler.extraArgs)['bind-address']).toBe('0.0.0.0');
    expect(args(cc.etcd.local.extraArgs)['listen-metrics-urls']).toBe('http://0.0.0.0:2381');
    expect(cc.etcd.local.dataDir).toBe('/var/lib/etcddisk/etcd');
    expect(cc.apiServer.timeoutForControlPlane).toBeUndefined();
  });

  test('kubelet serving certificates (metrics-server) and kube-proxy metrics on 0.0.0.0:10249', () => {
    const list = docs('init');
    expect(byKind(list, 'KubeletConfiguration')).toMatchObject({ cgroupDriver: 'systemd', serverTLSBootstrap: true });
    expect(byKind(list, 'KubeProxyConfiguration').metricsBindAddress).toBe('0.0.0.0:10249');
  });

  test('InitConfiguration: bootstrap token placeholder with the configured TTL, control-plane taint, no certificate upload', () => {
    const init = byKind(docs('init'), 'InitConfiguration');
    expect(init.bootstrapTokens).toEqual([expect.objectContaining({ token: BOOTSTRAP_TOKEN_PLACEHOLDER, ttl: '24h0m0s', usages: ['signing', 'authentication'] })]);
    expect(init.nodeRegistration.name).toBe('vm-hyb-dev-init');
    expect(init.nodeRegistration.taints).toEqual([{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]);
    expect(init.certificateKey).toBeUndefined();
    expect(init.timeouts.controlPlaneComponentHealthCheck).toBe('10m0s');
  });

  test.each(['control-plane', 'worker'] as const)('%s joins through file discovery, never with an unsafe CA skip', (role) => {
    const list = docs(role);
    expect(list.map((d) => d.kind)).toEqual(['JoinConfiguration']);
    const join = list[0];
    expect(join.apiVersion).toBe('kubeadm.k8s.io/v1beta4');
    expect(join.discovery).toEqual({ file: { kubeConfigPath: DISCOVERY_KUBECONFIG_PATH }, tlsBootstrapToken: BOOTSTRAP_TOKEN_PLACEHOLDER });
    expect(join.discovery.bootstrapToken).toBeUndefined();
    expect(JSON.stringify(join)).not.toMatch(/unsafeSkipCAVerification|certificateKey/);
    if (role === 'control-plane') expect(join.controlPlane).toEqual({ localAPIEndpoint: { bindPort: 6443 } });
    else {
      expect(join.controlPlane).toBeUndefined();
      expect(join.nodeRegistration.taints).toEqual([]);
    }
  });

  test('an external cloud provider is set on kubelets and the controller manager only when the CCM is installed', () => {
    expect(byKind(docs('init'), 'InitConfiguration').nodeRegistration.kubeletExtraArgs).toEqual([]);
    expect(byKind(docs('init', true), 'InitConfiguration').nodeRegistration.kubeletExtraArgs).toEqual([{ name: 'cloud-provider', value: 'external' }]);
    expect(args(byKind(docs('init', true), 'ClusterConfiguration').controllerManager.extraArgs)['cloud-provider']).toBe('external');
    expect(docs('worker', true)[0].nodeRegistration.kubeletExtraArgs).toEqual([{ name: 'cloud-provider', value: 'external' }]);
  });
});
