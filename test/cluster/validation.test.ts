import { EXAMPLE_SSH_KEY_MARKER } from '../../config/validate/cluster';
import { errorsAt, problemsAfter } from '../helpers/env';

const clusterErrors = (change: (env: any) => void, base: 'dev' | 'prod' = 'dev') => errorsAt(problemsAfter(change, base), 'cluster').concat(errorsAt(problemsAfter(change, base), 'network.spokes.cluster.natSubnets'));

describe('cluster configuration validation', () => {
  test.each(['dev', 'prod'] as const)('the shipped %s configuration has no cluster errors', (env) => {
    expect(clusterErrors(() => {}, env)).toEqual([]);
  });

  test("Calico's default pod CIDR 192.168.0.0/16 is rejected: it is the on-premises range here", () => {
    const errors = clusterErrors((env) => (env.cluster.podCidr = '192.168.0.0/16'));
    expect(errors).toEqual([expect.objectContaining({ path: 'cluster.podCidr', value: '192.168.0.0/16', message: expect.stringContaining('onPremises.addressPrefixes.0') })]);
    expect(errors[0].allowed).toContain('10.10.0.0/22');
  });

  test("kubeadm's default service CIDR 10.96.0.0/12 is rejected in prod: it contains the hub and the cluster spoke", () => {
    const errors = clusterErrors((env) => (env.cluster.serviceCidr = '10.96.0.0/12'), 'prod');
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining('network.hub.addressSpace.0'), expect.stringContaining('network.spokes.cluster.addressSpace.0')]);
  });

  test('pod and service ranges may not overlap each other', () => {
    expect(clusterErrors((env) => (env.cluster.serviceCidr = '172.20.128.0/20'))).toEqual([expect.objectContaining({ path: 'cluster.serviceCidr', message: expect.stringContaining('overlaps the pod network') })]);
  });

  test("ranges containing Azure's platform IP or IMDS are rejected", () => {
    const errors = clusterErrors((env) => (env.cluster.podCidr = '168.63.0.0/16'));
    expect(errors).toEqual([expect.objectContaining({ path: 'cluster.podCidr', message: expect.stringContaining('168.63.129.16') })]);
  });

  test('service ranges larger than /12 and tiny pod ranges are rejected', () => {
    expect(clusterErrors((env) => (env.cluster.serviceCidr = '172.0.0.0/11'))).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'cluster.serviceCidr', allowed: '/12 to /24' })]));
    expect(clusterErrors((env) => (env.cluster.podCidr = '172.20.0.0/24'))).toEqual([expect.objectContaining({ path: 'cluster.podCidr' })]);
  });

  test('load balancer IPs must be usable addresses of the node subnet and distinct', () => {
    expect(clusterErrors((env) => (env.cluster.apiServer.privateIp = '10.20.1.10'))).toEqual([expect.objectContaining({ path: 'cluster.apiServer.privateIp', value: '10.20.1.10' })]);
    expect(clusterErrors((env) => (env.cluster.ingress.privateIp = '10.20.0.2'))).toEqual([expect.objectContaining({ path: 'cluster.ingress.privateIp' })]);
    expect(clusterErrors((env) => (env.cluster.ingress.privateIp = env.cluster.apiServer.privateIp))).toEqual([expect.objectContaining({ path: 'cluster.ingress.privateIp', message: expect.stringContaining('different frontend IPs') })]);
  });

  test('the node subnet must have NAT egress (cloud-init downloads packages)', () => {
    expect(clusterErrors((env) => (env.network.spokes.cluster.natSubnets = []))).toEqual([expect.objectContaining({ path: 'network.spokes.cluster.natSubnets', message: expect.stringContaining('pkgs.k8s.io') })]);
  });

  test('schema: control planes 1, 3 or 5; at least 2 workers; SSH public keys only; exact version', () => {
    expect(clusterErrors((env) => (env.cluster.controlPlane.count = 2))).toEqual([expect.objectContaining({ path: 'cluster.controlPlane.count' })]);
    expect(clusterErrors((env) => (env.cluster.workers.count = 1))).toEqual([expect.objectContaining({ path: 'cluster.workers.count' })]);
    expect(clusterErrors((env) => (env.cluster.sshPublicKey = '-----BEGIN OPENSSH PRIVATE KEY-----'))).toEqual([expect.objectContaining({ path: 'cluster.sshPublicKey' })]);
    expect(clusterErrors((env) => (env.cluster.kubernetesVersion = '1.30'))).toEqual([expect.objectContaining({ path: 'cluster.kubernetesVersion' })]);
  });

  test('the example SSH key is flagged with a warning until replaced', () => {
    const warnings = problemsAfter(() => {}).filter((p) => p.path === 'cluster.sshPublicKey');
    expect(warnings).toEqual([expect.objectContaining({ severity: 'warning' })]);
    const replaced = problemsAfter((env) => (env.cluster.sshPublicKey = env.cluster.sshPublicKey.replace(EXAMPLE_SSH_KEY_MARKER, 'ops@contoso.com')));
    expect(replaced.filter((p) => p.path === 'cluster.sshPublicKey')).toEqual([]);
  });
});
