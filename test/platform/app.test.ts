/**
 * `<env>-platform` inside the real app, next to the real `<env>-cluster`: the credentials chain, the NodePorts the
 * ingress load balancer targets, the kubeadm metrics bindings the scrape settings rely on, the cloud config.
 */
import { parse, parseAllDocuments } from 'yaml';
import { loadEnvironments } from '../../config';
import { clusterConfiguration, KubeadmClusterSettings, kubeletConfiguration, kubeProxyConfiguration } from '../../constructs/cluster/kubeadm-config';
import { loadValuesFile } from '../../constructs/platform/values';
import { list, resourcesOf, synthEnvironment } from '../cluster/synth';
import { Json, releases } from './fixtures';

const ENV = 'prod' as const; // the richer environment: HA, CCM + CSI, zones
const stacks = () => synthEnvironment(ENV).stacks;
const platform = () => stacks()[`${ENV}-platform`];
const cluster = () => stacks()[`${ENV}-cluster`];

test('the platform stack exists in the app and reaches the cluster only through the cluster stack\'s outputs', () => {
  const [kubernetes] = platform().provider.kubernetes as Json[];
  const outputs = cluster().output as Record<string, Json>;
  // The endpoint is the private API name both stacks derive from configuration (the cluster's api_endpoint output).
  expect(kubernetes!.host).toBe(outputs.api_endpoint!.value);
  expect(kubernetes!.host).toMatch(/^https:\/\/api\.prod\.hyb\.internal:6443$/);
  for (const key of ['cluster_ca_certificate', 'client_certificate', 'client_key']) {
    const ref = /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-prod-cluster\.outputs\.([^}]+)\}$/.exec(kubernetes![key]);
    expect(ref).not.toBeNull();
    expect(outputs[ref![1]!]).toBeDefined();
  }
  // The client key travels as a sensitive output, built from the cluster PKI's private key.
  const keyOutput = outputs[/outputs\.([^}]+)\}$/.exec(kubernetes!.client_key)![1]!]!;
  expect(keyOutput.sensitive).toBe(true);
  expect(keyOutput.value).toMatch(/^\$\{tls_private_key\./);
});

test('Traefik listens on exactly the ports the ingress load balancer forwards to and probes', () => {
  const lb = Object.entries(resourcesOf(cluster(), 'azurerm_lb')).find(([, v]) => (v.name as string).endsWith('-k8s-ingress'))!;
  const onIngress = (items: Json[]) => items.filter((i) => i.loadbalancer_id === `\${azurerm_lb.${lb[0]}.id}`);
  const backendPorts = onIngress(list(cluster(), 'azurerm_lb_rule')).map((r) => r.backend_port).sort();
  const probePorts = onIngress(list(cluster(), 'azurerm_lb_probe')).map((p) => p.port).sort();
  const traefik = parse(releases(platform()).traefik!.values[0]) as Json;
  const nodePorts = [traefik.ports.web.nodePort, traefik.ports.websecure.nodePort].sort();
  expect(nodePorts).toEqual(backendPorts);
  expect(nodePorts).toEqual(probePorts);
});

describe('the kubeadm bindings the monitoring values scrape', () => {
  const c = loadEnvironments([ENV])[0]!.config.cluster;
  const settings: KubeadmClusterSettings = {
    clusterName: 'k', kubernetesVersion: c.kubernetesVersion, apiHost: 'api.example.internal', apiPort: 6443, apiLoadBalancerIp: c.apiServer.privateIp,
    podCidr: c.podCidr, serviceCidr: c.serviceCidr, dnsDomain: c.dnsDomain, bootstrapTokenTtlHours: 24, externalCloudProvider: true,
  };
  const kps = loadValuesFile('kube-prometheus-stack') as Json;
  const args = (component: Json): Record<string, string> => Object.fromEntries(((component.extraArgs ?? []) as Json[]).map((a) => [a.name, a.value]));
  const cc = clusterConfiguration(settings) as Json;

  test('controller-manager and scheduler bind 0.0.0.0 (their secure ports are the scraped 10257/10259)', () => {
    expect(args(cc.controllerManager)['bind-address']).toBe('0.0.0.0');
    expect(args(cc.scheduler)['bind-address']).toBe('0.0.0.0');
    expect([kps.kubeControllerManager.service.port, kps.kubeScheduler.service.port]).toEqual([10257, 10259]);
  });

  test('etcd serves metrics on http://0.0.0.0:<the scraped port>', () => {
    expect(args(cc.etcd.local)['listen-metrics-urls']).toBe(`http://0.0.0.0:${kps.kubeEtcd.service.port}`);
  });

  test('kube-proxy serves metrics on 0.0.0.0:<the scraped port>', () => {
    expect((kubeProxyConfiguration() as Json).metricsBindAddress).toBe(`0.0.0.0:${kps.kubeProxy.service.port}`);
  });

  test('kubelets request serving certificates (approved by kubelet-csr-approver, verified by metrics-server)', () => {
    expect((kubeletConfiguration() as Json).serverTLSBootstrap).toBe(true);
    expect(Object.keys(releases(platform()))).toContain('kubelet-csr-approver');
  });
});

test('prod: the kubelets start with --cloud-provider=external, which the cloud controller manager the platform installs then serves', () => {
  for (const vm of list(cluster(), 'azurerm_linux_virtual_machine')) {
    const b64 = /path: \/etc\/k8s-bootstrap\/kubeadm\.yaml\\n(?:[^\\]*\\n)*?\s*content: ([A-Za-z0-9+/=]+)/.exec(vm.custom_data as string)?.[1];
    expect(b64).toBeDefined();
    const docs = parseAllDocuments(Buffer.from(b64!, 'base64').toString('utf8')).map((d) => d.toJS() as Json);
    const registration = docs.find((d) => d.nodeRegistration)!.nodeRegistration;
    expect(registration.kubeletExtraArgs).toContainEqual({ name: 'cloud-provider', value: 'external' });
  }
  expect(Object.keys(releases(platform()))).toEqual(expect.arrayContaining(['cloud-provider-azure', 'azuredisk-csi-driver']));
});

test('the tool\'s DATABASE_URL is built from the services stack\'s PostgreSQL server and generated password', () => {
  const secret = Object.values(platform().resource.kubernetes_secret_v1 as Record<string, Json>).find((s) => s.metadata.name === 'case-assigner-runtime')!;
  const refs = [...(secret.data.DATABASE_URL as string).matchAll(/terraform_remote_state\.cross-stack-reference-input-([a-z]+-[a-z]+)\.outputs\.([A-Za-z0-9_-]+)/g)];
  expect(new Set(refs.map((r) => r[1]))).toEqual(new Set([`${ENV}-services`]));
  const outputs = stacks()[`${ENV}-services`].output as Record<string, Json>;
  const values = refs.map((r) => outputs[r[2]!]!.value as string);
  expect(values).toEqual(expect.arrayContaining([expect.stringMatching(/^\$\{azurerm_postgresql_flexible_server\.[^.]+\.fqdn\}$/), expect.stringMatching(/^\$\{random_password\.[^.]+\.result\}$/)]));
});

test('prod: the cloud config Secret carries the cluster\'s identity and network, and no credential', () => {
  const secret = Object.values(platform().resource.kubernetes_secret_v1 as Record<string, Json>).find((s) => s.metadata.name === 'azure-cloud-provider')!;
  const cloudConfig = secret.data['cloud-config'] as string;
  expect(cloudConfig).toMatch(/^\$\{jsonencode\(/);
  expect(cloudConfig).toContain('"useManagedIdentityExtension" = true');
  expect(cloudConfig).toMatch(/"userAssignedIdentityID" = data\.terraform_remote_state\.cross-stack-reference-input-prod-cluster\.outputs\./);
  expect(cloudConfig).not.toMatch(/aadClientSecret|aadClientCertPassword/);
  // ...and that identity is the one attached to every node (IMDS hands its token only to VMs that carry it).
  const output = /"userAssignedIdentityID" = data\.terraform_remote_state\.[^.]+\.outputs\.([A-Za-z0-9_-]+)/.exec(cloudConfig)![1]!;
  const identity = /^\$\{azurerm_user_assigned_identity\.([^.]+)\.client_id\}$/.exec((cluster().output as Record<string, Json>)[output]!.value)![1]!;
  for (const vm of list(cluster(), 'azurerm_linux_virtual_machine')) expect(vm.identity.identity_ids).toContain(`\${azurerm_user_assigned_identity.${identity}.id}`);
});
