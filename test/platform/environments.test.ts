/** Where dev and prod must differ (storage, HA, retention), and the Argo CD settings behind those differences. */
import { parse } from 'yaml';
import { ARGOCD_HA_MIN_WORKERS, argoCdHa } from '../../constructs/platform/argocd';
import { CHART_VERSIONS } from '../../constructs/platform/chart-versions';
import { build, built, Json, releases, variant } from './fixtures';

const values = (env: 'dev' | 'prod', release: string): Json => parse(releases(built(env).json)[release]!.values[0] as string) as Json;
const storageClasses = (json: Json): Json[] => Object.values((json.resource.kubernetes_storage_class_v1 ?? {}) as Record<string, Json>);

describe('storage', () => {
  test('dev: local-path-provisioner is the default class; no cloud controller manager, no CSI driver, no cloud config', () => {
    const { json } = built('dev');
    expect(values('dev', 'local-path-provisioner').storageClass).toMatchObject({ name: 'local-path', defaultClass: true });
    expect(Object.keys(releases(json))).not.toEqual(expect.arrayContaining(['cloud-provider-azure']));
    expect(Object.keys(releases(json))).not.toContain('azuredisk-csi-driver');
    expect(storageClasses(json)).toEqual([]);
    expect(Object.values(json.resource.kubernetes_secret_v1 as Record<string, Json>).map((s) => s.metadata.name)).not.toContain('azure-cloud-provider');
  });

  test('prod: CCM + Azure Disk CSI from one cloud config Secret, and a default Azure Disk class with the configured SKU', () => {
    const { json, stack } = built('prod');
    expect(Object.keys(releases(json))).toEqual(expect.arrayContaining(['cloud-provider-azure', 'azuredisk-csi-driver']));
    expect(values('prod', 'cloud-provider-azure').cloudControllerManager).toMatchObject({ cloudConfigSecretName: 'azure-cloud-provider', cloudConfig: '', configureCloudRoutes: 'false', allocateNodeCidrs: 'false' });
    expect(values('prod', 'azuredisk-csi-driver')).toMatchObject({ controller: { cloudConfigSecretName: 'azure-cloud-provider' }, node: { cloudConfigSecretName: 'azure-cloud-provider' } });
    const [sc] = storageClasses(json);
    expect(sc).toMatchObject({
      metadata: { name: 'managed-csi', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      storage_provisioner: 'disk.csi.azure.com',
      parameters: { skuName: stack.config.platform.storage.azureDiskSku },
      reclaim_policy: stack.config.platform.storage.reclaimPolicy,
      volume_binding_mode: 'WaitForFirstConsumer',
    });
    expect(sc!.depends_on).toEqual([expect.stringMatching(/^helm_release\.storage_azuredisk-csi-driver/)]);
  });

  test('the CCM chart\'s minor matches the cluster\'s Kubernetes minor (it selects the CCM image by minor)', () => {
    const minor = (v: string) => v.replace(/^v/, '').split('.').slice(0, 2).join('.');
    expect(minor(CHART_VERSIONS.cloudProviderAzure.version)).toBe(minor(built('prod').stack.config.cluster.kubernetesVersion));
  });

  test('the local-path helper image is pinned (the chart defaults to busybox:latest)', () => {
    expect(values('dev', 'local-path-provisioner').helperImage.tag).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test('the CSI driver installs after the CCM (it schedules only once the CCM has initialised the nodes)', () => {
    const csi = releases(built('prod').json)['azuredisk-csi-driver']!;
    expect(csi.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^helm_release\.storage_cloud-provider-azure/)]));
  });

  test('monitoring volumes use each environment\'s class', () => {
    for (const [env, cls] of [['dev', 'local-path'], ['prod', 'managed-csi']] as const) {
      const kps = values(env, 'kube-prometheus-stack');
      expect(kps.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName).toBe(cls);
      expect(kps.alertmanager.alertmanagerSpec.storage.volumeClaimTemplate.spec.storageClassName).toBe(cls);
      expect(kps.grafana.persistence.storageClassName).toBe(cls);
    }
  });

  test('azure-disk without the cluster\'s cloud config stops synth with a message naming both ways out', () => {
    expect(() => build('prod', { withoutAzureCloud: true })).toThrow(/no Azure cloud config.*allowed: provide it, or use "local-path"/);
  });
});

describe('retention and persistence come from configuration', () => {
  test.each(['dev', 'prod'] as const)('%s', (env) => {
    const { prometheus, alertmanager, grafana } = built(env).stack.config.platform.monitoring;
    const kps = values(env, 'kube-prometheus-stack');
    expect(kps.prometheus.prometheusSpec).toMatchObject({ retention: prometheus.retention, retentionSize: prometheus.retentionSize, replicas: prometheus.replicas });
    expect(kps.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage).toBe(prometheus.storageSize);
    expect(kps.alertmanager.alertmanagerSpec).toMatchObject({ retention: alertmanager.retention, replicas: alertmanager.replicas });
    expect(kps.alertmanager.alertmanagerSpec.storage.volumeClaimTemplate.spec.resources.requests.storage).toBe(alertmanager.storageSize);
    expect(kps.grafana.persistence.size).toBe(grafana.storageSize);
  });

  test('dev and prod differ', () => {
    const dev = values('dev', 'kube-prometheus-stack').prometheus.prometheusSpec;
    const prod = values('prod', 'kube-prometheus-stack').prometheus.prometheusSpec;
    expect(dev.retention).not.toBe(prod.retention);
    expect(dev.storageSpec.volumeClaimTemplate.spec.resources.requests.storage).not.toBe(prod.storageSpec.volumeClaimTemplate.spec.resources.requests.storage);
  });
});

describe('Argo CD', () => {
  test('HA only with at least 3 workers', () => {
    expect(ARGOCD_HA_MIN_WORKERS).toBe(3);
    expect(argoCdHa('auto', 2)).toBe(false);
    expect(argoCdHa('auto', 3)).toBe(true);
    expect(argoCdHa('off', 5)).toBe(false);
    expect(argoCdHa('on', 3)).toBe(true);
    expect(() => argoCdHa('on', 2)).toThrow(/"on" but the cluster has 2 worker\(s\); allowed: "on" only with at least 3 workers/);
  });

  test('dev (2 workers) runs single replicas without redis-ha; prod (3 workers) runs redis-ha and 2 replicas', () => {
    expect(built('dev').stack.config.cluster.workers.count).toBe(2);
    expect(built('prod').stack.config.cluster.workers.count).toBeGreaterThanOrEqual(3);
    expect(values('dev', 'argo-cd')).toMatchObject({ 'redis-ha': { enabled: false }, server: { replicas: 1 }, repoServer: { replicas: 1 }, applicationSet: { replicas: 1 } });
    expect(values('prod', 'argo-cd')).toMatchObject({ 'redis-ha': { enabled: true }, redis: { enabled: false }, server: { replicas: 2 }, repoServer: { replicas: 2 }, applicationSet: { replicas: 2 }, controller: { replicas: 1 } });
  });

  test('forcing HA onto 2 workers stops synth', () => {
    expect(() => build('dev', { config: variant('dev', (c) => (c.platform.argocd.ha = 'on')) })).toThrow(/at least 3 workers/);
  });

  test('dex is off without SSO; SSO turns it on with the client secret referenced, never inlined', () => {
    expect(values('dev', 'argo-cd').dex).toEqual({ enabled: false });
    const sso = build('dev', { config: variant('dev', (c) => (c.platform.argocd.sso = { issuer: 'https://login.example.com/tenant/v2.0', clientId: 'argocd', clientSecretName: 'argocd-oidc' })) });
    const v = parse(releases(sso.json)['argo-cd']!.values[0]) as Json;
    expect(v.dex).toEqual({ enabled: true });
    const dex = parse(v.configs.cm['dex.config']) as Json;
    expect(dex.connectors[0].config).toMatchObject({ issuer: 'https://login.example.com/tenant/v2.0', clientID: 'argocd', clientSecret: '$argocd-oidc:oidc.clientSecret' });
  });

  test('the admin password hash is stable across plans: random_password.bcrypt_hash, rotated only with adminPasswordRotatedAt', () => {
    const { json, stack } = built('dev');
    const passwords = json.resource.random_password as Record<string, Json>;
    const [key, admin] = Object.entries(passwords).find(([k]) => k.startsWith('argocd_admin-password'))!;
    expect(admin.keepers).toEqual({ rotatedAt: stack.config.platform.argocd.adminPasswordRotatedAt });
    const argo = releases(json)['argo-cd']!;
    expect(argo.set_sensitive[0].value).toBe(`\${random_password.${key}.bcrypt_hash}`);
    // Terraform's bcrypt() would re-salt on every plan: it must not be used.
    expect(JSON.stringify(json)).not.toMatch(/bcrypt\(/);
    expect(parse(argo.values[0]).configs.secret.argocdServerAdminPasswordMtime).toBe(stack.config.platform.argocd.adminPasswordRotatedAt);
  });

  test('server.insecure behind the ingress TLS, published on the internal host through Traefik', () => {
    const v = values('prod', 'argo-cd');
    expect(v.configs.params['server.insecure']).toBe(true);
    expect(v.server.ingress).toMatchObject({ enabled: true, ingressClassName: 'traefik' });
    expect(v.global.domain).toBe('argocd.prod.hyb.internal');
    expect(v.configs.cm.url).toBe('https://argocd.prod.hyb.internal');
  });
});

test('the ingress certificate: a private CA and a wildcard leaf for the zone (self-signed-ca), or only a reference (existing-secret)', () => {
  const { json } = built('dev');
  const leaf = Object.values(json.resource.tls_cert_request as Record<string, Json>)[0]!;
  expect(leaf.dns_names).toEqual(['dev.hyb.internal', '*.dev.hyb.internal']);
  expect(Object.values(json.resource.tls_self_signed_cert as Record<string, Json>)[0]!.is_ca_certificate).toBe(true);
  expect(json.output.ingress_ca_certificate.value).toMatch(/^\$\{tls_self_signed_cert\./);

  const external = build('dev', { config: variant('dev', (c) => (c.platform.tls.source = 'existing-secret')) }).json;
  expect(external.resource.tls_self_signed_cert).toBeUndefined();
  expect(Object.values(external.resource.kubernetes_secret_v1 as Record<string, Json>).some((s) => s.type === 'kubernetes.io/tls')).toBe(false);
  expect(parse(releases(external).traefik!.values[0]).tlsStore.default.defaultCertificate.secretName).toBe('ingress-default-tls');
});

describe('the workload\'s database Secret', () => {
  const secretOf = (json: Json): Json | undefined => Object.values(json.resource.kubernetes_secret_v1 as Record<string, Json>).find((s) => s.metadata.name === 'case-assigner-runtime');
  const app = (json: Json): Json => parse(releases(json)['gitops-bootstrap']!.values[0]).manifests.find((m: Json) => m.kind === 'Application');

  test.each(['dev', 'prod'] as const)('%s: DATABASE_URL to the services stack\'s server, TLS required, in the tool\'s namespace created first', (env) => {
    const { json, stack } = built(env);
    const secret = secretOf(json)!;
    const gitops = stack.config.platform.gitops!;
    expect(secret.data.DATABASE_URL).toMatch(new RegExp(`^postgres://\\$\\{urlencode\\(.+\\)\\}:\\$\\{urlencode\\(.+\\)\\}@\\$\\{.+\\}:5432/${gitops.database}\\?sslmode=require$`));
    expect(secret.data.DATABASE_URL).toContain('terraform_remote_state'); // the password never leaves the other stack's state as a literal
    expect(secret.metadata.namespace).toBe('${kubernetes_namespace_v1.namespace-workload.metadata[0].name}');
    expect(json.resource.kubernetes_namespace_v1['namespace-workload'].metadata).toMatchObject({ name: gitops.namespace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } });
  });

  test('operators add the API tokens; Terraform does not remove them', () => {
    expect(secretOf(built('prod').json)!.lifecycle.ignore_changes).toEqual(['data["QUEUE_API_TOKEN"]', 'data["ASSIGNMENT_API_TOKEN"]']);
  });

  test('the Application points the chart at it, after it exists, and leaves the namespace metadata to Terraform', () => {
    const { json } = built('prod');
    const application = app(json);
    expect(application.spec.source.helm.valuesObject.secret).toEqual({ create: false, existingSecret: 'case-assigner-runtime' });
    expect(application.spec.syncPolicy).not.toHaveProperty('managedNamespaceMetadata');
    expect(releases(json)['gitops-bootstrap']!.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^kubernetes_secret_v1\.workload-secret_/)]));
  });

  test('without platform.gitops.database: no database Secret; Terraform still creates the restricted namespace (the sign-in Secret lives there)', () => {
    const { json } = build('dev', { config: variant('dev', (c) => delete c.platform.gitops!.database), withoutDatabase: true });
    expect(secretOf(json)).toBeUndefined();
    expect(json.resource.kubernetes_namespace_v1['namespace-workload'].metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const application = app(json);
    expect(application.spec.source.helm.valuesObject).not.toHaveProperty('secret');
    expect(application.spec.syncPolicy).not.toHaveProperty('managedNamespaceMetadata');
  });

  test('a database in configuration but no connection from the services stack stops synth', () => {
    expect(() => build('dev', { withoutDatabase: true })).toThrow(/no database connection was passed from the services stack/);
  });
});
