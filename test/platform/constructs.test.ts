/** Eager validation in the platform constructs: bad input stops synth with a message naming value and allowed range. */
import { Testing, TerraformStack } from 'cdktf';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { ManifestsRelease } from '../../constructs/platform/manifests-release';
import { PlatformRelease } from '../../constructs/platform/platform-release';
import { validateNodePorts } from '../../stacks/platform-stack';

function stack(): { s: TerraformStack; helm: HelmProvider } {
  const s = new TerraformStack(Testing.app(), 'test');
  return { s, helm: new HelmProvider(s, 'helm', {}) };
}

describe('PlatformRelease', () => {
  test('takes repository and version from the pinned map', () => {
    const { s, helm } = stack();
    const r = new PlatformRelease(s, 'metrics-server', { chart: 'metricsServer', namespace: 'kube-system', provider: helm, computedValues: { replicas: 3 } });
    expect(r.values.replicas).toBe(3); // computed over the file
    expect(r.values.defaultArgs).toBeDefined(); // from stacks/platform/values/metrics-server.yaml
  });

  test.each([30, 7200, 90.5])('rejects timeoutSeconds %p', (timeoutSeconds) => {
    const { s, helm } = stack();
    expect(() => new PlatformRelease(s, 'metrics-server', { chart: 'metricsServer', namespace: 'kube-system', provider: helm, timeoutSeconds })).toThrow(/allowed: an integer from 60 to 3600/);
  });

  test('rejects a chart that is not pinned', () => {
    const { s, helm } = stack();
    expect(() => new PlatformRelease(s, 'x', { chart: 'ingressNginx' as never, namespace: 'x', provider: helm })).toThrow(/not pinned; allowed: calico, kubeletCsrApprover, traefik/);
  });
});

describe('ManifestsRelease', () => {
  const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'x' } };
  test('rejects an empty list and duplicate objects', () => {
    const { s, helm } = stack();
    expect(() => new ManifestsRelease(s, 'empty', { releaseName: 'e', namespace: 'x', manifests: [], provider: helm })).toThrow(/no manifests/);
    expect(() => new ManifestsRelease(s, 'dup', { releaseName: 'd', namespace: 'x', manifests: [obj, obj], provider: helm })).toThrow(/duplicate object v1\/ConfigMap\/x\/a/);
  });
});

describe('ingress NodePorts', () => {
  test('inside 30000-32767 and distinct', () => {
    expect(() => validateNodePorts({ http: 30080, https: 30443 })).not.toThrow();
    expect(() => validateNodePorts({ http: 80, https: 30443 })).toThrow(/http is 80; allowed: an integer from 30000 to 32767/);
    expect(() => validateNodePorts({ http: 30443, https: 30443 })).toThrow(/both 30443/);
  });
});
