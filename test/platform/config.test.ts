/** The `platform` section: schema errors and semantic rules, each with a compliant and a non-compliant case. */
import { formatProblem } from '../../config/problems';
import { errorsAt, problemsAfter } from '../helpers/env';

const messages = (problems: { message: string }[]) => problems.map((p) => p.message).join('\n');

describe('the shipped environments are valid', () => {
  test.each(['dev', 'prod'] as const)('%s has no platform problem but the placeholder Entra ids (warnings until the first deploy sets them)', (env) => {
    const problems = problemsAfter(() => undefined, env).filter((p) => p.path.startsWith('platform') || p.message.includes('platform'));
    expect(problems.map((p) => `${p.severity} ${p.path}`)).toEqual(['warning platform.gitops.auth.tenantId', 'warning platform.gitops.auth.clientId']);
  });
});

describe('schema', () => {
  test('storage.provider is required and limited to local-path | azure-disk', () => {
    const missing = errorsAt(problemsAfter((e) => delete e.platform.storage.provider), 'platform.storage.provider');
    expect(missing).toHaveLength(1);
    const bad = errorsAt(problemsAfter((e) => (e.platform.storage.provider = 'hostpath')), 'platform.storage.provider');
    expect(bad[0]!.allowed).toBe('"local-path", "azure-disk"');
  });

  test.each([
    ['platform.monitoring.prometheus.retention', (e: any) => (e.platform.monitoring.prometheus.retention = '10 days'), /not a retention such as 15d/],
    ['platform.monitoring.prometheus.storageSize', (e: any) => (e.platform.monitoring.prometheus.storageSize = '10GB'), /not a storage size such as 10Gi/],
    ['platform.monitoring.prometheus.retentionSize', (e: any) => (e.platform.monitoring.prometheus.retentionSize = '8Gi'), /not a retention size such as 40GB/],
    ['platform.argocd.ha', (e: any) => (e.platform.argocd.ha = 'yes'), /Invalid option/],
    ['platform.argocd.adminPasswordRotatedAt', (e: any) => (e.platform.argocd.adminPasswordRotatedAt = 'last tuesday'), /RFC 3339/],
    ['platform.argocd.sso.issuer', (e: any) => (e.platform.argocd.sso = { issuer: 'http://idp.example', clientId: 'x' }), /https URL/],
    ['platform.tls.validityDays', (e: any) => (e.platform.tls.validityDays = 3650), /too big|<=/i],
    ['platform.gitops.repoURL', (e: any) => (e.platform.gitops.repoURL = 'file:///tmp/repo'), /https:\/\/ or ssh:\/\//],
    ['platform.gitops.valueFiles', (e: any) => (e.platform.gitops.valueFiles = ['../../other-chart/values.yaml']), /relative \.yaml paths/],
    ['platform', (e: any) => (e.platform.ingressClass = 'nginx'), /Unrecognized key/],
    ['platform.gitops.auth', (e: any) => delete e.platform.gitops.auth, /expected object/],
    ['platform.gitops.auth.tenantId', (e: any) => (e.platform.gitops.auth.tenantId = 'contoso.onmicrosoft.com'), /not an Entra ID id \(a GUID/],
    ['platform.gitops.auth.allowedGroups.0', (e: any) => (e.platform.gitops.auth.allowedGroups = ['Support engineers']), /not an Entra ID id/],
  ])('%s: a bad value is reported at its path', (path, change, message) => {
    const errors = errorsAt(problemsAfter(change), path);
    expect(errors.length).toBeGreaterThan(0);
    expect(messages(errors)).toMatch(message);
  });
});

test('a client secret pasted into platform.gitops.auth is refused, and the printed error does not show it', () => {
  const errors = errorsAt(problemsAfter((e: any) => (e.platform.gitops.auth.clientSecret = 'Xk9~q2Lr8Q~zT4vWb7NcYd1MfG5hJ3sPa0Ue6')), 'platform.gitops.auth');
  expect(messages(errors)).toMatch(/Unrecognized key: "clientSecret"/);
  expect(errors.map((p) => formatProblem('dev.yaml', p)).join('\n')).not.toContain('Xk9~q2Lr8Q~zT4vWb7NcYd1MfG5hJ3sPa0Ue6');
});

describe('semantic rules', () => {
  test('the nil GUID as an Entra id is a placeholder warning (nobody could sign in); real ids clear it', () => {
    const warnings = (change: (e: any) => void) => problemsAfter(change).filter((p) => p.path.startsWith('platform.gitops.auth'));
    expect(warnings(() => undefined).map((p) => [p.severity, p.path])).toEqual([['warning', 'platform.gitops.auth.tenantId'], ['warning', 'platform.gitops.auth.clientId']]);
    expect(warnings((e) => (e.platform.gitops.auth = { tenantId: '3f2504e0-4f89-11d3-9a0c-0305e82c3301', clientId: '7d1b4c7e-2f0a-4c36-9b5e-0b2f7d3a9c11' }))).toEqual([]);
  });

  test('the zone of the platform host names must not be inside an on-premises domain (forwarded to on-premises DNS)', () => {
    expect(errorsAt(problemsAfter(() => undefined), 'cluster.dns.zoneName')).toEqual([]);
    const errors = errorsAt(problemsAfter((e) => (e.cluster.dns.zoneName = 'k8s.corp.example.com')), 'cluster.dns.zoneName').filter((p) => p.message.includes('Grafana'));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain('onPremises.dnsDomains.0');
    expect(errors[0]!.allowed).toContain('dev.hyb.internal');
  });

  test('Grafana and Argo CD need a host label; the tool too when gitops is on; Prometheus may go without', () => {
    expect(errorsAt(problemsAfter((e) => delete e.cluster.ingress.hosts.prometheus), 'cluster.ingress.hosts')).toEqual([]);
    const noArgo = errorsAt(problemsAfter((e) => delete e.cluster.ingress.hosts.argocd), 'cluster.ingress.hosts');
    expect(messages(noArgo)).toMatch(/no host label for "argocd"/);
    expect(messages(errorsAt(problemsAfter((e) => delete e.cluster.ingress.hosts.cases), 'cluster.ingress.hosts'))).toMatch(/"cases"/);
    expect(errorsAt(problemsAfter((e) => { delete e.cluster.ingress.hosts.cases; delete e.platform.gitops; }), 'cluster.ingress.hosts')).toEqual([]);
  });

  test('Prometheus\' size-based retention must leave headroom on its volume', () => {
    expect(errorsAt(problemsAfter((e) => (e.platform.monitoring.prometheus = { retentionSize: '9GB', storageSize: '10Gi' })), 'platform.monitoring')).toEqual([]);
    const errors = errorsAt(problemsAfter((e) => (e.platform.monitoring.prometheus = { retentionSize: '10GB', storageSize: '10Gi' })), 'platform.monitoring.prometheus.retentionSize');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.allowed).toMatch(/at most 90% of storageSize/);
  });

  test('the tool\'s database must be one the services stack creates', () => {
    expect(errorsAt(problemsAfter(() => undefined), 'platform.gitops.database')).toEqual([]);
    const missing = errorsAt(problemsAfter((e) => (e.platform.gitops.database = 'other')), 'platform.gitops.database');
    expect(missing[0]!.allowed).toBe('caseassign');
    const noServer = errorsAt(problemsAfter((e) => delete e.services.postgres), 'platform.gitops.database');
    expect(noServer[0]!.message).toMatch(/services.postgres is not configured/);
  });

  test('the workload may not land in a platform namespace', () => {
    expect(messages(errorsAt(problemsAfter((e) => (e.platform.gitops.namespace = 'monitoring')), 'platform.gitops.namespace'))).toMatch(/platform owns/);
  });

  test('node-local storage in a critical environment is a warning, not an error', () => {
    const problems = problemsAfter((e) => (e.platform.storage = { provider: 'local-path' }), 'prod');
    const storage = problems.filter((p) => p.path === 'platform.storage.provider');
    expect(storage.map((p) => p.severity)).toEqual(['warning']);
    expect(problemsAfter(() => undefined, 'prod').filter((p) => p.path === 'platform.storage.provider')).toEqual([]);
  });
});
